// Clinical views (R-CONF-5): what a doctor, dentist or pharmacist sees of a patient's
// medication, health checks, treatments and prescriptions — read from the clinical store,
// inside the kind's viewing window, as of a date, decoded and grouped for the screen, the XML
// results (YZKsiquc01res …) and the PDF print. docs/clinical.md § "見る (views)" documents the
// JSON shape and the rules.
//
// The one decision: a view is answered only after access::Gatekeeper allowed it and its
// audit entry is durable; nothing of the person is read before the gate allowed it. `open`
// waits for the entry (AuditLog::record_durable); `prepare` hands it to the caller with the
// answer already made, for a server that sends the answer from the audit writer's completion
// (AuditLog::record_then) instead of blocking a thread on the commit. In order:
//   1. the request's own shape (kind, dates, card numbers) — E_CODE / E_DATE / E_MISSING …
//      with the field, nothing audited (no person was named yet);
//   2. the 2024 rules of seed 004 that depend on the institution alone: prescriptions and
//      dispensing only for pharmacies and for hospitals/clinics whose 電子処方箋 setting is on
//      as of the view's date (E_EPRESCRIPTION_OFF, audited as a refusal like the gate's);
//   3. the gate for the kind's consent category (kind_category): refusal code and Japanese
//      message as the gate answers them (E_ACCOUNT_*, E_CONSENT_*, E_STORE);
//   4. the rows of the person (its person link) from window start to the as-of date; for a
//      医療扶助 recipient (the named qualification's InsuredCardClassification "A1") health
//      checks only from core::medical_aid_health_check_start() on. Treatment rows that are
//      operations (OperationFlg 1) are shown only when the gate also allows kSurgery for the
//      same request (a second audited decision); otherwise they are left out and
//      `operations_hidden` says so.
// A person the card numbers do not name is still taken to the gate (with no person link), so
// the refusal does not tell whether the person exists.
//
// The viewing windows are read from the store at most once a second. Thread-safe (the stores
// and the gate are). The My Number never appears: the view carries
// only the qualification's numbers, name and birthdate.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "access/access.h"
#include "clinical/clinical.h"
#include "core/date.h"
#include "core/status.h"
#include "oqs/clinical.h"
#include "store/clinical.h"
#include "store/database.h"

namespace onshi::clinical {

// The consent category a kind needs: medication and prescriptions YZK, checkups TKK,
// treatments SRJ (their operations SHJ as well).
access::Category kind_category(ClinicalKind kind);

// Whom the view is about: the card's numbers as the confirmation gave them (保険者番号, 記号,
// 番号, 枝番 — the 枝番 may be empty when only one branch matches), or a card key
// (core::make_card_key) instead of the numbers.
struct PersonRef {
  std::string insurer_number, symbol, number, branch;
  std::string card_key;  // when set, the numbers are ignored
};

struct ViewRequest {
  ClinicalKind kind = ClinicalKind::kMedication;
  std::string institution;  // 医療機関コード, from the client certificate
  std::string account;      // the professional account the request names ("" = none)
  PersonRef person;
  std::optional<core::Date> as_of;  // the view's day; default today (JST). Never in the future.
  // Optional narrowing inside the window (YYYYMM, inclusive; "" = open) — the StartDate /
  // EndDate of YZKsiquc01req.
  std::string from_month, to_month;
  std::string channel = "json";  // for the audit's "view": "json", "xml", "bridge", "pdf"
  // prepare_json / open_json only: the answer is the JSON as one gzip member (the client
  // accepts gzip; http::Request::accepts_gzip). A kept medication entry compresses the range's
  // dispensings once and joins them with each view's own head (core/gzip.h).
  bool gzip = false;
};

// The patient as the result header names them (QuaInf / QualificationsInfo).
struct PersonInfo {
  std::string name, name_kana, birthdate, sex;  // Name, KanaName, Birth (YYYYMMDD), OQSCD007
  std::string insurer_number, symbol, number, branch;
  std::string card_classification;  // OQSCD010 ("A1" 医療扶助)
};

// ---- medication: one entry per dispensing (date + institution), newest first ----
struct Drug {
  std::string code, name;   // DrugC, DrugN
  std::string quantity;     // Qua1 (decimal text)
  std::string unit, usage;  // Unit, UsageN
  std::string times;        // Times (days or times)
  std::string rp;           // RpNumber (prescriptions only)
};
struct Dispensing {
  std::string date;  // DispensingDate YYYYMMDD
  std::string institution_code, institution_name;
  std::string institution_kind;  // 1 医科, 3 歯科, 4 調剤
  std::vector<Drug> drugs;       // in stored order
};

// ---- checkups: one entry per check, grouped by 年度 (April–March), newest first ----
struct CheckupItem {
  std::string code, name;               // ItemCode, ItemName
  std::string data_type;                // PQ / CD / ST
  std::string value, unit, value_name;  // DataValue, Unit, DataValueName
  std::string range_low, range_high;    // ReferenceRangeLow / High ("" = open)
  std::string judgement;                // N / L / H / A or ""
};
struct Checkup {
  std::string date;  // EffectiveTime YYYYMMDD
  std::string institution_code, institution_name;
  std::vector<CheckupItem> items;  // in item-code order
};
struct CheckupYear {
  int fiscal_year = 0;  // 年度: a check on 2025-03-10 is 2024
  std::vector<Checkup> checkups;
};
// One item over the years, for the screen's chart: oldest first, PQ items only.
struct CheckupSeries {
  std::string code, name, unit, range_low, range_high;  // from the newest check
  struct Point {
    std::string date, value, judgement;
  };
  std::vector<Point> points;
};

// ---- treatments: one entry per day and institution, newest first ----
struct Procedure {
  std::string code, name;              // ProcedureC, ProcedureN
  bool operation = false;              // OperationFlg 1
  std::string times;                   // Times or ""
  std::vector<std::string> diagnoses;  // DiagnosisNames split at "；"
};
struct TreatmentDay {
  std::string date;  // TreatmentDate
  std::string institution_code, institution_name, institution_kind;
  std::vector<Procedure> procedures;
};

// ---- prescriptions and dispensing: one entry per 処方箋ID, newest first ----
struct Prescription {
  std::string id;                 // PrescriptionId
  std::string prescription_date;  // PrescriptionDate
  std::string prescriber_code, prescriber_name;
  std::string dispensing_date;  // "" while not dispensed
  std::string dispenser_code, dispenser_name;
  std::vector<Drug> drugs;  // by RpNumber, then stored order
};

struct View {
  ClinicalKind kind = ClinicalKind::kMedication;
  std::string category;            // OQSCD036 of the decision: YZK, TKK, SRJ
  std::string basis;               // "consent" or "disaster"
  std::string as_of;               // YYYYMMDD
  std::string from;                // the first day shown (window start, or the A1 rule's day)
  std::string window;              // the kind's window as data: "3y", "5y", "100d"
  bool medical_aid_rule = false;   // the A1 checkups rule moved `from`
  bool operations_hidden = false;  // treatments: operations left out (no SHJ consent)
  int64_t rows = 0;                // stored rows read
  PersonInfo person;
  // Exactly one of these is filled, by kind.
  std::vector<Dispensing> medication;
  std::vector<CheckupYear> checkups;
  std::vector<CheckupSeries> series;  // checkups only
  std::vector<TreatmentDay> treatments;
  std::vector<Prescription> prescriptions;
};

// A refused view: the error (code, field, Japanese message) and the HTTP status it maps to
// (400 bad request, 403 refused by the rules or the gate, 503 E_STORE).
struct Refusal {
  Error error;
  int http_status = 403;
  std::string expiry_reason;  // OQSCD031 with E_CONSENT_EXPIRED
};

// A view decided and made but not yet answered (Viewer::prepare, prepare_json): the answer
// (the view or the refusal), and the gate's audit entry that must be durable before it is
// sent. When the entry cannot be made durable, audit_failure(error) is answered instead.
template <class T>
struct PendingView {
  std::variant<T, Refusal> answer;
  // The gate's decision to record first; nullopt when there is none left to record (bad
  // input decided before the gate; the 電子処方箋 rule's refusal and a treatment view with
  // operations, whose entries were made durable on the way): then `answer` is sent at once.
  std::optional<security::ClinicalAccess> audit;
};
// The refusal answered when a view's audit entry cannot be made durable: E_STORE, 503, with
// the audit's message — nothing of the person.
Refusal audit_failure(const Error& error);

namespace detail {
struct PersonRows;
class ViewCache;
}  // namespace detail

// What a Viewer keeps of people's rows by default (`cache_bytes`).
inline constexpr size_t kViewCacheBytes = size_t{64} << 20;

// Reads views. One per process is enough; it keeps a Gatekeeper of its own over db.access().
// It keeps the rows of the people viewed (by person and kind: every row of the kind, and the
// medication JSON of each day) in memory, up to `cache_bytes` (0: none), answered only while
// the clinical store's generation is the one they were read under (a write by any process on
// the store makes the next view read again; PostgreSQL offers none: every view reads). The
// window, the narrowing months and the as-of day are applied to them at every view.
class Viewer {
 public:
  Viewer(store::Database& db, security::AuditLog& audit, access::GateOptions options = {},
         size_t cache_bytes = kViewCacheBytes);
  ~Viewer();
  // Decides (audited), then reads. Either the view or the refusal. = prepare, then its entry
  // made durable (record_durable), else audit_failure.
  std::variant<View, Refusal> open(const ViewRequest& request);
  // The same decision and read, answered as the view's JSON: view_json(open(request)) byte
  // for byte, the medication list written from the stored rows as they are grouped (the
  // screen's hot path: no Dispensing or Drug is made). = prepare_json, then record_durable.
  std::variant<std::string, Refusal> open_json(const ViewRequest& request);
  // `open` and `open_json` without waiting for the gate's audit entry: the caller makes
  // `audit` durable and sends `answer` only then (else audit_failure).
  PendingView<View> prepare(const ViewRequest& request);
  PendingView<std::string> prepare_json(const ViewRequest& request);

 private:
  // A view decided and read: everything but the kind's list, and the rows it is made of.
  struct Read {
    View view;
    std::shared_ptr<const detail::PersonRows> held;  // what `rows` points into
    std::span<const store::ClinicalViewRow> rows;    // the view's rows, newest first
    std::string_view dispensings;  // medication: the rows' dispensings as JSON, joined by ','
  };
  using Audit = std::optional<security::ClinicalAccess>;
  // Decides and reads; the gate's entry is left in `pending` (not recorded). `json`: the
  // answer is the JSON (a kept medication entry's text serves it without the rows).
  std::variant<Read, Refusal> decide(const ViewRequest& r, Audit& pending, bool json);
  std::optional<Refusal> institution_rule(const ViewRequest& r, const std::string& person,
                                          core::Date as_of);
  std::variant<Read, Refusal> read(const ViewRequest& r, const store::QualificationVersion& person,
                                   const access::Decision& d, core::Date as_of,
                                   std::optional<core::Date> from_month,
                                   std::optional<core::Date> to_month, Audit& pending, bool json);
  // Treatments with operations: the pending entry made durable, then the kSurgery decision
  // (audited durably, after it); whether operations are hidden, or the refusal.
  std::variant<bool, Refusal> operations_hidden(const ViewRequest& r, const std::string& person,
                                                Audit& pending);
  template <class T>
  std::variant<T, Refusal> settle(PendingView<T> pending);
  // The person's rows of the kind, from the cache or read (and kept when the store offers a
  // generation); those with from ≤ record_date ≤ to are the view's. With the rows themselves
  // unless `json` (PersonRows::has_rows). Errors: E_STORE.
  Result<std::shared_ptr<const detail::PersonRows>> person_rows(const std::string& person_link,
                                                                ClinicalKind kind,
                                                                const std::string& from,
                                                                const std::string& to, bool json);
  // The viewing windows, read at most once a second (an operator's change is in force on
  // every server within a second, like the gate's disaster periods).
  Result<std::vector<store::ViewingWindow>> windows();
  store::Database& db_;
  security::AuditLog& audit_;
  access::Gatekeeper gate_;
  std::mutex windows_mu_;
  std::vector<store::ViewingWindow> windows_;
  std::optional<std::chrono::steady_clock::time_point> windows_at_;
  std::unique_ptr<detail::ViewCache> cache_;
};

// The JSON the screen gets (docs/clinical.md § "見る (views)"):
// {"kind","category","basis","asOf","from","window","medicalAidRule","operationsHidden",
//  "person":{…},"dispensings"|"checkupYears"+"series"|"treatments"|"prescriptions":[…]}
std::string view_json(const View& view);
// A refusal as the JSON routes answer it: {"code","field","detail"[,"expiryReason"]}.
std::string refusal_json(const Refusal& refusal);

// The XML result of a view (ResultCode 1) and of a refusal (ResultCode 2 with ErrorCode and
// MessageContents "field: message"), docs/xml-interface.md; the caller fills the header's
// time, institution and file identifier.
oqs::ClinicalResult view_result(const View& view);
oqs::ClinicalResult refusal_result(const Error& error);
// The message type of a kind and back (YZK medication, TKK checkups, SRJ treatments, SCJ
// prescriptions).
oqs::ClinicalMessage kind_message(ClinicalKind kind);
ClinicalKind message_kind(oqs::ClinicalMessage message);

// The PDF print (FileCategory 1) of a view is rendered from the same View by the screen's
// module: `Result<std::string> clinical::render_pdf(const View&)` (PDF bytes).

// The institution setting 「電子処方箋：利用する」 as of `day` (the store's dated setting;
// false when never set). Errors: E_STORE.
Result<bool> e_prescription_on(store::Database& db, std::string_view institution, core::Date day);

}  // namespace onshi::clinical
