// The clinical views (views.h): the request's shape, the 2024 rules of seed 004, the gate,
// then one indexed read of the person's rows of the kind between the window's start and the
// view's day. Grouping the rows for each kind is views_group.cpp; the JSON views_json.cpp.
#include "clinical/views.h"

#include <set>
#include <utility>

#include "clinical/views_cache_detail.h"
#include "clinical/views_detail.h"
#include "core/gzip.h"
#include "core/medical_aid.h"
#include "core/numbers.h"
#include "core/rule_dates.h"
#include "core/text.h"
#include "security/audit_events.h"

namespace onshi::clinical {
namespace {

Refusal bad_request(std::string code, std::string field, std::string message) {
  return Refusal{Error{std::move(code), std::move(field), std::move(message)}, 400, ""};
}

Refusal store_failure(const Error& e) {
  return Refusal{e, 503, ""};
}

// A YYYYMM month, or "" for none. Errors: E_DATE_FORMAT with `field`.
Result<std::optional<core::Date>> parse_month(std::string_view text, const char* field) {
  if (text.empty()) return std::optional<core::Date>();
  auto d = core::Date::parse(std::string(text) + "01");
  if (text.size() != 6 || !d)
    return Error{"E_DATE_FORMAT", field, "年月は YYYYMM の6桁で指定してください"};
  return std::optional<core::Date>(*d);
}

// The qualification the request names as known now, or nullopt when none (or the numbers
// name several people). Errors: the numbers' field errors, E_STORE.
Result<std::optional<store::QualificationVersion>> find_person(store::Store& members,
                                                               const PersonRef& p) {
  const int64_t now = core::now_unix_us();
  if (!p.card_key.empty()) {
    auto v = members.qualification_as_of(p.card_key, now);
    if (!v) return v.error();
    return *v;
  }
  std::string insurer = core::normalize_card_field(p.insurer_number);
  if (auto st = core::check_insurer_number(insurer); !st)
    return Error{st.error().code, "insurerNumber", st.error().message};
  insurer = core::trim_insurer_number(insurer);
  const std::string symbol = core::normalize_card_field(p.symbol);
  const std::string number = core::normalize_card_field(p.number);
  const std::string branch = core::normalize_card_field(p.branch);
  if (number.empty()) return Error{"E_MISSING", "number", "被保険者証番号がありません"};
  auto found = members.find_by_card(insurer, symbol, number, now);
  if (!found) return found.error();
  std::optional<store::QualificationVersion> match;
  std::set<std::string> links;
  for (auto& v : *found) {
    if (!branch.empty() && v.qualification.insured_branch_number != branch) continue;
    links.insert(v.person_link);
    if (!match) match = std::move(v);
  }
  if (links.size() != 1) return std::optional<store::QualificationVersion>();
  return match;
}

PersonInfo person_info(const core::Qualification& q) {
  return PersonInfo{q.name,
                    q.name_kana,
                    q.birthdate,
                    q.sex1,
                    q.insurer_number,
                    q.insured_card_symbol,
                    q.insured_identification_number,
                    q.insured_branch_number,
                    q.insured_card_classification};
}

std::string window_text(const store::ViewingWindow& w) {
  return std::to_string(w.amount) + static_cast<char>(w.unit - 'A' + 'a');
}

std::string audit_view(const ViewRequest& r) {
  std::string v(store::clinical_kind_name(r.kind));
  return r.channel.empty() || r.channel == "json" ? v : v + ":" + r.channel;
}

}  // namespace

access::Category kind_category(ClinicalKind kind) {
  switch (kind) {
    case ClinicalKind::kCheckup:
      return access::Category::kHealthCheckup;
    case ClinicalKind::kTreatment:
      return access::Category::kTreatment;
    case ClinicalKind::kMedication:
    case ClinicalKind::kPrescription:
    case ClinicalKind::kExpense:  // never a professional view (not in kClinicalKinds)
      break;
  }
  return access::Category::kMedication;
}

Viewer::Viewer(store::Database& db, security::AuditLog& audit, access::GateOptions options,
               size_t cache_bytes)
    : db_(db),
      audit_(audit),
      gate_(db.access(), audit, options),
      cache_(std::make_unique<detail::ViewCache>(cache_bytes)) {}

Viewer::~Viewer() = default;

// Seed 004 §2: prescriptions only for pharmacies and for hospitals/clinics that use the
// electronic prescription service on the view's day. A refusal is audited like the gate's.
std::optional<Refusal> Viewer::institution_rule(const ViewRequest& r, const std::string& person,
                                                core::Date as_of) {
  if (r.kind != ClinicalKind::kPrescription || access::is_pharmacy(r.institution)) return {};
  auto on = e_prescription_on(db_, r.institution, as_of);
  if (!on) return store_failure(on.error());
  if (*on) return {};
  Refusal refusal{Error{"E_EPRESCRIPTION_OFF", "institution",
                        "処方・調剤情報は電子処方箋管理サービスを利用する病院・診療所と薬局だけが"
                        "閲覧できます（環境設定「電子処方箋：利用する」）"},
                  403, ""};
  security::ClinicalAccess a;
  a.medical_institution_code = r.institution;
  a.person = person.empty() ? "" : access::person_link_hex(person);
  a.account = r.account;
  a.category = std::string(access::category_code(kind_category(r.kind)));
  a.view = audit_view(r);
  a.code = refusal.error.code;
  if (auto st = audit_.record_durable(a); !st) return store_failure(st.error());
  return refusal;
}

Refusal audit_failure(const Error& error) {
  return Refusal{Error{"E_STORE", "", error.message}, 503, ""};
}

template <class T>
std::variant<T, Refusal> Viewer::settle(PendingView<T> p) {
  if (p.audit)
    if (auto st = audit_.record_durable(*p.audit); !st) return audit_failure(st.error());
  return std::move(p.answer);
}

std::variant<View, Refusal> Viewer::open(const ViewRequest& r) {
  return settle(prepare(r));
}

std::variant<std::string, Refusal> Viewer::open_json(const ViewRequest& r) {
  return settle(prepare_json(r));
}

PendingView<View> Viewer::prepare(const ViewRequest& r) {
  PendingView<View> p;
  auto out = decide(r, p.audit, false);
  if (auto* refused = std::get_if<Refusal>(&out)) {
    p.answer = std::move(*refused);
    return p;
  }
  Read& got = std::get<Read>(out);
  detail::group(got.view, got.rows);
  p.answer = std::move(got.view);
  return p;
}

PendingView<std::string> Viewer::prepare_json(const ViewRequest& r) {
  PendingView<std::string> p;
  auto out = decide(r, p.audit, true);
  if (auto* refused = std::get_if<Refusal>(&out)) {
    p.answer = std::move(*refused);
    return p;
  }
  Read& got = std::get<Read>(out);
  if (got.held && got.held->has_json) {
    p.answer = r.gzip ? detail::view_gzip_with_dispensings(
                            got.view, *got.held->packed_of(got.dispensings))
                      : detail::view_json_with_dispensings(got.view, got.dispensings);
    return p;
  }
  std::string json = detail::view_json_from_rows(got.view, got.rows);
  p.answer = r.gzip ? core::gzip(json) : std::move(json);
  return p;
}

std::variant<Viewer::Read, Refusal> Viewer::decide(const ViewRequest& r, Audit& pending,
                                                   bool json) {
  const core::Date today = core::Date::today_jst();
  const core::Date as_of = r.as_of.value_or(today);
  if (as_of > today)
    return bad_request("E_DATE_FUTURE", "asOf", "閲覧基準日に未来の日付は指定できません");
  auto from_month = parse_month(r.from_month, "fromMonth");
  if (!from_month)
    return bad_request(from_month.error().code, from_month.error().field,
                       from_month.error().message);
  auto to_month = parse_month(r.to_month, "toMonth");
  if (!to_month)
    return bad_request(to_month.error().code, to_month.error().field, to_month.error().message);
  auto person = find_person(db_.members(), r.person);
  if (!person) {
    if (person.error().code == "E_STORE") return store_failure(person.error());
    return bad_request(person.error().code, person.error().field, person.error().message);
  }
  const std::string link = *person ? (*person)->person_link : "";
  if (auto refused = institution_rule(r, link, as_of)) return *refused;

  access::AccessRequest q{r.institution, r.account, link, kind_category(r.kind), audit_view(r)};
  access::PendingDecision gate = gate_.prepare(q);
  pending = std::move(gate.audit);
  const access::Decision& d = gate.decision;
  if (!d.allowed) {
    const int status = d.refusal.code == "E_STORE" ? 503 : 403;
    return Refusal{d.refusal, status, d.expiry_reason};
  }
  return read(r, **person, d, as_of, *from_month, *to_month, pending, json);
}

std::variant<Viewer::Read, Refusal> Viewer::read(const ViewRequest& r,
                                                 const store::QualificationVersion& person,
                                                 const access::Decision& d, core::Date as_of,
                                                 std::optional<core::Date> from_month,
                                                 std::optional<core::Date> to_month,
                                                 Audit& pending, bool json) {
  auto windows = this->windows();
  if (!windows) return store_failure(windows.error());
  Read out;
  View& v = out.view;
  v.kind = r.kind;
  v.category = std::string(access::category_code(kind_category(r.kind)));
  v.basis = d.basis;
  v.as_of = as_of.yyyymmdd();
  v.person = person_info(person.qualification);
  core::Date from = as_of;
  for (const auto& w : *windows) {
    if (w.kind != r.kind) continue;
    from = window_start(w, as_of);
    v.window = window_text(w);
  }
  if (r.kind == ClinicalKind::kCheckup &&
      person.qualification.insured_card_classification == core::kMedicalAidCardClassification &&
      from < core::medical_aid_health_check_start()) {
    from = core::medical_aid_health_check_start();
    v.medical_aid_rule = true;
  }
  v.from = from.yyyymmdd();
  core::Date to = as_of;
  if (from_month && *from_month > from) from = *from_month;
  if (to_month && to_month->first_of_next_month().add_days(-1) < to)
    to = to_month->first_of_next_month().add_days(-1);
  if (to < from) return out;
  const std::string first = from.yyyymmdd(), last = to.yyyymmdd();
  auto held = person_rows(person.person_link, r.kind, first, last, json);
  if (!held) return store_failure(held.error());
  out.held = std::move(*held);
  const auto range = out.held->range(first, last);
  out.rows = out.held->rows_of(range);
  out.dispensings = out.held->json_of(range);
  v.rows = static_cast<int64_t>(out.held->count_of(range));
  if (r.kind == ClinicalKind::kTreatment && detail::has_operation(out.rows)) {
    auto hidden = operations_hidden(r, person.person_link, pending);
    if (auto* refused = std::get_if<Refusal>(&hidden)) return std::move(*refused);
    v.operations_hidden = std::get<bool>(hidden);
  }
  return out;
}

// The view's own entry comes first in the log, as the decisions were made: it is made
// durable here (this view waits, as treatments with operations are rare), then the second.
std::variant<bool, Refusal> Viewer::operations_hidden(const ViewRequest& r,
                                                      const std::string& person, Audit& pending) {
  if (pending) {
    if (auto st = audit_.record_durable(*pending); !st) return audit_failure(st.error());
    pending.reset();
  }
  access::AccessRequest q{r.institution, r.account, person, access::Category::kSurgery,
                          audit_view(r)};
  access::Decision s = gate_.authorize(q);
  if (!s.allowed && s.refusal.code == "E_STORE") return store_failure(s.refusal);
  return !s.allowed;
}

// Filled under the generation read before the rows and kept only when it still holds after
// them: a write that began meanwhile moved it (ClinicalStore::generation).
Result<std::shared_ptr<const detail::PersonRows>> Viewer::person_rows(
    const std::string& person_link, ClinicalKind kind, const std::string& from,
    const std::string& to, bool json) {
  store::ClinicalStore& store = db_.clinical();
  std::optional<uint64_t> before =
      cache_->enabled() ? store.generation() : std::optional<uint64_t>();
  if (before)
    if (auto hit = cache_->find(person_link, kind, *before)) {
      if (json || hit->has_rows) return hit;
      before.reset();  // kept without its rows: this view reads them
    }
  auto rows = before ? store.view_rows(person_link, kind, "", "")
                     : store.view_rows(person_link, kind, from, to);
  if (!rows) return rows.error();
  auto entry = detail::PersonRows::make(kind, before.value_or(0), std::move(*rows), !json);
  if (before && store.generation() == before) cache_->put(person_link, entry);
  return entry;
}

Result<std::vector<store::ViewingWindow>> Viewer::windows() {
  std::lock_guard lock(windows_mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!windows_at_ || now - *windows_at_ >= std::chrono::seconds(1)) {
    auto w = db_.clinical().windows();
    if (!w) return w.error();
    windows_ = std::move(*w);
    windows_at_ = now;
  }
  return windows_;
}

Result<bool> e_prescription_on(store::Database& db, std::string_view institution, core::Date day) {
  auto s = db.access().setting_on(institution, store::kSettingEPrescription, day.yyyymmdd());
  if (!s) return s.error();
  return *s && (*s)->use;
}

}  // namespace onshi::clinical
