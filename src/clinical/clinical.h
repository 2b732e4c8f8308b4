// Clinical information: where it comes from (R-CONF-5). Four kinds — 薬剤情報 (medication,
// from claims), 特定健診情報 (checkups, from insurers), 診療情報 (treatments, from claims) and
// 処方・調剤情報 (prescriptions, from the electronic prescription service) — are loaded from
// files (`onshi clinical import`) and over HTTPS (`POST /v1/clinical/{kind}`) with the same
// rules, and kept in the clinical store (store/clinical.h) for the views that come later.
//
// A row names a qualification (InsurerNumber, InsuredCardSymbol, InsuredIdentificationNumber,
// InsuredBranchNumber); the row is filed under that qualification's person link (never a My
// Number) and keeps its card key. A qualification onshi does not know, or one without a
// person link, rejects the row. Every row is validated first (dates, codes, numbers, the
// institution's kind); a rejected row never reaches the store and is reported with row,
// field, stable code and a Japanese message. Each kind has a natural key (the qualification
// and the columns marked below), so running a file again changes nothing; a row whose key
// was loaded before with other contents replaces it (counted as accepted). Within one file
// or request the first row of a key wins and later ones are rejected (E_CLINICAL_DUPLICATE).
//
// The columns of each kind, their rules and their JSON names (lowerCamelCase of the element
// name) are documented in docs/clinical.md. Thread safety: `import_csv` and `load_records`
// may run concurrently (the store serialises writes); Resolver is thread-safe.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "batch/batch.h"
#include "core/date.h"
#include "core/status.h"
#include "store/clinical.h"
#include "store/database.h"

namespace onshi::clinical {

using store::ClinicalKind;

// The columns of a kind's file, in the documented order: the four qualification columns
// first, then the kind's own (the header names are the element names).
const std::vector<batch::Column>& columns(ClinicalKind kind);
// The kind's own columns as the payload keeps them (columns(kind) without the first four).
std::vector<std::string> payload_columns(ClinicalKind kind);

// A stored row's payload as (element name, value) pairs of payload_columns(kind), values ""
// when absent — for the views that read the store.
std::vector<std::pair<std::string, std::string>> decode_payload(ClinicalKind kind,
                                                                std::string_view payload);

// What a load reports: rows written (added or replaced), unchanged and rejected, and one
// entry per problem (row 1-based for files — the header is row 0 — and the index in the
// array for JSON).
struct Report {
  int64_t accepted = 0, unchanged = 0, rejected = 0;
  std::vector<batch::RowError> errors;
  std::string notice;  // what to do about a run as a whole (no row could be decoded), or ""
  // {"accepted":N,"unchanged":N,"rejected":N[,"notice":…],"errors":[{"row":…,"field":…,"code":…,"message":…}]}
  std::string to_json() const;
};

// Who loads and what they may load.
struct LoadOptions {
  std::string source;  // kept with each row: "import:FILE", "reviewer:ID", "insurer:NUMBER"
  // Set for an insurer: rows naming another insurer number are rejected
  // (E_FORBIDDEN_INSURER, field InsurerNumber) — an insurer loads its own members only.
  std::optional<std::string> only_insurer;
  core::Date today = core::Date::today_jst();  // dates after it are E_DATE_FUTURE
};

// Imports a CSV file (UTF-8 or Shift_JIS, detected or as `options.encoding` says) of `kind` on
// the batch pipeline, a batch per transaction. Errors (the file is unusable; nothing was
// written): E_FILE, E_ENCODING, E_CSV_HEADER (a file of another kind fails here: its columns
// are not this kind's). Row problems are in the Report. No checkpoint: a run killed part-way
// is run again (the duplicate rule needs every row; a re-put changes nothing).
Result<Report> import_csv(store::Database& db, ClinicalKind kind, const std::filesystem::path& csv,
                          const LoadOptions& load, const batch::Options& options = {});

// Loads JSON records (objects with lowerCamelCase keys, string or number values) in one
// transaction. A record of the wrong shape is rejected with its index (E_JSON_TYPE,
// E_JSON_UNKNOWN_FIELD); the others go through the same rules as a file's rows. Errors:
// E_STORE.
Result<Report> load_records(store::Database& db, ClinicalKind kind,
                            const boost::json::array& records, const LoadOptions& load);

// ---- viewing windows (the store's table; docs/clinical.md names their source) ----

// The first day a view made on `today` shows for `window`: today minus the window (days, or
// the same day months or years before — the 31st falls back to the month's last day), so a
// 3-year window on 2025-06-01 starts at 2022-06-01.
core::Date window_start(const store::ViewingWindow& window, core::Date today);
// window_start for `kind` as the store holds it now. Errors: E_STORE.
Result<core::Date> viewable_from(store::ClinicalStore& store, ClinicalKind kind, core::Date today);
// Parses an operator's window "3y", "36m", "100d" (case-insensitive). Errors:
// E_CLINICAL_WINDOW (field "window").
Result<store::ViewingWindow> parse_window(ClinicalKind kind, std::string_view text);

}  // namespace onshi::clinical
