// The embedded backend as a Database: the files of one data directory. Each concern keeps
// its own SQLite file (onshi.db with onshi-audit.db beside it, institutions.db, cards.db,
// bulk.db, medical_aid.db, clinical.db, access.db), the layout data directories have always had, so existing ones keep working
// without a migration; a file is opened the first time its store is used (or by migrate()).
#include "store/backends.h"
#include "store/clinical_backend.h"
#include "store/sqlite_backend.h"
#include "store/tickets_backend.h"

namespace onshi::store::detail {
namespace {

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const DatabaseUrl& url, std::unique_ptr<Store> members, bool create)
      : dir_(url.dir),
        url_(url.display),
        members_(std::move(members)),
        institutions_(make_sqlite_institutions(dir_ / "institutions.db", create)),
        cards_(make_sqlite_cards(dir_, create)),
        bulk_(make_sqlite_bulk(dir_, create)),
        tickets_(make_sqlite_tickets(dir_, create)),
        clinical_(make_sqlite_clinical(dir_, create)),
        access_(make_sqlite_access(dir_, create)) {}

  Store& members() override { return *members_; }
  InstitutionStore& institutions() override { return *institutions_; }
  CardStore& cards() override { return *cards_; }
  BulkStore& bulk() override { return *bulk_; }
  TicketStore& tickets() override { return *tickets_; }
  ClinicalStore& clinical() override { return *clinical_; }
  AccessStore& access() override { return *access_; }
  // Opening migrated the member store; the other files are opened (and migrated) now.
  Status migrate() override {
    if (auto st = institutions_->migrate(); !st) return st;
    if (auto st = cards_->open_now(); !st) return st;
    if (auto st = bulk_->open_now(); !st) return st;
    if (auto st = tickets_->open_now(); !st) return st;
    if (auto st = clinical_->open_now(); !st) return st;
    return access_->open_now();
  }
  std::filesystem::path cache_dir() const override { return dir_; }
  Backend backend() const override { return Backend::kSqlite; }
  const std::string& url() const override { return url_; }

 private:
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> members_;
  std::unique_ptr<InstitutionStore> institutions_;  // DIR/institutions.db, on first use
  std::unique_ptr<SqliteCardStore> cards_;  // DIR/cards.db, opened on first use
  std::unique_ptr<SqliteBulkStore> bulk_;   // DIR/bulk.db, opened on first use
  std::unique_ptr<SqliteTicketStore> tickets_;  // DIR/medical_aid.db, opened on first use
  std::unique_ptr<SqliteClinicalStore> clinical_;  // DIR/clinical.db, opened on first use
  std::unique_ptr<SqliteAccessStore> access_;  // DIR/access.db, opened on first use
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite_database(const DatabaseUrl& url,
                                                       const DatabaseOptions& options) {
  SqliteOptions so = options.sqlite;
  so.create = options.create;
  auto members = open_sqlite(store_path(url.dir), so);
  if (!members) return members.error();
  return std::unique_ptr<Database>(new SqliteDatabase(url, std::move(*members), options.create));
}

}  // namespace onshi::store::detail
