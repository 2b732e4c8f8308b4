// Clinical information (薬剤情報, 特定健診情報, 診療情報, 処方・調剤情報) that reviewers and
// insurers load for the people they know, kept per person for the views a professional opens
// with the patient's consent (docs/clinical.md).
//
// The one decision: a row is filed under the person link (the keyed hash of the My Number,
// store/store.h) of the qualification it names, never under the My Number, and the row keeps
// that qualification's card key too. The rows are kept in the order (person_link, kind,
// record_date, record_id), so "all medication of this person since D" is one contiguous range
// of the table; a person who changed insurer keeps one history.
// Each row has a natural key within its kind (`record_key`, built by clinical/): putting the
// same key again with the same contents changes nothing, with other contents replaces it (a
// correction, or a prescription that has since been dispensed), so re-running a file is a
// no-op. The payload is the kind's fields as clinical/ encodes them; the store never reads it.
//
// How far back each kind may be viewed is data, not code: one small table of viewing windows
// (`windows`, `set_window`), seeded with the public system's windows by the first migration.
//
// Backends: sqlite:DIR keeps the tables `clinical_records` and `clinical_windows` in
// DIR/clinical.db; postgresql:// the same tables (component "clinical" in onshi_schema). Both
// pass one conformance suite (tests/store/clinical_contract_test.cpp). Implementations are
// safe for concurrent use from many threads and processes; every write is atomic; values are
// only ever bound. Errors: E_STORE (E_STORE_OPEN / E_STORE_SCHEMA from the first call when the
// store cannot be opened).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace onshi::store {

// The four kinds. The numbers are stored; the names are the CLI's --kind and the routes'.
enum class ClinicalKind : int {
  kMedication = 1,    // 薬剤情報 (from claims): "medication"
  kCheckup = 2,       // 特定健診情報 (from insurers): "checkups"
  kTreatment = 3,     // 診療情報 (from claims): "treatments"
  kPrescription = 4,  // 処方・調剤情報 (electronic prescriptions): "prescriptions"
  kExpense = 5,       // 医療費通知情報 (from insurers, the person's own portal only): "expenses"
};
inline constexpr ClinicalKind kClinicalKinds[] = {ClinicalKind::kMedication, ClinicalKind::kCheckup,
                                                  ClinicalKind::kTreatment,
                                                  ClinicalKind::kPrescription};
// kClinicalKinds are the kinds a professional views; kExpense is read by the person only.
std::string_view clinical_kind_name(ClinicalKind kind);
std::optional<ClinicalKind> parse_clinical_kind(std::string_view name);

// One stored row.
struct ClinicalRecord {
  int64_t record_id = 0;       // assigned by the store, increasing
  int64_t recorded_at_us = 0;  // when it was last written (Unix µs)
  ClinicalKind kind = ClinicalKind::kMedication;
  std::string record_key;   // the natural key within the kind
  std::string person_link;  // raw bytes, never empty
  std::string card_key;     // the qualification the row named
  std::string record_date;  // YYYYMMDD: the day the viewing windows count from
  std::string payload;      // the kind's fields (clinical/ encodes them)
  std::string source;       // "import:medication.csv", "reviewer:REV01", "insurer:06139992"
  bool operator==(const ClinicalRecord&) const = default;
};

// One stored row as a view reads it: the day and the kind's fields, nothing else.
struct ClinicalViewRow {
  std::string record_date;  // YYYYMMDD
  std::string payload;
  bool operator==(const ClinicalViewRow&) const = default;
};

// One row to write; the store compares everything but `source` with what it holds.
struct ClinicalPut {
  ClinicalKind kind = ClinicalKind::kMedication;
  std::string record_key, person_link, card_key, record_date, payload, source;
};

// The same row by reference, for a bulk load's batches: the strings are the caller's and need
// to live only until the call that takes them returns (a load's rows share their person's
// link and card key and the file's source; no copy of them is made per row).
struct ClinicalRowRef {
  ClinicalKind kind = ClinicalKind::kMedication;
  std::string_view record_key, person_link, card_key, record_date, payload, source;
  // clinical_key_hash(record_key) when the caller made it (on its own threads); 0: the store
  // makes it.
  int64_t key_hash = 0;
};

// The hash by which the SQLite store's key table finds a record_key: 64 bits, stable (it is
// stored). Different keys may share one; the store compares the full key on every hit.
int64_t clinical_key_hash(std::string_view record_key);

// How far back a kind may be viewed: `amount` days, months or years before the day of the
// view (unit 'D', 'M' or 'Y'), and where that rule comes from.
struct ViewingWindow {
  ClinicalKind kind = ClinicalKind::kMedication;
  int amount = 0;
  char unit = 'Y';
  std::string basis;
  bool operator==(const ViewingWindow&) const = default;
};

class ClinicalStore {
 public:
  virtual ~ClinicalStore() = default;

  // Writes a batch in one transaction, in order (a later item with the same key compares with
  // the earlier one): kAdded for a new key, kChanged when the key held other contents (it is
  // replaced), kUnchanged otherwise. One outcome per item.
  virtual Result<std::vector<PutOutcome>> put_records(std::span<const ClinicalPut> items) = 0;

  // The rows of one person and kind with from ≤ record_date ≤ to (YYYYMMDD; "" = open),
  // newest first (record_date descending, then record_id descending). One indexed read.
  virtual Result<std::vector<ClinicalRecord>> records_of(std::string_view person_link,
                                                         ClinicalKind kind,
                                                         std::string_view from_date,
                                                         std::string_view to_date) = 0;

  // The same rows as records_of, in the same order, with only what a view shows: the read
  // of every clinical view, kept prepared on the backend's connections.
  virtual Result<std::vector<ClinicalViewRow>> view_rows(std::string_view person_link,
                                                         ClinicalKind kind,
                                                         std::string_view from_date,
                                                         std::string_view to_date) = 0;

  virtual Result<int64_t> count_records(ClinicalKind kind) = 0;

  // A cache of rows read from this store (clinical/'s views) may answer from memory only while
  // this value is present and equal to the one it read before its fill: it changes with every
  // write transaction of every process on the store, and is nullopt while one is under way,
  // after a writer died inside one (until the next write), and on a backend that offers no
  // such counter (PostgreSQL; SQLite where DIR/clinical.gen cannot be mapped): then read.
  virtual std::optional<uint64_t> generation() { return std::nullopt; }

  // The viewing windows, one per kind, in kind order.
  virtual Result<std::vector<ViewingWindow>> windows() = 0;
  // Replaces the window of `w.kind`. Errors: E_CLINICAL_WINDOW (amount < 1, unit not D/M/Y).
  virtual Status set_window(const ViewingWindow& w) = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Calls `fn` for the rows after `after` (all rows when null) in the order the store keeps
  // them — person_link, kind, record_date, record_id —, at most `limit` of them; stop early by
  // returning false. The next page starts after the last row seen.
  virtual Status scan(const ClinicalRecord* after, size_t limit,
                      const std::function<bool(const ClinicalRecord&)>& fn) = 0;
  // Stores `rows` exactly as given in one transaction and returns how many were inserted. A
  // row whose (kind, record_key) is present with the same fields is skipped; a (kind,
  // record_key), or a (person_link, kind, record_date, record_id), present with other fields
  // is E_COPY_CONFLICT, and nothing of the batch is written. New rows get ids after the
  // largest stored.
  virtual Result<int64_t> put_verbatim(std::span<const ClinicalRecord> rows) = 0;

  // ---- a large file into an empty store (`onshi clinical import`) ----
  // A backend may load a file into a store that holds no rows faster by appending the rows and
  // building its indexes once at the end. begin_bulk() starts such a load when the store is
  // empty and no other load runs, and answers whether it did (false: use put_records — the
  // default, and always on PostgreSQL). During the load, put_bulk takes batches, every item as
  // new: the caller guarantees each key is new and given once (clinical/ rejects a key
  // repeated in its file); the backend may keep them and write them later, in its own order
  // and transactions. finish_bulk writes what is kept and builds what the load left out.
  // Meanwhile other writers get E_LOCKED, and readers see the rows written so far. A load that
  // never finishes (kill -9) is finished by the next process that opens or writes the store:
  // its state is then that of the transactions committed, exactly as with put_records, so
  // running the file again completes it.
  virtual Result<bool> begin_bulk() { return false; }
  virtual Status put_bulk(std::span<const ClinicalRowRef> items);  // default: put_records
  Status put_bulk(std::span<const ClinicalPut> items);  // the same, by value
  virtual Status finish_bulk() { return Status::Ok(); }
};

}  // namespace onshi::store
