// The access store (store/access.h) on SQLite: DIR/access.db with the tables `consents`,
// `disaster_periods`, `professional_accounts` and `institution_settings`.
//
// One connection per store, opened (created, migrated) on first use and serialised by a
// mutex; every write is one BEGIN IMMEDIATE transaction, so two processes on one data
// directory (a service and an operator's command) see each other's writes at once — nothing
// is cached here. A period's prefectures are kept as one comma-separated text.
#include <filesystem>
#include <mutex>

#include "store/access.h"
#include "store/backends.h"
#include "store/sqlite.h"

namespace onshi::store::detail {
namespace {

namespace fs = std::filesystem;
using sqlite::Stmt;

const char* const kMigrations[] = {R"sql(
CREATE TABLE IF NOT EXISTS consents(
  id INTEGER PRIMARY KEY, person_link BLOB NOT NULL, institution TEXT NOT NULL,
  category TEXT NOT NULL, care_setting TEXT NOT NULL, card_serial TEXT NOT NULL,
  consented_at_us INTEGER NOT NULL, available_until_us INTEGER NOT NULL,
  withdrawn_at_us INTEGER, withdrawn_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS consents_person ON consents(person_link, institution, category);
CREATE TABLE IF NOT EXISTS disaster_periods(
  id INTEGER PRIMARY KEY, prefectures TEXT NOT NULL, from_us INTEGER NOT NULL,
  to_us INTEGER NOT NULL, declared_at_us INTEGER NOT NULL, ended_at_us INTEGER,
  note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS professional_accounts(
  institution TEXT NOT NULL, account_id TEXT NOT NULL, role TEXT NOT NULL,
  registered_at_us INTEGER NOT NULL, removed_at_us INTEGER,
  PRIMARY KEY(institution, account_id));
)sql",
                                   R"sql(
CREATE TABLE IF NOT EXISTS institution_settings(
  id INTEGER PRIMARY KEY, institution TEXT NOT NULL, setting TEXT NOT NULL,
  effective_on TEXT NOT NULL, use INTEGER NOT NULL, recorded_at_us INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS institution_settings_by_day
  ON institution_settings(institution, setting, effective_on);
)sql"};

constexpr const char* kSettingColumns =
    "id,institution,setting,effective_on,use,recorded_at_us";

constexpr const char* kConsentColumns =
    "id,person_link,institution,category,care_setting,card_serial,consented_at_us,"
    "available_until_us,withdrawn_at_us,withdrawn_reason";

std::optional<int64_t> opt_i64(Stmt& q, int i) {
  if (q.col_null(i)) return std::nullopt;
  return q.col_i64(i);
}
void bind_opt(Stmt& q, int i, const std::optional<int64_t>& v) {
  if (v)
    q.i64(i, *v);
  else
    sqlite3_bind_null(q.get(), i);
}

ConsentRow read_consent(Stmt& q) {
  return {q.col_i64(0),  q.col_blob(1), q.col_text(2), q.col_text(3), q.col_text(4),
          q.col_text(5), q.col_i64(6),  q.col_i64(7),  opt_i64(q, 8), q.col_text(9)};
}
DisasterPeriod read_disaster(Stmt& q) {
  DisasterPeriod d;
  d.id = q.col_i64(0);
  d.prefectures = split_prefectures(q.col_text(1));
  d.from_us = q.col_i64(2);
  d.to_us = q.col_i64(3);
  d.declared_at_us = q.col_i64(4);
  d.ended_at_us = opt_i64(q, 5);
  d.note = q.col_text(6);
  return d;
}
ProfessionalAccount read_account(Stmt& q) {
  return {q.col_text(0), q.col_text(1), q.col_text(2), q.col_i64(3), opt_i64(q, 4)};
}

InstitutionSetting read_setting(Stmt& q) {
  return {q.col_i64(0), q.col_text(1), q.col_text(2), q.col_text(3), q.col_i64(4) != 0,
          q.col_i64(5)};
}

// Inserts one setting with or without its id (id 0: a new one); returns its id.
Result<int64_t> insert_setting(sqlite3* db, const InstitutionSetting& r, bool with_id) {
  Stmt ins(db, with_id ? "INSERT INTO institution_settings(institution,setting,effective_on,use,"
                         "recorded_at_us,id) VALUES(?1,?2,?3,?4,?5,?6)"
                       : "INSERT INTO institution_settings(institution,setting,effective_on,use,"
                         "recorded_at_us) VALUES(?1,?2,?3,?4,?5)");
  ins.text(1, r.institution).text(2, r.setting).text(3, r.effective_on).i64(4, r.use ? 1 : 0);
  ins.i64(5, r.recorded_at_us);
  if (with_id) ins.i64(6, r.id);
  if (ins.step() != SQLITE_DONE) return sqlite::error(db, "access.db setting");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db));
}

// Inserts one consent with or without its id (id 0: a new one).
Status insert_consent(sqlite3* db, const ConsentRow& r, bool with_id) {
  Stmt ins(db, with_id ? "INSERT INTO consents(id,person_link,institution,category,care_setting,"
                         "card_serial,consented_at_us,available_until_us,withdrawn_at_us,"
                         "withdrawn_reason) VALUES(?10,?1,?2,?3,?4,?5,?6,?7,?8,?9)"
                       : "INSERT INTO consents(person_link,institution,category,care_setting,"
                         "card_serial,consented_at_us,available_until_us,withdrawn_at_us,"
                         "withdrawn_reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
  ins.blob(1, r.person_link).text(2, r.institution).text(3, r.category).text(4, r.care_setting);
  ins.text(5, r.card_serial).i64(6, r.consented_at_us).i64(7, r.available_until_us);
  bind_opt(ins, 8, r.withdrawn_at_us);
  ins.text(9, r.withdrawn_reason);
  if (with_id) ins.i64(10, r.id);
  if (ins.step() != SQLITE_DONE) return sqlite::error(db, "access.db consent");
  return {};
}

class SqliteAccess final : public SqliteAccessStore {
 public:
  SqliteAccess(fs::path dir, bool create) : dir_(std::move(dir)), create_(create) {}
  ~SqliteAccess() override {
    if (db_) sqlite3_close(db_);
  }

  Status open_now() override {
    std::lock_guard lock(mu_);
    return open_locked().status();
  }

  Result<std::vector<int64_t>> put_consents(std::span<const ConsentRow> rows) override {
    return write([&](sqlite3* d) -> Result<std::vector<int64_t>> {
      std::vector<int64_t> ids;
      for (const auto& r : rows) {
        if (auto st = insert_consent(d, r, false); !st) return st.error();
        ids.push_back(sqlite3_last_insert_rowid(d));
      }
      return ids;
    });
  }

  Result<std::optional<ConsentRow>> latest_consent(std::string_view person_link,
                                                   std::string_view institution,
                                                   std::string_view category) override {
    return read([&](sqlite3* d) -> Result<std::optional<ConsentRow>> {
      Stmt q(d, (std::string("SELECT ") + kConsentColumns +
                 " FROM consents WHERE person_link=? AND institution=? AND category=? "
                 "ORDER BY consented_at_us DESC, id DESC LIMIT 1")
                    .c_str());
      q.blob(1, person_link).text(2, institution).text(3, category);
      int rc = q.step();
      if (rc == SQLITE_DONE) return std::optional<ConsentRow>();
      if (rc != SQLITE_ROW) return sqlite::error(d, "access.db consent");
      return std::optional<ConsentRow>(read_consent(q));
    });
  }

  Result<std::vector<ConsentRow>> consents_of(std::string_view person_link) override {
    return read([&](sqlite3* d) -> Result<std::vector<ConsentRow>> {
      Stmt q(d, (std::string("SELECT ") + kConsentColumns +
                 " FROM consents WHERE person_link=? ORDER BY consented_at_us, id")
                    .c_str());
      q.blob(1, person_link);
      std::vector<ConsentRow> out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_consent(q));
      if (rc != SQLITE_DONE) return sqlite::error(d, "access.db consents");
      return out;
    });
  }

  Result<int64_t> withdraw_consents(std::string_view person_link, std::string_view institution,
                                    std::string_view category, std::string_view reason,
                                    int64_t now_us) override {
    return write([&](sqlite3* d) -> Result<int64_t> {
      Stmt u(d,
             "UPDATE consents SET withdrawn_at_us=?1, withdrawn_reason=?2 WHERE person_link=?3 "
             "AND (?4='' OR institution=?4) AND (?5='' OR category=?5) "
             "AND withdrawn_at_us IS NULL AND available_until_us>?1");
      u.i64(1, now_us).text(2, reason).blob(3, person_link).text(4, institution).text(5, category);
      if (u.step() != SQLITE_DONE) return sqlite::error(d, "access.db withdraw");
      return static_cast<int64_t>(sqlite3_changes(d));
    });
  }

  Result<int64_t> declare_disaster(const DisasterPeriod& p) override {
    return write([&](sqlite3* d) -> Result<int64_t> {
      Stmt ins(d,
               "INSERT INTO disaster_periods(prefectures,from_us,to_us,declared_at_us,"
               "ended_at_us,note) VALUES(?,?,?,?,?,?)");
      ins.text(1, join_prefectures(p.prefectures)).i64(2, p.from_us).i64(3, p.to_us);
      ins.i64(4, p.declared_at_us);
      bind_opt(ins, 5, p.ended_at_us);
      ins.text(6, p.note);
      if (ins.step() != SQLITE_DONE) return sqlite::error(d, "access.db disaster");
      return static_cast<int64_t>(sqlite3_last_insert_rowid(d));
    });
  }

  Result<bool> end_disaster(int64_t id, int64_t now_us) override {
    return write([&](sqlite3* d) -> Result<bool> {
      Stmt u(d,
             "UPDATE disaster_periods SET ended_at_us=?1, to_us=MIN(to_us,?1) "
             "WHERE id=?2 AND ended_at_us IS NULL AND to_us>?1");
      u.i64(1, now_us).i64(2, id);
      if (u.step() != SQLITE_DONE) return sqlite::error(d, "access.db disaster");
      return sqlite3_changes(d) > 0;
    });
  }

  Result<std::vector<DisasterPeriod>> disasters() override {
    return read([&](sqlite3* d) -> Result<std::vector<DisasterPeriod>> {
      Stmt q(d,
             "SELECT id,prefectures,from_us,to_us,declared_at_us,ended_at_us,note "
             "FROM disaster_periods ORDER BY id");
      std::vector<DisasterPeriod> out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_disaster(q));
      if (rc != SQLITE_DONE) return sqlite::error(d, "access.db disasters");
      return out;
    });
  }

  Status put_account(const ProfessionalAccount& a) override {
    return write([&](sqlite3* d) -> Status {
      Stmt u(d,
             "INSERT INTO professional_accounts(institution,account_id,role,registered_at_us,"
             "removed_at_us) VALUES(?,?,?,?,NULL) ON CONFLICT(institution,account_id) DO UPDATE "
             "SET role=excluded.role, registered_at_us=excluded.registered_at_us, "
             "removed_at_us=NULL");
      u.text(1, a.institution).text(2, a.account_id).text(3, a.role).i64(4, a.registered_at_us);
      if (u.step() != SQLITE_DONE) return sqlite::error(d, "access.db account");
      return {};
    });
  }

  Result<bool> remove_account(std::string_view institution, std::string_view account_id,
                              int64_t now_us) override {
    return write([&](sqlite3* d) -> Result<bool> {
      Stmt u(d,
             "UPDATE professional_accounts SET removed_at_us=? WHERE institution=? AND "
             "account_id=? AND removed_at_us IS NULL");
      u.i64(1, now_us).text(2, institution).text(3, account_id);
      if (u.step() != SQLITE_DONE) return sqlite::error(d, "access.db account");
      return sqlite3_changes(d) > 0;
    });
  }

  Result<std::optional<ProfessionalAccount>> find_account(std::string_view institution,
                                                          std::string_view account_id) override {
    return read([&](sqlite3* d) -> Result<std::optional<ProfessionalAccount>> {
      Stmt q(d,
             "SELECT institution,account_id,role,registered_at_us,removed_at_us FROM "
             "professional_accounts WHERE institution=? AND account_id=?");
      q.text(1, institution).text(2, account_id);
      int rc = q.step();
      if (rc == SQLITE_DONE) return std::optional<ProfessionalAccount>();
      if (rc != SQLITE_ROW) return sqlite::error(d, "access.db account");
      return std::optional<ProfessionalAccount>(read_account(q));
    });
  }

  Result<std::vector<ProfessionalAccount>> accounts(std::string_view institution) override {
    return read([&](sqlite3* d) -> Result<std::vector<ProfessionalAccount>> {
      Stmt q(d,
             "SELECT institution,account_id,role,registered_at_us,removed_at_us FROM "
             "professional_accounts WHERE ?1='' OR institution=?1 ORDER BY institution, "
             "account_id");
      q.text(1, institution);
      std::vector<ProfessionalAccount> out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_account(q));
      if (rc != SQLITE_DONE) return sqlite::error(d, "access.db accounts");
      return out;
    });
  }

  Result<int64_t> add_setting(const InstitutionSetting& setting) override {
    return write([&](sqlite3* d) { return insert_setting(d, setting, false); });
  }

  Result<std::optional<InstitutionSetting>> setting_on(std::string_view institution,
                                                       std::string_view setting,
                                                       std::string_view day) override {
    return read([&](sqlite3* d) -> Result<std::optional<InstitutionSetting>> {
      Stmt q(d, (std::string("SELECT ") + kSettingColumns +
                 " FROM institution_settings WHERE institution=? AND setting=? AND "
                 "effective_on<=? ORDER BY effective_on DESC, id DESC LIMIT 1")
                    .c_str());
      q.text(1, institution).text(2, setting).text(3, day);
      int rc = q.step();
      if (rc == SQLITE_DONE) return std::optional<InstitutionSetting>();
      if (rc != SQLITE_ROW) return sqlite::error(d, "access.db setting");
      return std::optional<InstitutionSetting>(read_setting(q));
    });
  }

  Result<std::vector<InstitutionSetting>> settings(std::string_view institution) override {
    return read([&](sqlite3* d) -> Result<std::vector<InstitutionSetting>> {
      Stmt q(d, (std::string("SELECT ") + kSettingColumns +
                 " FROM institution_settings WHERE ?1='' OR institution=?1 ORDER BY id")
                    .c_str());
      q.text(1, institution);
      std::vector<InstitutionSetting> out;
      int rc;
      while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_setting(q));
      if (rc != SQLITE_DONE) return sqlite::error(d, "access.db settings");
      return out;
    });
  }

  Result<int64_t> put_settings_verbatim(std::span<const InstitutionSetting> rows) override {
    return write([&](sqlite3* d) -> Result<int64_t> {
      int64_t n = 0;
      Stmt find(d, (std::string("SELECT ") + kSettingColumns +
                    " FROM institution_settings WHERE id=?")
                       .c_str());
      for (const auto& r : rows) {
        find.reset();
        find.i64(1, r.id);
        int rc = find.step();
        if (rc == SQLITE_ROW) {
          if (read_setting(find) != r)
            return conflict("settings", "setting " + std::to_string(r.id));
          continue;
        }
        if (rc != SQLITE_DONE) return sqlite::error(d, "access.db copy");
        if (auto id = insert_setting(d, r, true); !id) return id.error();
        ++n;
      }
      return n;
    });
  }

  Status scan_consents(int64_t after_id, size_t limit,
                       const std::function<bool(const ConsentRow&)>& fn) override {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    Stmt q(*db, (std::string("SELECT ") + kConsentColumns +
                 " FROM consents WHERE id>? ORDER BY id LIMIT ?")
                    .c_str());
    q.i64(1, after_id).i64(2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      if (!fn(read_consent(q))) return {};
    if (rc != SQLITE_DONE) return sqlite::error(*db, "access.db scan");
    return {};
  }

  Result<int64_t> put_consents_verbatim(std::span<const ConsentRow> rows) override {
    return write([&](sqlite3* d) -> Result<int64_t> {
      int64_t n = 0;
      Stmt find(d,
                (std::string("SELECT ") + kConsentColumns + " FROM consents WHERE id=?").c_str());
      for (const auto& r : rows) {
        find.reset();
        find.i64(1, r.id);
        int rc = find.step();
        if (rc == SQLITE_ROW) {
          if (read_consent(find) != r)
            return conflict("consents", "consent " + std::to_string(r.id));
          continue;
        }
        if (rc != SQLITE_DONE) return sqlite::error(d, "access.db copy");
        if (auto st = insert_consent(d, r, true); !st) return st.error();
        ++n;
      }
      return n;
    });
  }

  Result<int64_t> put_disasters_verbatim(std::span<const DisasterPeriod> rows) override {
    return write([&](sqlite3* d) -> Result<int64_t> {
      int64_t n = 0;
      Stmt find(d,
                "SELECT id,prefectures,from_us,to_us,declared_at_us,ended_at_us,note "
                "FROM disaster_periods WHERE id=?");
      Stmt ins(d,
               "INSERT INTO disaster_periods(id,prefectures,from_us,to_us,declared_at_us,"
               "ended_at_us,note) VALUES(?,?,?,?,?,?,?)");
      for (const auto& r : rows) {
        find.reset();
        find.i64(1, r.id);
        int rc = find.step();
        if (rc == SQLITE_ROW) {
          if (read_disaster(find) != r)
            return conflict("disasters", "period " + std::to_string(r.id));
          continue;
        }
        if (rc != SQLITE_DONE) return sqlite::error(d, "access.db copy");
        ins.reset();
        ins.i64(1, r.id).text(2, join_prefectures(r.prefectures)).i64(3, r.from_us);
        ins.i64(4, r.to_us).i64(5, r.declared_at_us);
        bind_opt(ins, 6, r.ended_at_us);
        ins.text(7, r.note);
        if (ins.step() != SQLITE_DONE) return sqlite::error(d, "access.db copy");
        ++n;
      }
      return n;
    });
  }

  Result<int64_t> put_accounts_verbatim(std::span<const ProfessionalAccount> rows) override {
    return write([&](sqlite3* d) -> Result<int64_t> {
      int64_t n = 0;
      Stmt find(d,
                "SELECT institution,account_id,role,registered_at_us,removed_at_us FROM "
                "professional_accounts WHERE institution=? AND account_id=?");
      Stmt ins(d,
               "INSERT INTO professional_accounts(institution,account_id,role,registered_at_us,"
               "removed_at_us) VALUES(?,?,?,?,?)");
      for (const auto& r : rows) {
        find.reset();
        find.text(1, r.institution).text(2, r.account_id);
        int rc = find.step();
        if (rc == SQLITE_ROW) {
          if (read_account(find) != r)
            return conflict("accounts", "account " + r.institution + "/" + r.account_id);
          continue;
        }
        if (rc != SQLITE_DONE) return sqlite::error(d, "access.db copy");
        ins.reset();
        ins.text(1, r.institution).text(2, r.account_id).text(3, r.role).i64(4, r.registered_at_us);
        bind_opt(ins, 5, r.removed_at_us);
        if (ins.step() != SQLITE_DONE) return sqlite::error(d, "access.db copy");
        ++n;
      }
      return n;
    });
  }

 private:
  static Error conflict(const std::string& store, const std::string& what) {
    return Error{"E_COPY_CONFLICT", store, what + " differs between the source and the target"};
  }
  template <class Fn>
  auto write(Fn fn) -> decltype(fn(nullptr)) {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return sqlite::write_transaction(*db, fn);
  }
  template <class Fn>
  auto read(Fn fn) -> decltype(fn(nullptr)) {
    std::lock_guard lock(mu_);
    auto db = open_locked();
    if (!db) return db.error();
    return fn(*db);
  }
  // The connection, opened (creating and migrating the file) the first time. Caller holds mu_.
  Result<sqlite3*> open_locked() {
    if (db_) return db_;
    sqlite::OpenOptions oo;
    oo.create = create_;
    oo.busy_timeout_ms = 10000;
    auto db = sqlite::open_migrated(dir_ / "access.db", oo, kMigrations, "access.db");
    if (!db) return db.error();
    db_ = *db;
    return db_;
  }

  const fs::path dir_;
  const bool create_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::string join_prefectures(const std::vector<std::string>& prefectures) {
  std::string out;
  for (const auto& p : prefectures) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::vector<std::string> split_prefectures(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::unique_ptr<SqliteAccessStore> make_sqlite_access(const std::filesystem::path& dir,
                                                      bool create) {
  return std::make_unique<SqliteAccess>(dir, create);
}

}  // namespace onshi::store::detail
