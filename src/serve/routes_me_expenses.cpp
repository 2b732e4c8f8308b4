// GET /v1/me/expenses?year=YYYY and GET /v1/me/expenses/statement?year=YYYY&format=csv|pdf|xml —
// the person's 医療費通知情報 (R-CARD-2): a year per month and institution with the totals, and
// the yearly statement for the 医療費控除 (expenses/expenses.h), for the portal's certificate
// and a live person session only. The person comes from the session, never from the request;
// each answer is audited durably first (PortalView "expenses" / "expenses.statement", actor the
// person), and a failure to audit refuses the answer.
#include "expenses/expenses.h"
#include "serve/portal_detail.h"

namespace onshi::serve::portal_detail {
namespace {

struct Asked {
  card::SessionHolder holder;
  expenses::Statement statement;
};

std::variant<Asked, http::Response> asked(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto s = expenses::statement_of(*r.db, holder->person_link, req.query_param("year"));
  if (!s) return refused(s.error());
  return Asked{std::move(*holder), std::move(*s)};
}

}  // namespace

http::Response expenses_year(PortalRoutes& r, const http::Request& req) {
  auto a = asked(r, req);
  if (auto* refusal = std::get_if<http::Response>(&a)) return std::move(*refusal);
  auto& [holder, s] = std::get<Asked>(a);
  if (auto st = audit_view(r, req, holder.person_link, "expenses",
                           static_cast<int64_t>(s.lines.size()));
      !st)
    return refused(st.error());
  http::Response res;
  res.body = expenses::to_json(s);
  return res;
}

http::Response expenses_statement(PortalRoutes& r, const http::Request& req) {
  const std::string format = req.query_param("format");
  if (format != "csv" && format != "pdf" && format != "xml")
    return refused(Error{"E_EXPENSE_FORMAT", "format", "形式は csv, pdf, xml のいずれかです"});
  auto a = asked(r, req);
  if (auto* refusal = std::get_if<http::Response>(&a)) return std::move(*refusal);
  auto& [holder, s] = std::get<Asked>(a);
  if (auto st = audit_view(r, req, holder.person_link, "expenses.statement",
                           static_cast<int64_t>(s.lines.size()));
      !st)
    return refused(st.error());
  http::Response res;
  const std::string file = "iryohi-" + std::to_string(s.year) + "." + format;
  res.headers.push_back({"Content-Disposition", "attachment; filename=\"" + file + "\""});
  if (format == "csv") {
    res.content_type = "text/csv; charset=utf-8";
    res.body = expenses::to_csv(s);
    return res;
  }
  auto body = format == "pdf" ? expenses::to_pdf(s) : expenses::to_signed_xml(s, r.data_dir);
  if (!body) return http::problem(500, body.error());
  res.content_type = format == "pdf" ? "application/pdf" : "application/xml";
  res.body = std::move(*body);
  return res;
}

}  // namespace onshi::serve::portal_detail
