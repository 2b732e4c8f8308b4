// The clinical store's backends (store/clinical.h), private to src/store/: the factories the
// two Database implementations call and what both backends share (clinical.cpp).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "store/clinical.h"

namespace onshi::store::pg {
class Pool;
}  // namespace onshi::store::pg

namespace onshi::store::detail {

// DIR/clinical.db, opened (created, migrated) on its first call or now by open_now()
// (sqlite_clinical.cpp). Errors of open_now: E_STORE_OPEN, E_STORE_SCHEMA.
class SqliteClinicalStore : public ClinicalStore {
 public:
  virtual Status open_now() = 0;
};
std::unique_ptr<SqliteClinicalStore> make_sqlite_clinical(const std::filesystem::path& dir,
                                                          bool create);

// Component "clinical" on PostgreSQL (pg_clinical.cpp), migrated before it returns; `create`
// false: a missing or older schema is E_STORE_SCHEMA. The pool must outlive the store.
Result<std::unique_ptr<ClinicalStore>> open_pg_clinical(pg::Pool& pool, bool create);

// The windows the first migration stores (docs/clinical.md names the source of each).
const std::vector<ViewingWindow>& default_clinical_windows();
// E_CLINICAL_WINDOW when `w` cannot be stored.
Status check_window(const ViewingWindow& w);
// Whether a put leaves a stored row as it is (the source is not compared).
bool same_contents(const ClinicalRecord& stored, const ClinicalPut& p);

}  // namespace onshi::store::detail
