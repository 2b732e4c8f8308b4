// open_store: the one place that reads a database URL and picks the backend, and the
// redaction that keeps a URL's password out of every message.
#include <algorithm>

#include "store/backends.h"
#include "store/database.h"

namespace onshi::store {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Drops `password=…` from a URL's query string.
std::string drop_password_param(std::string s) {
  size_t q = s.find('?');
  if (q == std::string::npos) return s;
  std::string head = s.substr(0, q), query = s.substr(q + 1), kept;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty() && !starts_with(part, "password=")) kept += (kept.empty() ? "" : "&") + part;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return kept.empty() ? head : head + "?" + kept;
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string s(url);
  size_t scheme = s.find("://");
  if (scheme != std::string::npos) {
    size_t auth = scheme + 3;
    size_t end = s.find_first_of("/?", auth);
    size_t at = s.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= auth) {
      size_t colon = s.find(':', auth);
      if (colon != std::string::npos && colon < at) s.erase(colon, at - colon);
    }
  }
  return drop_password_param(s);
}

std::string sqlite_url(const std::filesystem::path& dir) { return "sqlite:" + dir.string(); }

Result<DatabaseUrl> parse_database_url(std::string_view url) {
  DatabaseUrl u;
  u.display = redact_url(url);
  if (starts_with(url, "sqlite:")) {
    std::string_view rest = url.substr(7);
    if (starts_with(rest, "//")) rest = rest.substr(2);  // sqlite:///abs/dir is accepted too
    if (rest.empty())
      return Error{"E_DB_URL", "db", "sqlite: needs a data directory (sqlite:DIR)"};
    u.backend = Backend::kSqlite;
    u.dir = std::string(rest);
    return u;
  }
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    std::string_view rest = url.substr(url.find("://") + 3);
    if (rest.empty() || rest[0] == '/' || rest[0] == '?')
      return Error{"E_DB_URL", "db",
                   u.display + ": needs a host (postgresql://user@host:port/db)"};
    u.backend = Backend::kPostgres;
    u.conninfo = std::string(url);
    return u;
  }
  return Error{"E_DB_URL", "db",
               "unknown database URL " + u.display +
                   ": use sqlite:DIR or postgresql://user@host:port/db"};
}

Result<std::unique_ptr<Database>> open_store(std::string_view url,
                                             const DatabaseOptions& options) {
  auto u = parse_database_url(url);
  if (!u) return u.error();
  if (u->backend == Backend::kSqlite) return detail::open_sqlite_database(*u, options);
  return detail::open_pg_database(*u, options);
}

}  // namespace onshi::store
