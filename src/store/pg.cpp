// libpq behind store/pg.h: parameters, results, transactions with retry, the pool, and the
// per-component migrations in onshi_schema. SQLSTATEs 40001 (serialization failure) and
// 40P01 (deadlock) are the only ones retried; everything else is the caller's E_STORE.
#include "store/pg.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace onshi::store::pg {
namespace {

Error store_error(PGconn* c, const std::string& what) {
  std::string m = c ? PQerrorMessage(c) : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return Error{"E_STORE", "", what + ": " + m};
}

bool retryable(PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return state && (std::string_view(state) == "40001" || std::string_view(state) == "40P01");
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

}  // namespace

Params& Params::text(std::string_view v) {
  values_.emplace_back(std::string(v));
  formats_.push_back(0);
  return *this;
}
Params& Params::text_or_null(std::string_view v) { return v.empty() ? null() : text(v); }
Params& Params::i64(int64_t v) { return text(std::to_string(v)); }
Params& Params::bytea(std::string_view raw) {
  values_.emplace_back(std::string(raw));
  formats_.push_back(1);
  return *this;
}
Params& Params::bytea_or_null(std::string_view raw) { return raw.empty() ? null() : bytea(raw); }
Params& Params::null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

ArrayParam& ArrayParam::text(std::string_view v) {
  sep();
  s_.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') s_.push_back('\\');
    s_.push_back(c);
  }
  s_.push_back('"');
  return *this;
}
ArrayParam& ArrayParam::text_or_null(std::string_view v) { return v.empty() ? null() : text(v); }
ArrayParam& ArrayParam::i64(int64_t v) {
  sep();
  s_ += std::to_string(v);
  return *this;
}
ArrayParam& ArrayParam::bytea_or_null(std::string_view raw) {
  if (raw.empty()) return null();
  sep();
  s_ += "\"\\\\x";  // the element's text is \x<hex>; its backslash is escaped in the array
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : raw) {
    s_.push_back(kHex[c >> 4]);
    s_.push_back(kHex[c & 15]);
  }
  s_.push_back('"');
  return *this;
}
ArrayParam& ArrayParam::null() {
  sep();
  s_ += "NULL";
  return *this;
}
void ArrayParam::sep() {
  if (n_++) s_.push_back(',');
}

int64_t Rows::i64(int row, int col) const {
  if (null(row, col)) return 0;
  if (PQfformat(r_.get(), col) == 0)
    return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
  // Binary: a big-endian two's-complement integer of 2, 4 or 8 bytes.
  std::string_view b = text(row, col);
  uint64_t u = 0;
  for (unsigned char c : b) u = u << 8 | c;
  if (b.size() < 8 && !b.empty() && (static_cast<unsigned char>(b[0]) & 0x80))
    u |= ~uint64_t{0} << (8 * b.size());
  return static_cast<int64_t>(u);
}

std::string Rows::bytea(int row, int col) const {
  std::string_view t = text(row, col);
  if (PQfformat(r_.get(), col) == 1) return std::string(t);
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return std::string(t);
  std::string out;
  out.reserve((t.size() - 2) / 2);
  for (size_t i = 2; i + 1 < t.size(); i += 2)
    out.push_back(static_cast<char>(hexval(t[i]) << 4 | hexval(t[i + 1])));
  return out;
}

int64_t Rows::affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

Conn::~Conn() { PQfinish(c_); }

namespace {

// The pointer and length arrays libpq takes for a statement's parameters.
struct Bound {
  std::vector<const char*> values;
  std::vector<int> lengths;
};

}  // namespace

Result<Rows> Conn::exec(const char* sql, const Params& p, Format results) {
  Bound b{std::vector<const char*>(p.values_.size()), std::vector<int>(p.values_.size())};
  for (size_t i = 0; i < p.values_.size(); ++i) {
    b.values[i] = p.values_[i] ? p.values_[i]->data() : nullptr;
    b.lengths[i] = p.values_[i] ? static_cast<int>(p.values_[i]->size()) : 0;
  }
  return result(PQexecParams(c_, sql, p.size(), nullptr, b.values.data(), b.lengths.data(),
                             p.formats_.data(), static_cast<int>(results)));
}

Result<Rows> Conn::exec(const Prepared& stmt, const Params& p, Format results) {
  auto same = [&](const char* n) { return std::strcmp(n, stmt.name) == 0; };
  if (std::none_of(prepared_.begin(), prepared_.end(), same)) {
    PGresult* r = PQprepare(c_, stmt.name, stmt.sql, p.size(), nullptr);
    auto prepared = result(r);
    if (!prepared) return prepared.error();
    prepared_.push_back(stmt.name);
  }
  Bound b{std::vector<const char*>(p.values_.size()), std::vector<int>(p.values_.size())};
  for (size_t i = 0; i < p.values_.size(); ++i) {
    b.values[i] = p.values_[i] ? p.values_[i]->data() : nullptr;
    b.lengths[i] = p.values_[i] ? static_cast<int>(p.values_[i]->size()) : 0;
  }
  return result(PQexecPrepared(c_, stmt.name, p.size(), b.values.data(), b.lengths.data(),
                               p.formats_.data(), static_cast<int>(results)));
}

Result<Rows> Conn::result(PGresult* r) {
  auto st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(r);
  Error e = store_error(c_, "database");
  e.field = retryable(r) ? "retry" : "";
  PQclear(r);
  return e;
}

Status Conn::exec_script(const char* sql) {
  PGresult* r = PQexec(c_, sql);
  auto st = PQresultStatus(r);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  Error e;
  if (!ok) {
    e = store_error(c_, "database");
    e.field = retryable(r) ? "retry" : "";
  }
  PQclear(r);
  return ok ? Status::Ok() : Status(e);
}

Status Conn::transaction(const std::function<Status(Conn&)>& fn) {
  for (int attempt = 0;; ++attempt) {
    if (auto st = exec_script("BEGIN"); !st) return st;
    Status st = fn(*this);
    if (st) st = exec_script("COMMIT");
    if (st) return st;
    exec_script("ROLLBACK");
    if (st.error().field != "retry" || attempt >= 4) {
      if (st.error().field == "retry") return Status(Error{st.error().code, "", st.error().message});
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2 << attempt));
  }
}

bool Conn::alive() {
  // Reads whatever the server sent while the connection sat idle, without blocking: a
  // server that shut down has closed the socket, which marks the connection bad here.
  // Twice: a server shutting down first sends its farewell message, then closes; the second
  // read is the one that meets the end of the stream.
  for (int i = 0; i < 2 && healthy() && PQtransactionStatus(c_) == PQTRANS_IDLE; ++i)
    PQconsumeInput(c_);
  return healthy();
}

bool Conn::reset() {
  PQreset(c_);
  prepared_.clear();  // a new session knows none of them
  return healthy();
}

Result<std::unique_ptr<Conn>> connect(const std::string& conninfo, const std::string& display) {
  // Keys after dbname override the URL's. Keepalives and tcp_user_timeout make a server that
  // vanished without closing the socket an error within seconds instead of a hang.
  const char* keys[] = {"dbname",        "connect_timeout", "application_name",
                        "client_encoding", "keepalives",    "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                        nullptr};
  const char* vals[] = {conninfo.c_str(), "5", "onshi", "UTF8", "1", "10", "5", "3", "15000",
                        nullptr};
  PGconn* c = PQconnectdbParams(keys, vals, 1);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string m = c ? PQerrorMessage(c) : "out of memory";
    PQfinish(c);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return Error{"E_STORE_OPEN", "db", "cannot connect to " + display + ": " + m};
  }
  // Quiet notices ("relation already exists, skipping") instead of printing them to stderr.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return std::make_unique<Conn>(c);
}

Pool::Pool(std::string conninfo, std::string display, int size)
    : conninfo_(std::move(conninfo)), display_(std::move(display)), size_(size < 1 ? 1 : size) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (pool_ && conn_) pool_->release(std::move(conn_));
}

Result<Pool::Lease> Pool::acquire() {
  std::unique_ptr<Conn> c;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  if (!c) {
    auto made = connect(conninfo_, display_);
    if (!made) {
      std::lock_guard lock(mu_);
      --open_;
      cv_.notify_one();
      return made.error();
    }
    c = std::move(*made);
  } else if (!c->alive() && !c->reset()) {
    Error e{"E_STORE", "", "the database " + display_ + " is unreachable"};
    release(std::move(c));
    return e;
  }
  return Lease(this, std::move(c));
}

void Pool::release(std::unique_ptr<Conn> c) {
  std::lock_guard lock(mu_);
  // A connection left inside a failed transaction is of no use to the next caller.
  if (c && PQtransactionStatus(c->raw()) != PQTRANS_IDLE) c->exec_script("ROLLBACK");
  idle_.push_back(std::move(c));
  cv_.notify_one();
}

Status migrate(Conn& c, std::string_view component, std::span<const char* const> migrations,
               const std::string& display, bool create) {
  return c.transaction([&](Conn& t) -> Status {
    // One lock for every component: CREATE TABLE IF NOT EXISTS races otherwise.
    if (auto r = t.exec("SELECT pg_advisory_xact_lock(7291001)"); !r) return r.status();
    if (create) {
      if (auto st = t.exec_script(
              "CREATE TABLE IF NOT EXISTS onshi_schema("
              "component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
          !st)
        return st;
    }
    auto v = t.exec(
        "SELECT version FROM onshi_schema WHERE component = $1",
        Params().text(component));
    if (!v) {
      return create ? v.status()
                    : Status::Fail("E_STORE_SCHEMA", "db",
                                   display + " holds no onshi schema: run onshi db migrate");
    }
    int64_t have = v->size() ? v->i64(0, 0) : 0;
    int64_t want = static_cast<int64_t>(migrations.size());
    if (have > want)
      return Status::Fail("E_STORE_SCHEMA", "db",
                          display + ": " + std::string(component) + " schema version " +
                              std::to_string(have) + " is newer than this onshi (" +
                              std::to_string(want) + "); upgrade onshi");
    if (have < want && !create)
      return Status::Fail("E_STORE_SCHEMA", "db",
                          display + ": " + std::string(component) + " schema version " +
                              std::to_string(have) + " is older than this onshi (" +
                              std::to_string(want) + "); run onshi db migrate");
    for (int64_t i = have; i < want; ++i)
      if (auto st = t.exec_script(migrations[i]); !st) return st;
    if (have == want) return Status::Ok();
    auto up = t.exec(
        "INSERT INTO onshi_schema(component, version) VALUES($1, $2) "
        "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
        Params().text(component).i64(want));
    return up.status();
  });
}

std::string bytea_hex(std::string_view raw) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\\\\x";
  out.reserve(3 + raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace onshi::store::pg
