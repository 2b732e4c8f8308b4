// The clinical views for the screen (R-CONF-5): GET /api/clinical/views/{kind} forwards the
// signed-in professional's request to the central service's /v1/clinical/views/{kind} with
// the account of the session — never one the page names — and answers what the service
// answered (the view's JSON, or its problem+json refusal). Loopback only, like every route of
// the terminal; without a session it is 401 E_SESSION and nothing is asked.
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

http::Response Terminal::Impl::clinical_view(const http::Request& req, std::string_view kind) {
  auto s = session_of(req);
  if (!s)
    return api_error(401, "E_SESSION", "",
                     "診療情報の閲覧にはサインインが必要です（時間が経つとサインアウトされます）");
  std::string target = "/v1/clinical/views/" + std::string(kind) + "?account=" + query_value(s->id);
  for (const char* k : {"insurerNumber", "symbol", "number", "branch", "cardKey", "asOf",
                        "fromMonth", "toMonth", "format"}) {
    const std::string v = req.query_param(k);
    if (!v.empty()) target += std::string("&") + k + "=" + query_value(v);
  }
  auto r = central->request("GET", target, "", "");
  if (!r) return central_unreachable(r.error());
  http::Response out = json_response(r->status, r->body);
  if (!r->content_type.empty()) out.content_type = r->content_type;
  return out;
}

}  // namespace onshi::terminal
