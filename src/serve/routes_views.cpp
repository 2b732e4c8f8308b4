// Routes of the clinical views (R-CONF-5), role "institution": what a professional sees of a
// patient, decided and audited by clinical::Viewer (which asks access::Gatekeeper).
//
//   GET  /v1/clinical/views/{medication|checkups|treatments|prescriptions}
//        ?account=ID&insurerNumber=…&symbol=…&number=…&branch=…(or cardKey=…)
//        [&asOf=YYYYMMDD][&fromMonth=YYYYMM][&toMonth=YYYYMM]
//        → 200 the view's JSON (docs/clinical.md § 見る), gzip-encoded when Accept-Encoding
//          admits it; refused 403 / bad input 400 / E_STORE 503 as problem+json (with
//          expiryReason for E_CONSENT_EXPIRED)
//   POST /xml/YZKsiquc01, /xml/TKKsiquc01, /xml/SRJsiquc01, /xml/SCJsiquc01
//        → 200 the result document: XML (FileCategory 2) or, for FileCategory 1, the view's
//          PDF print as application/pdf when the view is allowed; otherwise an XML result
//          with ResultCode 2, ErrorCode and MessageContents (docs/xml-interface.md). The
//          audit's view is "{kind}:xml" ("{kind}:bridge" through the folder bridge), with
//          ":pdf" appended for FileCategory 1.
// Both answer from the audit writer's completion (Router::add_async, Viewer::prepare*,
// AuditLog::record_then): the answer is made at once, and sent only once the gate's entry
// is durable — else the E_STORE refusal — without a server thread waiting for the commit.
#include <memory>
#include <utility>

#include "clinical/views.h"
#include "core/date.h"
#include "http/problem.h"
#include "print/views.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {

struct ViewRoutes {
  store::Database* db = nullptr;
  std::unique_ptr<clinical::Viewer> viewer;
  security::AuditLog* audit = nullptr;  // for access.refused and the views' entries
};

http::Response refused(const clinical::Refusal& r) {
  boost::json::object ext;
  if (!r.expiry_reason.empty()) ext["expiryReason"] = r.expiry_reason;
  return http::problem(r.http_status, r.error, ext);
}

// The view the query names; a malformed asOf is its 400.
Result<clinical::ViewRequest> json_request(store::ClinicalKind kind, const http::Request& req) {
  clinical::ViewRequest q;
  q.kind = kind;
  q.institution = req.peer.id;
  q.account = req.query_param("account");
  q.person = {req.query_param("insurerNumber"), req.query_param("symbol"),
              req.query_param("number"), req.query_param("branch"), req.query_param("cardKey")};
  if (const std::string as_of = req.query_param("asOf"); !as_of.empty()) {
    auto d = core::Date::parse(as_of);
    if (!d) return Error{d.error().code, "asOf", d.error().message};
    q.as_of = *d;
  }
  q.from_month = req.query_param("fromMonth");
  q.to_month = req.query_param("toMonth");
  q.gzip = req.accepts_gzip();
  return q;
}

// Decided and written on the I/O thread, sent from the audit writer's completion once the
// gate's entry is durable (else 503 E_STORE): the I/O thread never waits for the commit.
void view_json(ViewRoutes& routes, store::ClinicalKind kind, const http::Request& req,
               const http::Respond& respond) {
  auto q = json_request(kind, req);
  if (!q) return respond(http::problem(400, q.error()));
  auto p = routes.viewer->prepare_json(*q);
  http::Response res;
  if (auto* r = std::get_if<clinical::Refusal>(&p.answer)) {
    res = refused(*r);
  } else {
    res.body = std::move(std::get<std::string>(p.answer));
    if (q->gzip) res.headers.emplace_back("Content-Encoding", "gzip");
  }
  res.headers.emplace_back("Vary", "Accept-Encoding");
  if (!p.audit) return respond(std::move(res));
  routes.audit->record_then(*p.audit, [res = std::move(res), respond](Status st) mutable {
    respond(st ? std::move(res) : refused(clinical::audit_failure(st.error())));
  });
}

http::Response xml_answer(oqs::ClinicalResult result, const std::string& institution,
                          const std::string& file_id) {
  result.process_execution_time = core::timestamp_jst();
  result.medical_institution_code = institution;
  result.arbitrary_file_identifier = file_id;
  auto xml = oqs::write_clinical_result_xml(result, core::Encoding::kUtf8);
  if (!xml) return http::problem(500, xml.error());
  http::Response res;
  res.content_type = "application/xml; charset=UTF-8";
  res.body = std::move(*xml);
  return res;
}

// FileCategory 1: the view's PDF print, as the screen's 「印刷 (PDF)」 makes it, answered as
// application/pdf (the public system's YZKsiquc01res_*.pdf). A print that cannot be made is a
// ResultCode 2 result with E_PDF_FONT / E_PDF, like any other failure of the request.
http::Response pdf_answer(store::Database& db, const clinical::View& view,
                          const clinical::ViewRequest& q, const std::string& file_id) {
  const PrintNames names = print_names(db, q.institution, q.account);
  auto bytes = print::render_pdf(view, print::PrintInfo{names.institution, names.account, ""});
  if (!bytes) return xml_answer(clinical::refusal_result(bytes.error()), q.institution, file_id);
  http::Response res;
  res.content_type = "application/pdf";
  res.body = std::move(*bytes);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

// The XML request as a view; the channel names the route and the bridge, ":pdf" for
// FileCategory 1.
clinical::ViewRequest xml_request(store::ClinicalKind kind, const http::Request& req,
                                  const oqs::ClinicalRequest& x) {
  clinical::ViewRequest q;
  q.kind = kind;
  q.institution = req.peer.id;
  q.account = x.professional_account;
  q.person = {x.insurer_number, x.insurance_card_symbol, x.insured_person_identification_number,
              x.branch_number, ""};
  q.from_month = x.start_date;
  q.to_month = x.end_date;
  q.channel = req.query_param("via") == "bridge" ? "bridge" : "xml";
  if (x.file_category == "1") q.channel += ":pdf";
  return q;
}

// Answered like the JSON view: the result (or the PDF) made first, sent once the gate's entry
// is durable, else a ResultCode 2 result with E_STORE.
void view_xml(ViewRoutes& routes, store::ClinicalKind kind, const http::Request& req,
              const http::Respond& respond) {
  auto parsed = oqs::parse_clinical_request_xml(req.body);
  if (!parsed)
    return respond(xml_answer(clinical::refusal_result(parsed.error()), req.peer.id, ""));
  const oqs::ClinicalRequest& x = *parsed;
  const std::string& file_id = x.arbitrary_file_identifier;
  if (x.medical_institution_code != req.peer.id) {
    audit_refusal(*routes.audit, req, "E_INSTITUTION_MISMATCH");
    return respond(xml_answer(
        clinical::refusal_result(Error{"E_INSTITUTION_MISMATCH", "MedicalInstitutionCode",
                                       "医療機関コードが証明書の医療機関と一致しません"}),
        req.peer.id, file_id));
  }
  const clinical::ViewRequest q = xml_request(kind, req, x);
  auto p = routes.viewer->prepare(q);
  http::Response res;
  if (auto* r = std::get_if<clinical::Refusal>(&p.answer))
    res = xml_answer(clinical::refusal_result(r->error), req.peer.id, file_id);
  else if (x.file_category != "1")
    res =
        xml_answer(clinical::view_result(std::get<clinical::View>(p.answer)), req.peer.id, file_id);
  else
    res = pdf_answer(*routes.db, std::get<clinical::View>(p.answer), q, file_id);
  if (!p.audit) return respond(std::move(res));
  routes.audit->record_then(*p.audit, [res = std::move(res), respond, institution = req.peer.id,
                                       file_id](Status st) mutable {
    if (st) return respond(std::move(res));
    respond(xml_answer(clinical::refusal_result(clinical::audit_failure(st.error()).error),
                       institution, file_id));
  });
}

}  // namespace

void add_views_routes(http::Router& router, Context& ctx) {
  auto r = std::make_shared<ViewRoutes>();
  r->db = &ctx.db;
  r->viewer = std::make_unique<clinical::Viewer>(ctx.db, ctx.audit, access::GateOptions{},
                                                 ctx.view_cache_bytes);
  r->audit = &ctx.audit;
  const http::Admit institution{core::Role::kInstitution};
  // The paths, documented in api.md and openapi.yaml as /v1/clinical/views/{kind} and
  // /xml/YZKsiquc01 …: one per kind.
  for (store::ClinicalKind kind : store::kClinicalKinds) {
    const std::string json_path =
        "/v1/clinical/views/" + std::string(store::clinical_kind_name(kind));
    router.add_async("GET", json_path, institution,
                     [r, kind](const http::Request& q, const http::Respond& respond) {
                       view_json(*r, kind, q, respond);
                     });
    const std::string xml_path =
        "/xml/" + std::string(oqs::clinical_prefix(clinical::kind_message(kind))) + "siquc01";
    router.add_async("POST", xml_path, institution,
                     [r, kind](const http::Request& q, const http::Respond& respond) {
                       view_xml(*r, kind, q, respond);
                     });
  }
}

}  // namespace onshi::serve
