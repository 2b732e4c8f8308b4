// Routes of clinical information's sources (R-CONF-5): POST /v1/clinical/{kind}, the HTTPS
// twin of `onshi clinical import`, for the party that holds each kind.
//
// Who may send what is the route table itself: 審査支払機関 (certificate role "reviewer")
// send what derives from claims — medication and treatments — and the prescriptions and
// dispensings of the electronic prescription service, which the same organisations run;
// insurers send the specific health checks and the 医療費通知情報 (expenses) of their own
// members (a row naming another insurer number is rejected with E_FORBIDDEN_INSURER). The body is a JSON array of records
// with lowerCamelCase keys, or {"records":[…]}; the answer is the load's report, rows rejected
// with their index, field, code and message. Each request is one transaction and one audit
// entry ("clinical.load", with the counts).
#include <boost/json/parse.hpp>

#include "clinical/clinical.h"
#include "security/audit_events.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {

namespace json = boost::json;

constexpr size_t kMaxRecords = 100000;

http::Response load(Context& ctx, store::ClinicalKind kind, const http::Request& req) {
  json::value doc;
  boost::system::error_code ec;
  doc = json::parse(req.body, ec);
  if (ec) return http::problem(400, Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"});
  const json::array* arr = doc.if_array();
  if (!arr && doc.is_object())
    if (auto* r = doc.as_object().if_contains("records")) arr = r->if_array();
  if (!arr)
    return http::problem(400, Error{"E_JSON_TYPE", "records",
                                    "記録は配列か {\"records\":[…]} で送ってください"});
  if (arr->size() > kMaxRecords)
    return http::problem(413, Error{"E_TOO_MANY", "records", "1回に送れるのは100,000件までです"});
  const security::Actor actor{*req.peer.role, req.peer.id};
  clinical::LoadOptions opt;
  opt.source = security::actor_text(actor);
  if (actor.role == core::Role::kInsurer) opt.only_insurer = actor.id;
  auto report = clinical::load_records(ctx.db, kind, *arr, opt);
  if (!report) {  // E_LOCKED: a bulk import of the clinical store is running
    const std::string& code = report.error().code;
    return http::problem(code == "E_STORE" || code == "E_LOCKED" ? 503 : 500, report.error());
  }
  ctx.audit.record(security::ClinicalLoad{actor, std::string(store::clinical_kind_name(kind)),
                                          report->accepted, report->unchanged, report->rejected,
                                          ""});
  http::Response res;
  res.body = report->to_json();
  return res;
}

}  // namespace

void add_clinical_routes(http::Router& router, Context& ctx) {
  using store::ClinicalKind;
  auto to = [&ctx](ClinicalKind kind) {
    return [&ctx, kind](const http::Request& req) { return load(ctx, kind, req); };
  };
  router.add("POST", "/v1/clinical/medication", {core::Role::kReviewer},
             to(ClinicalKind::kMedication));
  router.add("POST", "/v1/clinical/treatments", {core::Role::kReviewer},
             to(ClinicalKind::kTreatment));
  router.add("POST", "/v1/clinical/prescriptions", {core::Role::kReviewer},
             to(ClinicalKind::kPrescription));
  router.add("POST", "/v1/clinical/checkups", {core::Role::kInsurer}, to(ClinicalKind::kCheckup));
  router.add("POST", "/v1/clinical/expenses", {core::Role::kInsurer}, to(ClinicalKind::kExpense));
}

}  // namespace onshi::serve
