// Card confirmation and 初回登録 at the terminal (R-CONF-1, R-CARD-1): the terminal plays the
// card reader with a card file of --cards, or relays what `onshi card touch` presents through
// /api/reader/*. Either way a one-time challenge comes from the central service, the card
// checks the PIN and signs, and the presentation goes to POST /v1/card/confirmations (a
// result document: face file and history) or POST /v1/card/links (nothing recorded). Card
// errors keep the central service's code and carry the card's PIN state (pinRetriesLeft).
#include <algorithm>
#include <cctype>
#include <vector>

#include "card/card.h"
#include "core/log.h"
#include "terminal/detail.h"

namespace onshi::terminal {

namespace fs = std::filesystem;

http::Response Terminal::Impl::present_to_central(const std::string& challenge,
                                                  const std::string& certificate,
                                                  const std::string& signature,
                                                  const std::string& method,
                                                  const Consent& consent) {
  json::object body;
  body["challenge"] = challenge;
  body["certificate"] = certificate;
  body["signature"] = signature;
  body["method"] = method;
  body["consent"] = consent_json(consent);
  auto r = central->request("POST", "/v1/card/confirmations?format=xml", json::serialize(body),
                            "application/json");
  if (!r) {
    core::log_warn("terminal.central_error", {{"route", "card"}, {"code", r.error().code}});
    return central_unreachable(r.error());
  }
  if (r->status != 200) {
    std::string code = problem_code(r->body);
    core::log_warn("terminal.card_refused",
                   {{"code", code}, {"status", std::to_string(r->status)}});
    if (code.rfind("E_", 0) == 0 && code.find("CARD") == 2)
      return api_error(card_error_status(code), code, "", staff_message(code));
    if (r->status >= 500)
      return api_error(502, "E_TERMINAL_HTTP", "",
                       staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
    return api_error(r->status >= 400 && r->status < 500 ? 400 : 502,
                     code.empty() ? "E_TERMINAL_HTTP" : code, "",
                     staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
  }
  auto result = oqs::parse_confirm_result_xml(r->body);
  if (!result)
    return api_error(502, "E_TERMINAL_RESPONSE", result.error().field,
                     staff_message("E_TERMINAL_RESPONSE"));
  if (result->header.segment_of_result == "9")
    return api_error(
        502, result->header.error_code.empty() ? "E_TERMINAL_RESPONSE" : result->header.error_code,
        "", result->header.error_message);
  return finish("card", method, r->body, std::move(*result));
}

Result<std::string> Terminal::Impl::new_challenge() {
  auto r = central->request("POST", "/v1/card/challenges", "{}", "application/json");
  if (!r) {
    core::log_warn("terminal.central_error",
                   {{"route", "card-challenge"}, {"code", r.error().code}});
    return r.error();
  }
  if (r->status != 200) {
    std::string code = problem_code(r->body);
    core::log_warn(
        "terminal.central_error",
        {{"route", "card-challenge"}, {"code", code}, {"status", std::to_string(r->status)}});
    return Error{code.empty() ? "E_TERMINAL_HTTP" : code, "", "HTTP " + std::to_string(r->status)};
  }
  auto o = parse_object(r->body);
  std::string c = o ? member(*o, "challenge") : "";
  if (c.empty())
    return Error{"E_TERMINAL_RESPONSE", "challenge", "中央システムの応答にチャレンジがありません"};
  return c;
}

// The answer when no challenge could be had from the central service.
http::Response Terminal::Impl::challenge_failed(const Error& e) {
  if (central_unreachable_code(e.code)) return central_unreachable(e);
  return api_error(502, e.code, "", staff_message(e.code));
}

// The card's answer to a challenge, from the body of /api/reader/*; an error response when the body
// or a key is missing.
std::variant<Terminal::Impl::ReaderAnswer, http::Response> Terminal::Impl::reader_answer(
    const http::Request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_json();
  ReaderAnswer a{member(*body, "challenge"), member(*body, "certificate"),
                 member(*body, "signature"), member(*body, "method"), *body};
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"challenge", &a.challenge},
                            {"certificate", &a.certificate},
                            {"signature", &a.signature}})
    if (value->empty())
      return api_error(400, "E_JSON_MISSING", key, std::string(key) + " がありません");
  if (a.method.empty()) a.method = "pin";
  return a;
}

http::Response Terminal::Impl::reader_challenge(const http::Request&) {
  auto c = new_challenge();
  if (!c) return challenge_failed(c.error());
  json::object o;
  o["challenge"] = *c;
  return json_response(200, json::serialize(o));
}

http::Response Terminal::Impl::reader_present(const http::Request& req) {
  auto parsed = reader_answer(req);
  if (auto* refusal = std::get_if<http::Response>(&parsed)) return std::move(*refusal);
  const auto& a = std::get<ReaderAnswer>(parsed);
  if (!card::parse_method(a.method))
    return api_error(400, "E_JSON_TYPE", "method", "method は pin / face / visual のいずれかです");
  return present_to_central(a.challenge, a.certificate, a.signature, a.method, consent_of(a.body));
}

// The terminal plays the reader with card `id` of --cards: loads it, asks the central service
// for a challenge and has the card sign it (checking the PIN for a PIN presentation). A
// refusal names the card's PIN state (pinRetriesLeft) with the staff's message for a
// confirmation or, with `link`, for 初回登録.
std::variant<Terminal::Impl::PlayedCard, http::Response> Terminal::Impl::play_reader(
    const json::object& body, card::Method method, bool link) {
  const char* refused = link ? "terminal.card_link_refused" : "terminal.card_refused";
  auto message = [link](const std::string& code, int left) {
    return link ? link_message(code, left) : staff_message(code, left);
  };
  std::string id = member(body, "card");
  auto path = card_path(id);
  if (!path)
    return api_error(404, "E_CARD_UNKNOWN", "card", "カード「" + id + "」は見つかりません");
  auto loaded = card::Card::load(*path);
  if (!loaded) {
    core::log_warn(refused, {{"code", loaded.error().code}});
    return api_error(card_error_status(loaded.error().code), loaded.error().code, "card",
                     staff_message(loaded.error().code));
  }
  card::Card c = std::move(*loaded);
  if (method == card::Method::kPin && c.locked())
    return api_error(423, "E_CARD_LOCKED", "pin", message("E_CARD_LOCKED", -1),
                     json::object{{"pinRetriesLeft", 0}});
  auto challenge = new_challenge();
  if (!challenge) return challenge_failed(challenge.error());
  auto presented = c.present(*challenge, method, member(body, "pin"));
  if (!presented) {
    const std::string& code = presented.error().code;
    int left = c.pin_retries_left();
    if (auto again = card::Card::load(*path)) left = again->pin_retries_left();
    core::log_warn(refused, {{"code", code}});
    return api_error(card_error_status(code), code, code == "E_CARD_FILE" ? "card" : "pin",
                     message(code, left), json::object{{"pinRetriesLeft", left}});
  }
  return PlayedCard{std::move(c), std::move(*presented)};
}

namespace {

// A refusal of the central service carries the card's PIN state too.
http::Response with_pin_state(http::Response out, int retries_left) {
  if (out.status == 200) return out;
  if (auto o = parse_object(out.body)) {
    (*o)["pinRetriesLeft"] = retries_left;
    out.body = json::serialize(*o);
  }
  return out;
}

}  // namespace

http::Response Terminal::Impl::card_confirmation(const http::Request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_json();
  std::string method_s = member(*body, "method");
  if (method_s.empty()) method_s = "pin";
  auto method = card::parse_method(method_s);
  if (!method)
    return api_error(400, "E_JSON_TYPE", "method", "method は pin / face / visual のいずれかです");
  auto played = play_reader(*body, *method, false);
  if (auto* refusal = std::get_if<http::Response>(&played)) return std::move(*refusal);
  auto& [c, p] = std::get<PlayedCard>(played);
  return with_pin_state(
      present_to_central(p.challenge, p.certificate_pem, p.signature,
                         std::string(card::method_name(*method)), consent_of(*body)),
      c.pin_retries_left());
}

// ---- 初回登録 at the reader (R-CARD-1) ----

// Sends a PIN-signed presentation to POST /v1/card/links. 200 {"linked","alreadyLinked"}
// (plus `label` when the terminal played the reader), or the card errors as for a
// confirmation.
http::Response Terminal::Impl::link_at_central(const std::string& challenge,
                                               const std::string& certificate,
                                               const std::string& signature,
                                               const std::string& method,
                                               const std::string& label) {
  json::object body;
  body["challenge"] = challenge;
  body["certificate"] = certificate;
  body["signature"] = signature;
  body["method"] = method;
  auto r = central->request("POST", "/v1/card/links", json::serialize(body), "application/json");
  if (!r) {
    core::log_warn("terminal.central_error", {{"route", "card-link"}, {"code", r.error().code}});
    return central_unreachable(r.error());
  }
  if (r->status != 200) {
    auto problem = parse_object(r->body);
    std::string code = problem ? member(*problem, "code") : "";
    core::log_warn("terminal.card_link_refused",
                   {{"code", code}, {"status", std::to_string(r->status)}});
    if (code.rfind("E_", 0) == 0 && code.find("CARD") == 2)
      return api_error(card_error_status(code), code, "", link_message(code));
    if (r->status >= 400 && r->status < 500 &&
        !code.empty())  // e.g. E_CODE: 初回登録 needs the PIN
      return api_error(400, code, problem ? member(*problem, "field") : "",
                       problem ? member(*problem, "detail") : staff_message(code));
    return api_error(502, "E_TERMINAL_HTTP", "",
                     staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
  }
  auto o = parse_object(r->body);
  const json::value* already = o ? o->if_contains("alreadyLinked") : nullptr;
  if (!o || !already || !already->is_bool())
    return api_error(502, "E_TERMINAL_RESPONSE", "", staff_message("E_TERMINAL_RESPONSE"));
  core::log_info("terminal.card_linked",
                 {{"alreadyLinked", already->as_bool() ? "true" : "false"}});
  json::object out;
  out["linked"] = true;
  out["alreadyLinked"] = already->as_bool();
  if (!label.empty()) out["label"] = label;
  return json_response(200, json::serialize(out));
}

// `onshi card touch --link`: the card answered /api/reader/challenge after the PIN.
http::Response Terminal::Impl::reader_link(const http::Request& req) {
  auto parsed = reader_answer(req);
  if (auto* refusal = std::get_if<http::Response>(&parsed)) return std::move(*refusal);
  const auto& a = std::get<ReaderAnswer>(parsed);
  return link_at_central(a.challenge, a.certificate, a.signature, a.method, "");
}

// The terminal plays the reader with a card file from --cards: the card checks the PIN and
// signs a fresh challenge, then the central service links it.
http::Response Terminal::Impl::card_link(const http::Request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_json();
  auto played = play_reader(*body, card::Method::kPin, true);
  if (auto* refusal = std::get_if<http::Response>(&played)) return std::move(*refusal);
  auto& [c, p] = std::get<PlayedCard>(played);
  return with_pin_state(
      link_at_central(p.challenge, p.certificate_pem, p.signature, "pin", c.label()),
      c.pin_retries_left());
}

std::optional<fs::path> Terminal::Impl::card_path(const std::string& id) const {
  if (options.cards_dir.empty() || id.empty() || id.size() > 128 || id.front() == '.')
    return std::nullopt;
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      return std::nullopt;
  fs::path p = options.cards_dir / (id + ".card");
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  return p;
}

http::Response Terminal::Impl::cards(const http::Request&) {
  json::array list;
  std::vector<fs::path> files;
  std::error_code ec;
  if (!options.cards_dir.empty())
    for (const auto& e : fs::directory_iterator(options.cards_dir, ec))
      if (e.path().extension() == ".card" && e.is_regular_file(ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.stem() < b.stem(); });
  for (const auto& f : files) {
    auto c = card::Card::load(f);
    if (!c) {
      core::log_warn("terminal.card_unreadable",
                     {{"file", f.filename().string()}, {"code", c.error().code}});
      continue;
    }
    json::object o;
    o["id"] = f.stem().string();
    o["label"] = c->label();
    o["pinRetriesLeft"] = c->pin_retries_left();
    o["locked"] = c->locked();
    list.push_back(std::move(o));
  }
  json::object out;
  out["cards"] = std::move(list);
  return json_response(200, json::serialize(out));
}

}  // namespace onshi::terminal
