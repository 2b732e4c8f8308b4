// Institutions: how a new hospital, clinic or pharmacy gets from a provisional code (仮コード)
// to a live institution code and a certificate, the government's business-day calendar that
// dates every step, the published lists of institutions using the system, and adoption
// statistics (R-INST-1..5, R-AID-3; seed 002 with 別紙1–3, seed 003, seed 004 §4).
//
// The onboarding is one state machine per entry (one entry per 点数表: the medical and the
// dental department of one institution are two entries with two numbers):
//
//   provisional (仮コード 00NNNNN, agency) ── portal account ── card-reader application
//        │                                   (a model, or 機種未定: cancelled when no model
//        │                                    is chosen by its deadline)
//        ▼
//   number answered (受付番号 = the code designation will assign; bureau)
//        │  presentation of the 受付番号 to the agency by its deadline (reader ships)
//        ├──────────────► not designated: reported, the entry deleted; its number is never
//        ▼                handed out again (a high-water mark per 都道府県 × 点数表 × 郡市区)
//   designated (the code is live; bureau, one by one or from 新規指定医療機関一覧表)
//        ▼
//   in use (usage application + certificate bound to the 10-digit code; agency)
//
// Every transition is one unit of work of the registry's store (store/institutions.h:
// DIR/institutions.db or a PostgreSQL database) that also appends the entry's history, and is
// recorded in the service's hash-chained audit log when one is given. A refused transition writes nothing and returns a stable code:
//   E_KIND, E_PREFECTURE, E_DISTRICT, E_NAME, E_ADDRESS, E_DATE       bad input (field set)
//   E_NOT_FOUND            no entry with that code / number
//   E_AMBIGUOUS            a 7-digit 受付番号 held by several prefectures: give the 10 digits
//   E_STATE                the entry is not in a state that allows the step
//   E_NO_PORTAL_ACCOUNT    card-reader application before the portal account
//   E_READER_CANCELLED     a 機種未定 application past its deadline (now cancelled)
//   E_MODEL                no model given where one is needed, or 機種未定 outside a programme
//   E_CHANGE_CHANNEL       a change to 機種未定 through a channel its window does not allow
//   E_CHANGE_DEADLINE      a change to 機種未定 after the last day of its window
//   E_RETROACTIVE          a retroactive designation (指定期日の遡及) gets no 受付番号
//   E_SUBMISSION_DEADLINE  the request reached the bureau after its submission deadline (返戻)
//   E_PRESENTATION_DEADLINE the 受付番号 reached the agency after its deadline (個別対応 needed)
//   E_NOT_DESIGNATED       usage application / certificate for an entry not designated
//   E_NUMBER_EXHAUSTED     no unused number left in the 点数表's range for that 郡市区
//   E_STORE                the database failed (E_STORE_OPEN, E_STORE_SCHEMA: it cannot be used)
// Messages are Japanese. The Registry is thread-safe, and several processes may share one
// store: its units of work are serialised across processes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"

namespace onshi::security {
class AuditLog;
}
namespace onshi::store {
class InstitutionStore;
class CardStore;
class Store;
}

namespace onshi::institutions {

// ---------------------------------------------------------------------------------------
// The business-day calendar (calendar.cpp)

// The national holiday on `d` under 国民の祝日に関する法律 as amended (fixed days, the
// Happy-Monday days, 春分・秋分 by the astronomical approximation valid 1900–2099, 振替休日,
// 国民の休日, the imperial days and the Olympic moves of 2019–2021), or "" when none.
// Years before 1949 have no holidays here.
std::string holiday_name(core::Date d);
bool is_national_holiday(core::Date d);
struct Holiday {
  core::Date date;
  std::string name;
};
std::vector<Holiday> holidays_of_year(int year);  // in date order

// 行政機関の休日: Saturdays, Sundays, national holidays and 12/29–1/3.
bool is_closing_day(core::Date d);
// `d` itself when it is an open day, else the next open day.
core::Date next_open_day(core::Date d);

// The dates that follow from a designation date (保険医療機関等指定日). All fall in the month
// before the designation's month (the submission deadline at the end of the one before):
//   bureau_answer        回答書発送日: the 10th, or the next open day
//   agency_deadline      実施機関提出期限: the 15th, or the next open day
//   submission_deadline  the bureau's deadline for the request: by default the last day of
//                        the month two months before (前々月末日)
struct Schedule {
  core::Date designation, bureau_answer, agency_deadline, submission_deadline;
  std::string source;  // "rule", "published" (seed 002 別紙2) or "override" (an operator's)
};
// A month whose dates differ from the rule. Unset fields keep the rule's date.
struct ScheduleOverride {
  int year = 0, month = 0;  // the designation month
  std::optional<core::Date> bureau_answer, agency_deadline, submission_deadline;
};
Schedule rule_schedule(core::Date designation);
// The agency's published table (seed 002 別紙2, 2021-03 … 2022-04), the default overrides.
std::span<const ScheduleOverride> published_schedule();
// The rule, then the published table, then `overrides` (later wins, field by field).
Schedule schedule_for(core::Date designation, std::span<const ScheduleOverride> overrides = {},
                      bool use_published = true);

// ---------------------------------------------------------------------------------------
// The card-reader programmes (programmes.cpp): their dates are data, one entry per programme

// How a change to 機種未定 reaches the agency: the institution on the portal, or a call to the
// call centre (コールセンター), which the agency then enters (an agency operation).
enum class ChangeChannel { kPortal, kCallCentre };
std::string_view change_channel_name(ChangeChannel c);  // "portal", "callCentre"
std::optional<ChangeChannel> parse_change_channel(std::string_view s);  // also "call-centre"
// Applications made from `applied_from` to `applied_to` may be changed to 機種未定 through
// `channel` until `until` (inclusive).
struct ChangeWindow {
  core::Date applied_from, applied_to;
  ChangeChannel channel;
  core::Date until;
};
struct ReaderProgramme {
  std::string name;                                   // "2021"
  core::Date applications_from, applications_to;      // applications the programme covers
  core::Date model_deadline;                          // 機種未定 must choose by this day
  std::vector<ChangeWindow> change_windows;           // changes to 機種未定
};
// Every programme, oldest first (seed 003 for 2021).
std::span<const ReaderProgramme> reader_programmes();
// The programme covering an application made on `applied_on`, or nullptr.
const ReaderProgramme* reader_programme_for(core::Date applied_on);

// ---------------------------------------------------------------------------------------
// The registry and its lifecycle (registry.cpp, numbering.cpp)

enum class Kind { kHospital, kClinic, kDental, kPharmacy };
std::string_view kind_name(Kind k);   // "hospital", "clinic", "dental", "pharmacy"
std::string_view kind_label(Kind k);  // "病院", "診療所", "歯科診療所", "薬局"
// Accepts the names above and the Japanese labels (also 医科, 歯科).
std::optional<Kind> parse_kind(std::string_view s);
// 点数表番号: 1 医科 (hospital, clinic), 3 歯科, 4 薬局.
char score_table(Kind k);

enum class Stage { kProvisional, kNumberAnswered, kDesignated, kInUse };
std::string_view stage_name(Stage s);  // "provisional", "numberAnswered", "designated", "inUse"
std::string_view stage_label(Stage s);  // "仮コード発行済", "受付番号回答済", "指定済", "利用中"

enum class ReaderState { kNone, kApplied, kUndecided, kShipped, kCancelled };
std::string_view reader_state_name(ReaderState s);  // "none", "applied", "undecided", …

// Dates are YYYYMMDD, "" when not (yet) set.
struct Institution {
  int64_t id = 0;
  std::string provisional_code;  // 仮コード, 00NNNNN
  Kind kind = Kind::kClinic;
  std::string prefecture;  // 都道府県番号 01–47
  std::string district;    // 郡市区番号 (2 digits), part of the number the bureau assigns
  std::string name, address;
  Stage stage = Stage::kProvisional;
  bool portal_account = false;
  ReaderState reader = ReaderState::kNone;
  std::string reader_model;  // "" while 機種未定
  std::string reader_applied_on, reader_model_deadline, reader_shipped_on;
  std::string reception_number;          // 受付番号 (7 digits: 郡市区 + 番号 + 検証)
  std::string medical_institution_code;  // the same number in its 10-digit form
  std::string designation_date, request_date, bureau_answer_date, agency_deadline;
  std::string presented_on, designated_on, usage_applied_on, usage_start;
  bool medical_aid = false;  // 医療扶助情報：利用する (R-AID-3)
};
std::string to_json(const Institution& i);  // lowerCamelCase keys

struct NewInstitution {
  std::string kind, prefecture, name, address;
  std::string district = "01";
};

struct NumberRequest {
  std::string provisional_code;
  core::Date designation;
  core::Date request_date;   // when the bureau received it (today for live use)
  bool retroactive = false;  // 指定期日を遡及して指定を受ける
};

// 7-digit and 10-digit forms of (prefecture, 点数表, district, number); the check digit is
// computed over the 9 leading digits of the 10-digit form.
struct InstitutionNumber {
  std::string reception_number, medical_institution_code;
};
InstitutionNumber make_institution_number(std::string_view prefecture, char score_table,
                                          std::string_view district, int number);
// The range of 医療機関(薬局)番号 for a 点数表 (医科 1000–2999, 歯科 3000–3999, 薬局 4000–4999)
// and whether a number is 欠番 (middle or last two digits "90").
std::pair<int, int> number_range(char score_table);
bool is_skipped_number(int number);
// The next number to hand out above `high_water` (0 = none yet), or -1 when exhausted.
int next_number(char score_table, int high_water);

struct ListFilter {
  std::string prefecture;  // "" = all
  std::optional<Kind> kind;
  std::string name;  // substring of the name, "" = all
};

// One row per bureau row of 新規指定医療機関一覧表 that could not be applied.
struct RowError {
  int64_t row = 0;  // 1-based data row
  std::string code, field, message;
};
struct BulkReport {
  int64_t designated = 0, rejected = 0;
  std::vector<RowError> errors;
  std::string to_json() const;
};

struct KindStatistics {
  Kind kind;
  int64_t total = 0, reader_applications = 0, in_use = 0, medical_aid = 0;
};
struct PrefectureStatistics {
  std::string prefecture;
  int64_t total = 0, reader_applications = 0, in_use = 0;
};
// My Number cards issued and registered for use as insurance card (初回登録) in one month, for
// the holders whose qualifications are with insurers of one prefecture (R-INST-5), counted
// from the card register and its links. prefecture "" = a holder with no qualification.
struct CardUse {
  std::string month;       // YYYYMM (JST) of issue / of 初回登録
  std::string prefecture;  // 01–47 of the holder's insurer (保険者番号), or ""
  int64_t issued = 0, registrations = 0;
};
struct Statistics {
  std::string as_of;
  int64_t total = 0, reader_applications = 0, in_use = 0, medical_aid = 0;
  std::vector<KindStatistics> by_kind;              // hospital, clinic, dental, pharmacy
  std::vector<PrefectureStatistics> by_prefecture;  // 01–47
  int64_t cards_issued = 0, card_registrations = 0;  // マイナンバーカード交付数, 保険証利用登録数
  // Where the card figures come from: "register" (counted, count_card_use), "operator"
  // (typed with set_card_figures, only while nothing was counted), "" none.
  std::string card_figures_source;
  std::vector<CardUse> card_use;  // counted, months up to as_of, by (month, prefecture)
  std::string to_json() const;
};

class Registry {
 public:
  // The registry over `store` (created or migrated now; errors E_STORE_OPEN, E_STORE_SCHEMA).
  // `key_dir` is the data directory whose CA signs the certificates of usage applications.
  // `store` and `audit` must outlive the Registry; `audit` may be null (no audit log).
  static Result<std::unique_ptr<Registry>> open(store::InstitutionStore& store,
                                                const std::filesystem::path& key_dir,
                                                security::AuditLog* audit = nullptr);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // ① the agency issues a 仮コード (one per department).
  Result<Institution> issue_provisional(const NewInstitution& n, const std::string& actor);
  // ② the portal account registered with the 仮コード.
  Result<Institution> register_portal_account(const std::string& provisional_code,
                                              const std::string& actor);
  // ③ card-reader application: `model` "" or "機種未定" means undecided, possible only for an
  // application a programme covers (reader_programmes); its model deadline is the
  // programme's (seed 003: 令和3年6月末), else E_MODEL.
  Result<Institution> apply_card_reader(const std::string& provisional_code,
                                        const std::string& model, core::Date on,
                                        const std::string& actor);
  Result<Institution> choose_reader_model(const std::string& key, const std::string& model,
                                          core::Date on, const std::string& actor);
  // An application made with a model changed to 機種未定 (seed 003), on `on` through `channel`:
  // only an application not yet shipped, made inside a change window of its programme whose
  // `until` is not past for that channel. Errors: E_STATE (no such application),
  // E_CHANGE_CHANNEL (not through this channel: e.g. 2月の申込み only via the call centre),
  // E_CHANGE_DEADLINE (every window is past), E_MODEL (the programme allows no change).
  Result<Institution> change_reader_to_undecided(const std::string& key, ChangeChannel channel,
                                                 core::Date on, const std::string& actor);
  // Cancels every undecided application whose deadline is before `as_of`; returns them.
  Result<std::vector<Institution>> cancel_undecided_readers(core::Date as_of,
                                                            const std::string& actor);
  // ④ the request with the designation application; the bureau answers with the number.
  Result<Institution> request_reception_number(const NumberRequest& r, const std::string& actor);
  // ⑤ presentation of the 受付番号 to the agency; `late_accepted` records 個別対応 after the
  // deadline. A reader with a model then ships.
  Result<Institution> present_reception_number(const std::string& key, core::Date on,
                                               bool late_accepted, const std::string& actor);
  // The bureau's decision. Not designated: the entry is deleted; its number stays used.
  Result<Institution> designate(const std::string& key, const std::string& actor);
  Result<Institution> report_not_designated(const std::string& key, const std::string& actor);
  // 新規指定医療機関一覧表 as CSV (UTF-8 or Shift_JIS, a header row with 医療機関コード or
  // MedicalInstitutionCode): every listed entry that holds its number is designated.
  Result<BulkReport> designate_from_list(std::string_view file, const std::string& actor);
  // ⑥ usage application: issues the certificate (OUT/cert.pem, key.pem, ca.pem) bound to the
  // 10-digit code; only for a designated entry. Usage starts on the later of `on` and the
  // designation date.
  Result<Institution> apply_usage(const std::string& code, core::Date on,
                                  const std::filesystem::path& cert_out, const std::string& actor);
  // 医療扶助情報：利用する, effective from `on` (R-AID-3).
  Result<Institution> set_medical_aid(const std::string& code, bool use, core::Date on,
                                      const std::string& actor);

  // Finds by 仮コード, 受付番号 (7 digits) or 医療機関コード (10 digits).
  Result<Institution> find(const std::string& key);
  Result<std::vector<Institution>> all();
  // The weekly list (R-INST-4): published on the latest Monday on or before `as_of`, holding
  // the entries in use whose usage began before that Monday.
  Result<std::vector<Institution>> published_list(core::Date as_of, const ListFilter& f = {});
  // The monthly medical-aid list for a month: in use, and 利用する, before its first day.
  Result<std::vector<Institution>> medical_aid_list(int year, int month);
  // History of one entry as JSON lines (oldest first).
  Result<std::vector<std::string>> history(const std::string& key);

  // Operator overrides of the schedule per designation month.
  Status set_schedule_override(const ScheduleOverride& o, const std::string& actor);
  Status clear_schedule_override(int year, int month, const std::string& actor);
  Result<std::vector<ScheduleOverride>> schedule_overrides();
  Result<Schedule> schedule(core::Date designation);

  // Denominators of the statistics (all institutions of a kind in a prefecture), and the
  // card figures; without a total the registry's own count is used.
  Status set_total(Kind k, const std::string& prefecture, int64_t count, const std::string& actor);
  Status set_card_figures(int64_t issued, int64_t registrations, const std::string& actor);
  // Counts the card register (`cards`) and its links (初回登録) by month and by the holder's
  // insurer prefecture (`members`: the person's newest qualification), and keeps the count
  // for the statistics (replacing the typed figures). Reads every card once, in batches, and
  // one person lookup per linked person; recorded in the audit log once, in aggregate
  // (CardFigures with the totals). Returns the rows counted.
  Result<std::vector<CardUse>> count_card_use(store::CardStore& cards, store::Store& members,
                                              const std::string& actor);
  Result<Statistics> statistics(core::Date as_of);

 private:
  Registry();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// Published formats (lists.cpp, statistics.cpp)

// The latest Monday on or before `d`.
core::Date publication_monday(core::Date d);
// CSV, header row first: MedicalInstitutionCode,InstitutionName,Kind,Prefecture,Address,
// UsageStartDate,MedicalAid. UTF-8 (no BOM) or, with `shift_jis`, CP932.
Result<std::string> list_csv(const std::vector<Institution>& rows, bool shift_jis = false);
// The same as an Excel workbook (.xlsx bytes) with libxlsxwriter.
Result<std::string> list_xlsx(const std::vector<Institution>& rows, const std::string& title);
// A page with a search form (prefecture, kind, name) and links to the downloads.
// The query string of a list request ("?asOf=YYYYMMDD&prefecture=…&kind=…&name=…").
std::string list_query(core::Date as_of, const ListFilter& f);
// `csv_link` is the CSV download's URL (list_query appended); the page derives the others.
std::string list_html(const std::vector<Institution>& rows, core::Date as_of, const ListFilter& f,
                      const std::string& csv_link);
// Adoption figures with SVG bar charts, self-contained (no external assets).
std::string statistics_html(const Statistics& s);
// Both pages are templates in web/institutions/templates/ and carry page_style() (the file
// web/institutions/institutions.css) in a <style> block, so each stands alone as one file;
// whoever serves them names it in the Content-Security-Policy (web::page_response).
std::string_view page_style();
std::string prefecture_name(std::string_view two_digits);  // "13" → "東京都", "" if unknown

}  // namespace onshi::institutions
