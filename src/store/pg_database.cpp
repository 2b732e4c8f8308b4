// The server backend as a Database: one PostgreSQL database holding every table, reached
// through one connection pool per process (and a second pool for a read replica when one
// is given). Each concern migrates its own tables (onshi_schema has one row per component).
//
// So far the institutions registry is the only concern built on it; the member store and
// the audit log answer E_STORE_OPEN ("not built yet") until theirs lands.
#include "store/backends.h"
#include "store/pg.h"
#include "store/pg_backend.h"

namespace onshi::store::detail {
namespace {

// The member store of a database that has none yet: every call fails with one message.
class MissingMembers final : public Store {
 public:
  explicit MissingMembers(const std::string& display)
      : error_{"E_STORE_OPEN", "db", display + ": the PostgreSQL member store is not built yet"} {}
  Result<std::vector<PutOutcome>> put_qualifications(std::span<const PutItem>) override {
    return error_;
  }
  Result<std::optional<QualificationVersion>> qualification_as_of(std::string_view,
                                                                  int64_t) override {
    return error_;
  }
  Result<std::vector<QualificationVersion>> find_by_card(std::string_view, std::string_view,
                                                         std::string_view, int64_t) override {
    return error_;
  }
  Result<std::vector<QualificationVersion>> find_by_person_link(std::string_view,
                                                                int64_t) override {
    return error_;
  }
  Status scan_versions(const std::function<bool(const QualificationVersion&)>&) override {
    return error_;
  }
  Result<std::vector<QualificationVersion>> history(std::string_view) override { return error_; }
  Result<int64_t> count_card_keys() override { return error_; }
  Result<int64_t> count_versions() override { return error_; }
  Status scan_current(std::string_view,
                      const std::function<bool(const QualificationVersion&)>&) override {
    return error_;
  }
  Status append_audit(std::span<const AuditEntry>) override { return error_; }
  Result<std::optional<AuditEntry>> last_audit() override { return error_; }
  Status scan_audit(int64_t, const std::function<bool(const AuditEntry&)>&) override {
    return error_;
  }
  Status scan_audit_by_subject(std::string_view,
                               const std::function<bool(const AuditEntry&)>&) override {
    return error_;
  }
  Status record_import(const ImportRun&) override { return error_; }
  Result<std::vector<ImportRun>> import_runs() override { return error_; }

 private:
  Error error_;
};

class PgDatabase final : public Database {
 public:
  PgDatabase(const DatabaseUrl& url, const DatabaseOptions& options)
      : url_(url.display),
        pool_(url.conninfo, url.display, options.pool_size),
        members_(url.display),
        institutions_(make_pg_institutions(pool_, options.create)) {}

  Store& members() override { return members_; }
  InstitutionStore& institutions() override { return *institutions_; }
  Status migrate() override { return institutions_->migrate(); }
  std::filesystem::path cache_dir() const override { return {}; }
  Backend backend() const override { return Backend::kPostgres; }
  const std::string& url() const override { return url_; }

 private:
  std::string url_;
  pg::Pool pool_;
  MissingMembers members_;
  std::unique_ptr<InstitutionStore> institutions_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_pg_database(const DatabaseUrl& url,
                                                   const DatabaseOptions& options) {
  auto probe = pg::connect(url.conninfo, url.display);
  if (!probe) return probe.error();
  return std::unique_ptr<Database>(new PgDatabase(url, options));
}

}  // namespace onshi::store::detail
