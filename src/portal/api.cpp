// The portal's JSON API (docs/portal.md): the pages call it, it plays the card reader for the
// card files of --cards and relays to the central service's /v1/me/… with the person session.
//
//   GET  /api/portal            {"portal","central"}
//   GET  /api/cards             the card files: id, label, pinRetriesLeft, locked
//   POST /api/sign-in           {"card","pin"} → {"signedIn","csrf","label","linked"} + cookie
//   GET  /api/session           {"signedIn","csrf","label"} (the page's CSRF token after a reload)
//   POST /api/sign-out          {"csrf"} — ends the session here and at the central service
//   GET  /api/me/card | qualifications | consents | accesses | audit-entries | expenses   relayed
//        as the service answers; GET /api/me/expenses/statement?year=&format=csv|pdf|xml a file to download
//   GET  /api/me/clinical/{medication|checkups|treatments|prescriptions}   relayed likewise
//   POST /api/me/link           {"csrf","pin"} — 初回登録 with the signed-in card and its PIN
//   POST /api/me/withdraw       {"csrf","institution","category"}
//
// Refusals are problem+json with a stable code and a Japanese message; a card's refusal also
// says how many PIN tries are left. The PIN is checked by the card file itself and never
// logged, stored or sent anywhere.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "card/card.h"
#include "core/log.h"
#include "portal/detail.h"
#include "web/assets.h"

namespace onshi::portal {
namespace {
namespace fs = std::filesystem;

// A query string re-encoded: only the filter parameters of the access log and the year and
// format of the expenses pass.
std::string relay_query(const http::Request& req) {
  std::string out;
  for (const char* k : {"from", "to", "institution", "limit", "year", "format"}) {
    const std::string v = req.query_param(k);
    if (v.empty()) continue;
    std::string enc;
    for (unsigned char c : v) {
      if (std::isalnum(c)) {
        enc.push_back(static_cast<char>(c));
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        enc += {'%', kHex[c >> 4], kHex[c & 15]};
      }
    }
    out += (out.empty() ? "?" : "&") + std::string(k) + "=" + enc;
  }
  return out;
}

http::Response unreachable(const Error& e) {
  core::log_warn("portal.central_unreachable", {{"code", e.code}});
  return api_error(502, "E_CENTRAL", "",
                   "中央システムに接続できません。しばらくしてからもう一度お試しください。");
}

// The central service's answer as it came (problem+json kept as such).
http::Response relayed(const http::ClientResponse& r) {
  if (r.status == 200 && r.content_type.find("json") == std::string::npos) {  // a statement
    http::Response out;
    out.content_type = r.content_type;
    out.body = r.body;
    out.headers.emplace_back("Cache-Control", "no-store");
    web::add_security_headers(out);
    return out;
  }
  http::Response out = json_answer(r.status, r.body);
  if (r.status / 100 != 2) out.content_type = "application/problem+json";
  return out;
}

std::string member(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// The card file `id` of --cards, or nullopt for anything else.
std::optional<fs::path> card_path(const fs::path& dir, const std::string& id) {
  if (dir.empty() || id.empty() || id.size() > 128 || id.front() == '.') return std::nullopt;
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      return std::nullopt;
  fs::path p = dir / (id + ".card");
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  return p;
}

// The card's refusal (wrong PIN, locked …) with the tries left.
http::Response card_refusal(const Error& e, int left) {
  const int status = e.code == "E_CARD_PIN_FORMAT" ? 400 : e.code == "E_CARD_FILE" ? 500 : 403;
  http::Response r = api_error(status, e.code, e.code == "E_CARD_FILE" ? "card" : "pin",
                               e.message);
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    v.as_object()["pinRetriesLeft"] = left;
    r.body = json::serialize(v);
  }
  return r;
}

}  // namespace

http::Response Portal::Impl::info(const http::Request&) {
  return json_answer(200,
                     json::serialize(json::object{{"portal", portal_id},
                                                  {"central", options.central_url}}));
}

http::Response Portal::Impl::cards(const http::Request&) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!options.cards_dir.empty())
    for (const auto& e : fs::directory_iterator(options.cards_dir, ec))
      if (e.path().extension() == ".card" && e.is_regular_file(ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  json::array list;
  for (const auto& f : files) {
    auto c = card::Card::load(f);
    if (!c) continue;
    list.push_back(json::object{{"id", f.stem().string()},
                                {"label", c->label()},
                                {"pinRetriesLeft", c->pin_retries_left()},
                                {"locked", c->locked()}});
  }
  return json_answer(200, json::serialize(json::object{{"cards", std::move(list)}}));
}

// The card `id` answers a fresh challenge of the central service (`challenge_route`) with the
// PIN; the presentation as the body of /v1/me/sessions or /v1/me/links, or the refusal.
static std::variant<std::string, http::Response> present(Portal::Impl& m, const std::string& id,
                                                         const std::string& pin,
                                                         const std::string& token) {
  auto path = card_path(m.options.cards_dir, id);
  if (!path) return api_error(404, "E_CARD_UNKNOWN", "card", "カードが見つかりません");
  auto c = card::Card::load(*path);
  if (!c) return card_refusal(c.error(), 0);
  if (c->locked())
    return card_refusal(Error{"E_CARD_LOCKED", "pin",
                              "暗証番号を3回続けて間違えたため、このカードはロックされています。"
                              "市区町村の窓口でロックを解除してください。"},
                        0);
  auto ch = m.central("POST", "/v1/me/challenges", "{}", token);
  if (!ch) return unreachable(ch.error());
  if (ch->status != 200) return relayed(*ch);
  boost::system::error_code ec;
  json::value v = json::parse(ch->body, ec);
  const std::string challenge = !ec && v.is_object() ? member(v.as_object(), "challenge") : "";
  auto p = c->present(challenge, card::Method::kPin, pin);
  if (!p) {
    int left = 0;
    if (auto again = card::Card::load(*path)) left = again->pin_retries_left();
    return card_refusal(p.error(), left);
  }
  return json::serialize(json::object{{"challenge", p->challenge},
                                      {"certificate", p->certificate_pem},
                                      {"signature", p->signature},
                                      {"method", "pin"}});
}

http::Response Portal::Impl::sign_in(const http::Request& req) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object() || req.content_type.find("application/json") != 0)
    return api_error(400, "E_JSON_SYNTAX", "", "本文はJSONオブジェクトで送ってください");
  const std::string id = member(v.as_object(), "card"), pin = member(v.as_object(), "pin");
  if (id.empty()) return api_error(400, "E_MISSING", "card", "カードを選んでください");
  auto body = present(*this, id, pin, "");
  if (auto* refusal = std::get_if<http::Response>(&body)) {
    core::log_info("portal.sign_in_refused", {});
    return std::move(*refusal);
  }
  auto r = central("POST", "/v1/me/sessions", std::get<std::string>(body), "");
  if (!r) return unreachable(r.error());
  if (r->status != 201) return relayed(*r);
  json::value s = json::parse(r->body, ec);
  if (ec || !s.is_object()) return api_error(502, "E_CENTRAL", "", "中央システムの応答が不正です");
  auto label = card::Card::load(*card_path(options.cards_dir, id));
  LocalSession local{member(s.as_object(), "session"), id, label ? label->label() : "",
                     random_token(), {}};
  const std::string csrf = local.csrf, name = local.label;
  const std::string cookie = open_session(std::move(local));
  core::log_info("portal.signed_in", {});
  const json::value* linked = s.as_object().if_contains("linked");
  http::Response out = json_answer(
      200, json::serialize(json::object{{"signedIn", true},
                                        {"csrf", csrf},
                                        {"label", name},
                                        {"linked", linked && linked->is_bool() && linked->as_bool()},
                                        {"idleSeconds", options.idle_minutes * 60}}));
  out.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + cookie +
                                             "; Path=/; HttpOnly; SameSite=Strict");
  return out;
}

http::Response Portal::Impl::sign_out(const http::Request& req) {
  auto c = checked(req);
  if (auto* refusal = std::get_if<http::Response>(&c)) return std::move(*refusal);
  auto& [s, body] = std::get<0>(c);
  auto r = central("DELETE", "/v1/me/sessions", "", s.central_token);
  close_session(req);
  http::Response out = json_answer(200, R"({"signedIn":false})");
  out.headers.emplace_back("Set-Cookie", std::string(kCookie) +
                                             "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  if (!r) core::log_warn("portal.sign_out_unsent", {{"code", r.error().code}});
  return out;
}

http::Response Portal::Impl::session(const http::Request& req) {
  auto s = session_of(req);
  if (!s) return json_answer(200, R"({"signedIn":false})");
  return json_answer(200, json::serialize(json::object{
                              {"signedIn", true}, {"csrf", s->csrf}, {"label", s->label}}));
}

http::Response Portal::Impl::relay_get(const http::Request& req, const std::string& target) {
  auto s = session_of(req);
  if (!s)
    return api_error(401, "E_SESSION", "session",
                     "サインインしていないか、時間が経ってサインアウトされました。もう一度サインインしてください。");
  auto r = central("GET", target + relay_query(req), "", s->central_token);
  if (!r) return unreachable(r.error());
  if (r->status == 401) close_session(req);  // ended at the central service
  http::Response out = relayed(*r);
  const std::string year = req.query_param("year"), format = req.query_param("format");
  if (out.content_type.find("json") == std::string::npos && r->status == 200 && year.size() == 4 &&
      std::all_of(year.begin(), year.end(), ::isdigit) &&
      (format == "csv" || format == "pdf" || format == "xml"))
    out.headers.push_back({"Content-Disposition",
                           "attachment; filename=\"iryohi-" + year + "." + format + "\""});
  return out;
}

http::Response Portal::Impl::link(const http::Request& req) {
  auto c = checked(req);
  if (auto* refusal = std::get_if<http::Response>(&c)) return std::move(*refusal);
  auto& [s, body] = std::get<0>(c);
  auto presented = present(*this, s.card_id, member(body, "pin"), s.central_token);
  if (auto* refusal = std::get_if<http::Response>(&presented)) return std::move(*refusal);
  auto r = central("POST", "/v1/me/links", std::get<std::string>(presented), s.central_token);
  if (!r) return unreachable(r.error());
  core::log_info("portal.link", {{"status", std::to_string(r->status)}});
  return relayed(*r);
}

http::Response Portal::Impl::withdraw(const http::Request& req) {
  auto c = checked(req);
  if (auto* refusal = std::get_if<http::Response>(&c)) return std::move(*refusal);
  auto& [s, body] = std::get<0>(c);
  json::object out{{"institution", member(body, "institution")},
                   {"category", member(body, "category")}};
  auto r = central("POST", "/v1/me/consents/withdrawals", json::serialize(out), s.central_token);
  if (!r) return unreachable(r.error());
  return relayed(*r);
}

}  // namespace onshi::portal
