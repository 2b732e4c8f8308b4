// The PDF print of the clinical views (R-CONF-5), role "institution": the same view as
// GET /v1/clinical/views/{kind} — decided and audited by clinical::Viewer, the audit's view
// named "{kind}:pdf" — rendered as an A4 PDF by print/views.h. The terminal's 「印刷 (PDF)」
// forwards here, so the print is made, and audited, where the view is.
//
//   GET /v1/clinical/views/{medication|checkups|treatments|prescriptions}/pdf
//       ?account=ID&insurerNumber=…&symbol=…&number=…&branch=…(or cardKey=…)[&asOf=YYYYMMDD]
//       [&fromMonth=YYYYMM][&toMonth=YYYYMM]
//       → 200 application/pdf; refused 403 / bad input 400 / E_STORE 503 as problem+json (with
//         expiryReason for E_CONSENT_EXPIRED), as the JSON route; E_PDF_FONT / E_PDF 500
//
// The header names the institution by its code and, when the institutions register has it,
// its name, and the account by its id and role (access store).
#include <memory>

#include "access/access.h"
#include "clinical/views.h"
#include "core/date.h"
#include "http/problem.h"
#include "print/views.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {

struct PrintRoutes {
  store::Database* db = nullptr;
  std::unique_ptr<clinical::Viewer> viewer;
};

std::string institution_label(store::Database& db, const std::string& code) {
  auto rows = db.institutions().find(store::InstitutionKey::kMedicalInstitutionCode, code);
  if (rows && !rows->empty() && !rows->front().name.empty()) return code + " " + rows->front().name;
  return code;
}

std::string account_label(store::Database& db, const std::string& institution,
                          const std::string& account) {
  auto found = db.access().find_account(institution, account);
  if (!found || !*found) return account;
  auto role = access::parse_role((*found)->role);
  return role ? account + "（" + std::string(access::role_label(*role)) + "）" : account;
}

http::Response print_view(PrintRoutes& routes, store::ClinicalKind kind, const http::Request& req) {
  clinical::ViewRequest q;
  q.kind = kind;
  q.institution = req.peer.id;
  q.account = req.query_param("account");
  q.person = {req.query_param("insurerNumber"), req.query_param("symbol"),
              req.query_param("number"), req.query_param("branch"), req.query_param("cardKey")};
  if (const std::string as_of = req.query_param("asOf"); !as_of.empty()) {
    auto d = core::Date::parse(as_of);
    if (!d) return http::problem(400, Error{d.error().code, "asOf", d.error().message});
    q.as_of = *d;
  }
  q.from_month = req.query_param("fromMonth");
  q.to_month = req.query_param("toMonth");
  q.channel = "pdf";
  auto out = routes.viewer->open(q);
  if (auto* r = std::get_if<clinical::Refusal>(&out)) {
    boost::json::object ext;
    if (!r->expiry_reason.empty()) ext["expiryReason"] = r->expiry_reason;
    return http::problem(r->http_status, r->error, ext);
  }
  const PrintNames names = print_names(*routes.db, q.institution, q.account);
  print::PrintInfo info{names.institution, names.account, ""};
  auto pdf = print::render_pdf(std::get<clinical::View>(out), info);
  if (!pdf) return http::problem(500, pdf.error());
  http::Response res;
  res.content_type = "application/pdf";
  res.body = std::move(*pdf);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace

PrintNames print_names(store::Database& db, const std::string& institution,
                       const std::string& account) {
  return PrintNames{institution_label(db, institution), account_label(db, institution, account)};
}

void add_print_routes(http::Router& router, Context& ctx) {
  auto r = std::make_shared<PrintRoutes>();
  r->db = &ctx.db;
  // The prints read the store each time: the cache is the views' (routes_views.cpp).
  r->viewer = std::make_unique<clinical::Viewer>(ctx.db, ctx.audit, access::GateOptions{}, 0);
  const http::Admit institution{core::Role::kInstitution};
  // One route per kind: /v1/clinical/views/{kind}/pdf (docs/api.md, docs/openapi.yaml).
  for (store::ClinicalKind kind : store::kClinicalKinds) {
    const std::string path =
        "/v1/clinical/views/" + std::string(store::clinical_kind_name(kind)) + "/pdf";
    router.add("GET", path, institution,
               [r, kind](const http::Request& q) { return print_view(*r, kind, q); });
  }
}

}  // namespace onshi::serve
