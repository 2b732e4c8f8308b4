// The PDF print of a clinical view on the terminal's screen (R-CONF-5, 「印刷 (PDF)」): the
// terminal renders nothing — it asks the central service for the view's PDF with the
// signed-in account (GET /v1/clinical/views/{kind}/pdf?account=…), where the view is decided,
// audited and printed, and answers the bytes as a download. A refusal (「同意有効期限切れ」 …)
// comes back as the service wrote it; without a session it is 401 E_SESSION and nothing is
// asked.
#include "core/date.h"
#include "core/log.h"
#include "terminal/detail.h"

namespace onshi::terminal {
namespace {

// A query value, percent-encoded (every byte but the unreserved characters).
std::string query_value(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

http::Response Terminal::Impl::clinical_print(const http::Request& req, const std::string& kind) {
  auto s = session_of(req);
  if (!s)
    return api_error(401, "E_SESSION", "",
                     "診療情報の閲覧にはサインインが必要です（時間が経つとサインアウトされます）");
  std::string target = "/v1/clinical/views/" + kind + "/pdf?account=" + query_value(s->id);
  for (const char* k :
       {"insurerNumber", "symbol", "number", "branch", "cardKey", "asOf", "fromMonth", "toMonth"})
    if (const std::string v = req.query_param(k); !v.empty())
      target += std::string("&") + k + "=" + query_value(v);
  auto r = central->request("GET", target, "", "");
  if (!r) return central_unreachable(r.error());
  core::log_info("terminal.clinical_print",
                 {{"kind", kind}, {"status", std::to_string(r->status)}});
  if (r->status != 200) {
    http::Response out = json_response(r->status, r->body);
    out.content_type = "application/problem+json";
    return out;
  }
  http::Response out;
  out.content_type = "application/pdf";
  out.body = std::move(r->body);
  out.headers.emplace_back("Cache-Control", "no-store");
  std::string day = req.query_param("asOf");
  if (day.size() != 8 || day.find_first_not_of("0123456789") != std::string::npos)
    day = core::Date::today_jst().yyyymmdd();
  out.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"onshi-" + kind + "-" + day + ".pdf\"");
  return out;
}

}  // namespace onshi::terminal
