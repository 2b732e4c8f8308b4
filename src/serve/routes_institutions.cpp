// Routes of the institutions feature: onboarding by the agency (実施機関) and the regional
// bureaus (地方厚生局), an institution's own settings, and the published lists and statistics.
//
// Who may call what is decided by the certificate's role alone, mirroring who does each step
// on paper (seed 002 別紙3): the agency issues 仮コード, takes card-reader applications, the
// presentation of the 受付番号 and usage applications; the bureau answers 受付番号 and decides
// designations; an institution changes only its own settings. The lists and statistics are
// public pages. Handlers are thin: every rule lives in institutions/.
//
// clang-format off
//   POST /v1/institutions/provisional-codes         [agency]  {kind, prefecture, name, address, district?}
//   POST /v1/institutions/portal-accounts           [agency]  {provisionalCode}
//   POST /v1/institutions/card-reader-applications  [agency]  {provisionalCode, model?, date?}
//   POST /v1/institutions/card-reader-models        [agency]  {provisionalCode, model, date?}
//   POST /v1/institutions/card-reader-undecided     [agency]  {provisionalCode, channel, date?}
//   POST /v1/institutions/card-reader-cancellations [agency]  {asOf}
//   POST /v1/institutions/reception-numbers         [bureau]  {provisionalCode, designationDate, requestDate?, retroactive?}
//   POST /v1/institutions/presentations             [agency]  {receptionNumber, date?, lateAccepted?}
//   POST /v1/institutions/designations              [bureau]  {receptionNumber, designated}
//   POST /v1/institutions/designation-lists         [bureau]  新規指定医療機関一覧表 (CSV body)
//   POST /v1/institutions/usage-applications        [agency]  {medicalInstitutionCode, date?} → certificate
//   GET  /v1/institutions/entry?key=…               [agency, bureau]
//   GET  /v1/institutions/me                        [institution]
//   POST /v1/institutions/medical-aid-setting       [institution] {use, date?}  (R-AID-3)
//   GET  /v1/institutions/schedule?designation=YYYYMMDD  [any]
//   GET  /v1/institutions/statistics?asOf=YYYYMMDD       [any]
//   GET  /institutions/list, /institutions/list.csv, /institutions/list.xlsx  [public]
//   GET  /institutions/medical-aid-list.csv?month=YYYYMM [public]
//   GET  /institutions/statistics                        [public]
// clang-format on
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/json_read.h"
#include "core/log.h"
#include "institutions/institutions.h"
#include "serve/routes.h"
#include "web/assets.h"

namespace onshi::serve {
namespace {

namespace json = boost::json;
namespace inst = institutions;
using core::Date;

const http::Admit kAgency = {core::Role::kAgency};
const http::Admit kBureau = {core::Role::kBureau};
const http::Admit kAnyone = http::Admit::anyone();

std::string actor_of(const http::Request& r) {
  return r.peer.role_text() + ":" + r.peer.id;
}

http::Response ok_json(std::string body) {
  http::Response res;
  res.body = std::move(body);
  return res;
}

int status_for(const Error& e) {
  if (e.code == "E_STORE" || e.code == "E_IO" || e.code == "E_CA_MISSING" || e.code == "E_XLSX")
    return 500;
  if (e.code == "E_NOT_FOUND") return 404;
  if (e.code == "E_STATE" || e.code == "E_NOT_DESIGNATED" || e.code == "E_READER_CANCELLED" ||
      e.code == "E_AMBIGUOUS")
    return 409;
  return 400;
}
http::Response fail(const Error& e) {
  return http::problem(status_for(e), e);
}

// The body as a JSON object, or an error answer.
Result<json::object> body_object(const http::Request& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  if (!v.is_object()) return Error{"E_JSON_TYPE", "", "JSONオブジェクトで送ってください"};
  return std::move(v.as_object());
}

using core::json_string;
bool flag(const json::object& o, std::string_view key, bool fallback = false) {
  if (const auto* v = o.if_contains(key); v && v->is_bool()) return v->as_bool();
  return fallback;
}

// A YYYYMMDD field, today when absent.
Result<Date> date_field(const json::object& o, std::string_view key, bool required = false) {
  std::string s = json_string(o, key);
  if (s.empty()) {
    if (required)
      return Error{"E_DATE", std::string(key), std::string(key) + " は必須です（YYYYMMDD）"};
    return Date::today_jst();
  }
  auto d = Date::parse(s);
  if (!d) return Error{d.error().code, std::string(key), d.error().message};
  return *d;
}

std::string schedule_json(const inst::Schedule& s) {
  return json::serialize(json::object{{"designationDate", s.designation.yyyymmdd()},
                                      {"bureauAnswerDate", s.bureau_answer.yyyymmdd()},
                                      {"agencyDeadline", s.agency_deadline.yyyymmdd()},
                                      {"submissionDeadline", s.submission_deadline.yyyymmdd()},
                                      {"source", s.source}});
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The list filter and date of a list request.
Result<std::pair<Date, inst::ListFilter>> list_request(const http::Request& r) {
  Date as_of = Date::today_jst();
  if (std::string a = r.query_param("asOf"); !a.empty()) {
    std::string digits;
    for (char c : a)
      if (c != '-') digits += c;  // <input type=date> sends YYYY-MM-DD
    auto d = Date::parse(digits);
    if (!d) return Error{d.error().code, "asOf", d.error().message};
    as_of = *d;
  }
  inst::ListFilter f;
  f.prefecture = r.query_param("prefecture");
  if (!f.prefecture.empty() && inst::prefecture_name(f.prefecture).empty())
    return Error{"E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です"};
  if (std::string k = r.query_param("kind"); !k.empty()) {
    f.kind = inst::parse_kind(k);
    if (!f.kind)
      return Error{"E_KIND", "kind", "種別は hospital・clinic・dental・pharmacy のいずれかです"};
  }
  f.name = r.query_param("name");
  return std::pair{as_of, f};
}

// Each handler below is one route: decode the request, call one registry operation,
// encode its answer.
using Registry = inst::Registry;

http::Response entry_json(const Result<inst::Institution>& i) {
  if (!i) return fail(i.error());
  return ok_json(inst::to_json(*i));
}

http::Response issue_provisional(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  inst::NewInstitution n{json_string(*o, "kind"), json_string(*o, "prefecture"),
                         json_string(*o, "name"), json_string(*o, "address")};
  if (auto d = json_string(*o, "district"); !d.empty()) n.district = d;
  return entry_json(reg.issue_provisional(n, actor_of(r)));
}

http::Response register_portal_account(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  return entry_json(reg.register_portal_account(json_string(*o, "provisionalCode"), actor_of(r)));
}

http::Response apply_card_reader(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  auto on = date_field(*o, "date");
  if (!on) return fail(on.error());
  return entry_json(reg.apply_card_reader(json_string(*o, "provisionalCode"),
                                          json_string(*o, "model"), *on, actor_of(r)));
}

http::Response choose_reader_model(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  auto on = date_field(*o, "date");
  if (!on) return fail(on.error());
  return entry_json(reg.choose_reader_model(json_string(*o, "provisionalCode"),
                                            json_string(*o, "model"), *on, actor_of(r)));
}

// A change to 機種未定 (seed 003): the portal's, or the call centre's entered by the agency.
http::Response reader_undecided(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  auto on = date_field(*o, "date");
  if (!on) return fail(on.error());
  auto channel = inst::parse_change_channel(json_string(*o, "channel"));
  if (!channel)
    return fail(Error{"E_FLAG", "channel", "channel は portal か callCentre です"});
  return entry_json(reg.change_reader_to_undecided(json_string(*o, "provisionalCode"), *channel,
                                                   *on, actor_of(r)));
}

http::Response cancel_undecided_readers(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  auto as_of = date_field(*o, "asOf");
  if (!as_of) return fail(as_of.error());
  auto done = reg.cancel_undecided_readers(*as_of, actor_of(r));
  if (!done) return fail(done.error());
  json::array codes;
  for (const auto& i : *done) codes.push_back(json::string(i.provisional_code));
  return ok_json(json::serialize(json::object{{"cancelled", std::move(codes)}}));
}

http::Response request_reception_number(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  inst::NumberRequest q;
  q.provisional_code = json_string(*o, "provisionalCode");
  auto designation = date_field(*o, "designationDate", true);
  if (!designation) return fail(designation.error());
  auto request_date = date_field(*o, "requestDate");
  if (!request_date) return fail(request_date.error());
  q.designation = *designation;
  q.request_date = *request_date;
  q.retroactive = flag(*o, "retroactive");
  return entry_json(reg.request_reception_number(q, actor_of(r)));
}

http::Response present_reception_number(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  auto on = date_field(*o, "date");
  if (!on) return fail(on.error());
  return entry_json(reg.present_reception_number(json_string(*o, "receptionNumber"), *on,
                                                 flag(*o, "lateAccepted"), actor_of(r)));
}

http::Response decide_designation(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  std::string key = json_string(*o, "receptionNumber");
  if (key.empty()) key = json_string(*o, "medicalInstitutionCode");
  return entry_json(flag(*o, "designated", true) ? reg.designate(key, actor_of(r))
                                                 : reg.report_not_designated(key, actor_of(r)));
}

http::Response designate_from_list(Registry& reg, const http::Request& r) {
  auto report = reg.designate_from_list(r.body, actor_of(r));
  if (!report) return fail(report.error());
  return ok_json(report->to_json());
}

// The certificate is written to a private temporary folder of the data directory, answered
// in the body and removed.
http::Response apply_usage(Registry& reg, const std::filesystem::path& data_dir,
                           const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  auto on = date_field(*o, "date");
  if (!on) return fail(on.error());
  std::string code = json_string(*o, "medicalInstitutionCode");
  static std::atomic<int> counter{0};
  auto out =
      data_dir / "tmp" / ("usage-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  auto i = reg.apply_usage(code, *on, out, actor_of(r));
  if (!i) {
    std::error_code ec;
    std::filesystem::remove_all(out, ec);
    return fail(i.error());
  }
  json::object body = json::parse(inst::to_json(*i)).as_object();
  body["certificatePem"] = read_file(out / "cert.pem");
  body["keyPem"] = read_file(out / "key.pem");
  body["caPem"] = read_file(out / "ca.pem");
  std::error_code ec;
  std::filesystem::remove_all(out, ec);
  return ok_json(json::serialize(body));
}

http::Response find_entry(Registry& reg, const http::Request& r) {
  return entry_json(reg.find(r.query_param("key")));
}

http::Response own_entry(Registry& reg, const http::Request& r) {
  return entry_json(reg.find(r.peer.id));
}

http::Response set_medical_aid(Registry& reg, const http::Request& r) {
  auto o = body_object(r);
  if (!o) return fail(o.error());
  const auto* use = o->if_contains("use");
  if (!use || !use->is_bool())
    return fail(Error{"E_JSON_TYPE", "use", "use は true（利用する）か false（利用しない）です"});
  auto on = date_field(*o, "date");
  if (!on) return fail(on.error());
  return entry_json(reg.set_medical_aid(r.peer.id, use->as_bool(), *on, actor_of(r)));
}

http::Response schedule(Registry& reg, const http::Request& r) {
  auto d = Date::parse(r.query_param("designation"));
  if (!d) return fail(Error{d.error().code, "designation", d.error().message});
  auto s = reg.schedule(*d);
  if (!s) return fail(s.error());
  return ok_json(schedule_json(*s));
}

// The statistics as of ?asOf=YYYYMMDD (today without it).
Result<inst::Statistics> statistics_of(Registry& reg, const http::Request& r) {
  Date as_of = Date::today_jst();
  if (std::string a = r.query_param("asOf"); !a.empty()) {
    auto d = Date::parse(a);
    if (!d) return Error{d.error().code, "asOf", d.error().message};
    as_of = *d;
  }
  return reg.statistics(as_of);
}

http::Response statistics_json(Registry& reg, const http::Request& r) {
  auto s = statistics_of(reg, r);
  if (!s) return fail(s.error());
  return ok_json(s->to_json());
}

http::Response statistics_page(Registry& reg, const http::Request& r) {
  auto s = statistics_of(reg, r);
  if (!s) return fail(s.error());
  return web::page_response(inst::statistics_html(*s), {inst::page_style()});
}

http::Response list_page(Registry& reg, const http::Request& r) {
  auto q = list_request(r);
  if (!q) return fail(q.error());
  auto rows = reg.published_list(q->first, q->second);
  if (!rows) return fail(rows.error());
  return web::page_response(
      inst::list_html(*rows, q->first, q->second,
                      "/institutions/list.csv" + inst::list_query(q->first, q->second)),
      {inst::page_style()});
}

// A download of the list published on the Monday of `as_of`.
void attach_as(http::Response& res, Date as_of, const char* extension) {
  res.headers.push_back({"Content-Disposition", "attachment; filename=\"institutions-" +
                                                    inst::publication_monday(as_of).yyyymmdd() +
                                                    extension + "\""});
}

http::Response list_csv(Registry& reg, const http::Request& r) {
  auto q = list_request(r);
  if (!q) return fail(q.error());
  auto rows = reg.published_list(q->first, q->second);
  if (!rows) return fail(rows.error());
  bool sjis = r.query_param("encoding") == "shift_jis";
  auto csv = inst::list_csv(*rows, sjis);
  if (!csv) return fail(csv.error());
  http::Response res;
  res.content_type = sjis ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8";
  res.body = std::move(*csv);
  attach_as(res, q->first, ".csv");
  return res;
}

http::Response list_xlsx(Registry& reg, const http::Request& r) {
  auto q = list_request(r);
  if (!q) return fail(q.error());
  auto rows = reg.published_list(q->first, q->second);
  if (!rows) return fail(rows.error());
  auto x =
      inst::list_xlsx(*rows, "導入医療機関等一覧 " + inst::publication_monday(q->first).yyyymmdd());
  if (!x) return fail(x.error());
  http::Response res;
  res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  res.body = std::move(*x);
  attach_as(res, q->first, ".xlsx");
  return res;
}

http::Response medical_aid_list(Registry& reg, const http::Request& r) {
  std::string m = r.query_param("month");
  auto d = Date::parse(m + "01");
  if (m.size() != 6 || !d) return fail(Error{"E_DATE", "month", "month は YYYYMM です"});
  auto rows = reg.medical_aid_list(d->year(), d->month());
  if (!rows) return fail(rows.error());
  auto csv = inst::list_csv(*rows, r.query_param("encoding") == "shift_jis");
  if (!csv) return fail(csv.error());
  http::Response res;
  res.content_type = "text/csv; charset=utf-8";
  if (r.query_param("encoding") == "shift_jis") res.content_type = "text/csv; charset=Shift_JIS";
  res.body = std::move(*csv);
  return res;
}

}  // namespace

void add_institutions_routes(http::Router& router, Context& ctx) {
  auto opened = inst::Registry::open(ctx.db.institutions(), ctx.data_dir, &ctx.audit);
  if (!opened) {
    core::log_error("institutions.open_failed",
                    {{"code", opened.error().code}, {"message", opened.error().message}});
    return;
  }
  std::shared_ptr<inst::Registry> reg(std::move(*opened));
  std::filesystem::path data_dir = ctx.data_dir;
  // A handler bound to the registry.
  auto on = [reg](http::Response (*handler)(Registry&, const http::Request&)) {
    return [reg, handler](const http::Request& r) { return handler(*reg, r); };
  };

  router.add("POST", "/v1/institutions/provisional-codes", kAgency, on(issue_provisional));
  router.add("POST", "/v1/institutions/portal-accounts", kAgency, on(register_portal_account));
  router.add("POST", "/v1/institutions/card-reader-applications", kAgency, on(apply_card_reader));
  router.add("POST", "/v1/institutions/card-reader-models", kAgency, on(choose_reader_model));
  router.add("POST", "/v1/institutions/card-reader-undecided", kAgency, on(reader_undecided));
  router.add("POST", "/v1/institutions/card-reader-cancellations", kAgency,
             on(cancel_undecided_readers));
  router.add("POST", "/v1/institutions/reception-numbers", kBureau, on(request_reception_number));
  router.add("POST", "/v1/institutions/presentations", kAgency, on(present_reception_number));
  router.add("POST", "/v1/institutions/designations", kBureau, on(decide_designation));
  router.add("POST", "/v1/institutions/designation-lists", kBureau, on(designate_from_list));
  router.add("POST", "/v1/institutions/usage-applications", kAgency,
             [reg, data_dir](const http::Request& r) { return apply_usage(*reg, data_dir, r); });
  router.add("GET", "/v1/institutions/entry", {core::Role::kAgency, core::Role::kBureau}, on(find_entry));
  router.add("GET", "/v1/institutions/me", {core::Role::kInstitution}, on(own_entry));
  router.add("POST", "/v1/institutions/medical-aid-setting", {core::Role::kInstitution}, on(set_medical_aid));
  router.add("GET", "/v1/institutions/schedule", kAnyone, on(schedule));
  router.add("GET", "/v1/institutions/statistics", kAnyone, on(statistics_json));
  router.add("GET", "/institutions/statistics", kAnyone, on(statistics_page));
  router.add("GET", "/institutions/list", kAnyone, on(list_page));
  router.add("GET", "/institutions/list.csv", kAnyone, on(list_csv));
  router.add("GET", "/institutions/list.xlsx", kAnyone, on(list_xlsx));
  router.add("GET", "/institutions/medical-aid-list.csv", kAnyone, on(medical_aid_list));
}

}  // namespace onshi::serve
