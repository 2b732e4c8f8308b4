// Data quality for insurers (R-REG-4..7): the quality report, the 資格重複状況結果一覧
// (overlapping qualifications) and the member view an insurer answers inquiries from.
//
// The pre-operation showed that wrong data, not software, caused most failures: My Numbers
// registered to the wrong person, numbers with "●", late registrations. So these functions
// assume human error and look for its traces in what the store holds. Each finding names a
// member by the insurer's own numbers (記号・番号・枝番) and never by the My Number; the
// person link (a keyed hash of it) is only used to find the same person across insurers.
// Another insurer's member is named by that insurer's number only.
//
// Report and overlaps read every current version once (store::Store::scan_versions) and
// group by person link in memory, so their cost grows linearly with the store; the member
// view is a handful of indexed lookups. All functions are read-only on the store except the
// member view, which records its read in the audit log. Thread-safe as far as the store is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/date.h"
#include "core/status.h"
#include "core/text.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::quality {

struct ReportOptions {
  std::string insurer_number;  // 6 or 8 digits (validated; E_INSURER_NUMBER otherwise)
  core::Date today = core::Date::today_jst();  // the day certificates and ages are judged on
  int late_days = 14;  // a registration more than this many days after the event is late
  // Events (資格取得日, 喪失日) before this date are the backlog of the insurer's first load
  // and are left out of the lag figures; nullopt = the day of its first registration.
  std::optional<core::Date> lag_since;
};

// The insurer's quality report as one JSON document (shape in docs/data-quality.md):
// sharedMyNumber (取り違い suspects), withoutMyNumber, kanjiConversions, bulletInName,
// contradictoryCertificates, registrationLag, rejectedAtImport, ambiguousCardNumbers (R-CONF-9:
// members whose 記号・番号 are a re-split of another member's), medicalAidOverlap (国保・後期
// members also covered by 医療扶助, code MEDICAL_AID_OVERLAP: quality/medical_aid.h).
// Errors: E_INSURER_NUMBER (bad number), E_STORE.
Result<std::string> build_report(store::Store& store, const ReportOptions& options);

struct OverlapOptions {
  std::string insurer_number;
  core::Encoding encoding = core::Encoding::kUtf8;
};
struct OverlapSummary {
  int64_t members = 0;      // this insurer's members (current card keys)
  int64_t overlaps = 0;     // rows written
  int64_t substituted = 0;  // characters written as 〓 because Shift_JIS has no form for them
};
// The 資格重複状況結果一覧 CSV as text in the options' encoding (what write_overlaps writes).
// Errors: E_INSURER_NUMBER, E_STORE.
Result<std::string> overlaps_csv(store::Store& store, const OverlapOptions& options,
                                 OverlapSummary* summary = nullptr);
// Writes the 資格重複状況結果一覧 CSV to `out` (header + one row per pair of this insurer's
// qualification and another qualification of the same person whose coverage overlaps;
// columns in docs/data-quality.md). The file appears complete or not at all (written beside
// it, then renamed). Errors: E_INSURER_NUMBER, E_FILE (cannot write), E_STORE.
Result<OverlapSummary> write_overlaps(store::Store& store, const OverlapOptions& options,
                                      const std::filesystem::path& out);

struct MemberQuery {
  std::string insurer_number;
  std::string insured_card_symbol;             // may be empty
  std::string insured_identification_number;   // required
  std::string insured_branch_number;           // "" = every branch of the card
};
// The member view (R-REG-7) as one JSON document: per matching card key, every version
// with its recorded time (ISO, JST) and the conversions made, what institutions are shown
// today, and the confirmations made (from the audit log). The read is audited (actor
// "insurer:<number>", action "member.view", subject = card key).
// Errors: E_INSURER_NUMBER, E_MISSING / E_BRANCH_NUMBER (query), E_MEMBER_NOT_FOUND, E_STORE.
Result<std::string> member_view(store::Store& store, security::AuditLog& audit,
                                 const MemberQuery& query);

}  // namespace onshi::quality
