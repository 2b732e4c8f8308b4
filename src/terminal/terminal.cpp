// The institution terminal (terminal.h): the screen server's routes, the card and number
// confirmation flows against the central service, face files, history and resend, and the
// bridge thread. The JSON API is documented in docs/terminal.md.
#include "terminal/terminal.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <variant>
#include <vector>

#include "card/card.h"
#include "core/date.h"
#include "core/dir_lock.h"
#include "core/log.h"
#include "core/numbers.h"
#include "core/text.h"
#include "http/client.h"
#include "http/server.h"
#include "oqs/messages.h"
#include "security/ca.h"
#include "terminal/history.h"
#include "terminal/screen.h"
#include "terminal/view.h"

namespace onshi::terminal {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kFacePrefix = "OQSsiquc01res_face_";

// ---- small JSON helpers ----

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response api_error(int status, const std::string& code, const std::string& field, const std::string& message,
                         json::object extra = {}) {
  json::object o;
  o["code"] = code;
  o["field"] = field;
  o["message"] = message;
  for (auto& [k, v] : extra) o[k] = v;
  return json_response(status, json::serialize(o));
}

std::optional<json::object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

http::Response bad_json() {
  return api_error(400, "E_JSON_SYNTAX", "", "要求の形式が正しくありません（JSON オブジェクトを送ってください）");
}

// A string member ("" when absent or null); numbers are accepted and written as text.
std::string member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  return "";
}

bool flag(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return false;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string()) return v->as_string() == "1" || v->as_string() == "true";
  if (v->is_int64()) return v->as_int64() != 0;
  return false;
}

struct Consent {
  bool limit = false, medication = false, checkup = false;
};

Consent consent_of(const json::object& body) {
  Consent c;
  if (const auto* v = body.if_contains("consent"); v && v->is_object()) {
    c.limit = flag(v->as_object(), "limitApplication");
    c.medication = flag(v->as_object(), "medication");
    c.checkup = flag(v->as_object(), "healthCheckup");
  }
  return c;
}

json::object consent_json(const Consent& c) {
  json::object o;
  o["limitApplication"] = c.limit;
  o["medication"] = c.medication;
  o["healthCheckup"] = c.checkup;
  return o;
}

std::string problem_code(const std::string& body) {
  auto o = parse_object(body);
  return o ? member(*o, "code") : "";
}

std::string random_hex(size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng() & 0xFF);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return !in.bad();
}

// Japanese messages for front-desk staff, by error code.
// The codes of an http::Client that could not reach the central service at all.
bool central_unreachable_code(std::string_view code) {
  return code == "E_CONNECT" || code == "E_TLS" || code == "E_HTTP";
}

std::string staff_message(const std::string& code, int retries_left = -1) {
  if (code == "E_CARD_PIN")
    return "暗証番号が違います。" +
           (retries_left >= 0 ? "あと" + std::to_string(retries_left) + "回間違えるとカードがロックされます。"
                              : std::string()) +
           "もう一度入力していただくか、顔認証または目視確認に切り替えてください。";
  if (code == "E_CARD_LOCKED")
    return "暗証番号を3回間違えたため、カードの暗証番号がロックされています。顔認証または目視確認で確認してください"
           "（ロックの解除はお住まいの市区町村の窓口で行います）。";
  if (code == "E_CARD_PIN_FORMAT") return "暗証番号は4桁の数字で入力してください。";
  if (code == "E_CARD_NOT_LINKED")
    return "このマイナンバーカードは健康保険証としての利用登録（初回登録）がされていません。カードリーダーまたは"
           "マイナポータルで利用登録をしていただくか、資格確認書・保険証で確認してください。";
  if (code == "E_CARD_REVOKED")
    return "このカードの電子証明書は失効しています（紛失・再発行など）。資格確認書・保険証で確認してください。";
  if (code == "E_CARD_EXPIRED")
    return "このカードの電子証明書は有効期限が切れています。市区町村で更新の手続きが必要です。資格確認書・保険証で確認"
           "してください。";
  if (code == "E_CARD_CERT")
    return "カードの電子証明書を確認できませんでした。資格確認書・保険証で確認してください。";
  if (code == "E_CARD_SIGNATURE")
    return "カードの読み取りに失敗しました。もう一度カードをカードリーダーに置いてください。";
  if (code == "E_CARD_CHALLENGE")
    return "読み取りの有効時間が過ぎました。もう一度カードをカードリーダーに置いてください。";
  if (code == "E_CARD_UNKNOWN") return "このカードは登録されていません。";
  if (code == "E_CARD_NO_QUALIFICATION")
    return "このカードに結び付く資格が登録されていません。資格確認書・保険証で確認してください。";
  if (code == "E_CARD_FILE") return "カードを読み取れません。もう一度カードを置いてください。";
  if (central_unreachable_code(code))
    return "オンライン資格確認等システムに接続できません。しばらくしてからもう一度お試しください。つながらない場合は"
           "保険証・資格確認書で確認してください。";
  return "資格確認ができませんでした（" + code + "）。もう一度お試しください。";
}

// Messages for 初回登録 at the reader where they differ from a confirmation's (R-CARD-1).
std::string link_message(const std::string& code, int retries_left = -1) {
  if (code == "E_CARD_PIN")
    return "暗証番号が違います。" +
           (retries_left >= 0 ? "あと" + std::to_string(retries_left) + "回間違えるとカードがロックされます。"
                              : std::string()) +
           "初回登録には暗証番号が必要です。もう一度入力してください。";
  if (code == "E_CARD_LOCKED")
    return "暗証番号を3回間違えたため、カードの暗証番号がロックされています。初回登録には暗証番号が必要です。"
           "ロックの解除はお住まいの市区町村の窓口で行います。今回は資格確認書・保険証で確認してください。";
  if (code == "E_CARD_NO_QUALIFICATION")
    return "このカードの持ち主の資格情報がまだ登録されていないため、初回登録できません。加入している保険者に"
           "お問い合わせいただくよう案内し、今回は資格確認書・保険証で確認してください。";
  return staff_message(code, retries_left);
}

int card_error_status(const std::string& code) {
  if (code == "E_CARD_PIN" || code == "E_CARD_PIN_FORMAT") return 400;
  if (code == "E_CARD_LOCKED") return 423;
  if (code == "E_CARD_UNKNOWN") return 404;
  if (code == "E_CARD_FILE") return 500;
  return 403;  // E_CARD_NOT_LINKED, E_CARD_REVOKED, E_CARD_CERT, E_CARD_EXPIRED, E_CARD_SIGNATURE, …
}

// A connection-level failure talking to the central service.
http::Response central_unreachable(const Error& e) {
  std::string code = e.code == "E_TLS" ? "E_TLS" : "E_CONNECT";
  return api_error(502, code, "", staff_message(code));
}

// ---- numbers validation (R-CONF-2, R-REG-4) ----

struct FieldError {
  std::string field, code, message;
};

// Characters that never belong in a typed 記号・番号: format-conversion marks (●, 〓) and
// placeholders.
bool has_bad_character(std::string_view s) {
  for (std::string_view bad : {"●", "○", "■", "□", "〓", "*", "?", "？", "＊"})
    if (s.find(bad) != std::string_view::npos) return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

// The birth date as typed: YYYYMMDD, YYYY-MM-DD (or YYYY/MM/DD) or 和暦.
Result<core::Date> parse_birthdate_input(std::string_view typed) {
  std::string s = core::normalize_card_field(typed);
  if (s.empty()) return Error{"E_EMPTY", "", "生年月日を入力してください"};
  if (s.size() == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
    std::string compact = s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2);
    if (core::all_digits(compact)) return core::Date::parse(compact);
  }
  if (s[0] >= '0' && s[0] <= '9') {
    if (core::all_digits(s) && s.size() == 8) return core::Date::parse(s);
    return Error{"E_DATE_FORMAT", "",
                 "生年月日は「19800515」「1980-05-15」または和暦「S55.5.15」「昭和55年5月15日」で入力してください"};
  }
  return core::Date::parse_wareki(s);
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.x.y.z
  if (host.substr(0, 4) != "127.") return false;
  int parts = 2, digits = 0;  // "127" and the octet being read
  for (char c : host.substr(4)) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return parts == 4 && digits > 0;
}

// A few Clients to the central service, lent one per request (a Client is not thread-safe).
class ClientPool {
 public:
  explicit ClientPool(http::ClientOptions options) : options_(std::move(options)) {}
  Result<http::ClientResponse> request(const std::string& method, const std::string& target, const std::string& body,
                                       const std::string& content_type) {
    std::unique_ptr<http::Client> c;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!c) c = std::make_unique<http::Client>(options_);
    auto r = c->request(method, target, body, content_type);
    std::lock_guard lock(mu_);
    if (idle_.size() < 4) idle_.push_back(std::move(c));
    last_code_ = r ? "" : r.error().code;  // any HTTP answer: reached, certificate accepted
    return r;
  }

  // Whether the last request reached the central service: nullopt before the first one,
  // else "" (it did) or the connection error's code (E_CONNECT, E_TLS, …).
  std::optional<std::string> last_code() {
    std::lock_guard lock(mu_);
    return last_code_;
  }

 private:
  http::ClientOptions options_;
  std::mutex mu_;
  std::optional<std::string> last_code_;
  std::vector<std::unique_ptr<http::Client>> idle_;
};

struct Terminal::Impl {
  TerminalOptions options;
  std::string institution_code;
  std::string central_url;
  std::unique_ptr<Bridge> bridge;
  std::unique_ptr<History> history;
  std::unique_ptr<ClientPool> central;
  std::unique_ptr<http::Server> server;
  std::atomic<bool> bridge_stop{false};
  std::thread bridge_thread, central_check_thread;
  core::DirLock folder_lock;  // one terminal per OQS folder
  std::mutex stop_mu;
  bool started = false, stopped = false;

  // ---- face files ----

  // Writes the result into face/ (re-encoded to the configured encoding; UTF-8 when a
  // character has no Shift_JIS form). Returns "face/<name>" or an error.
  Result<std::string> write_face(const oqs::ConfirmResult& result) {
    auto doc = oqs::write_confirm_result_xml(result, options.bridge.encoding);
    if (!doc) {
      core::log_warn("terminal.encoding", {{"code", doc.error().code}});
      doc = oqs::write_confirm_result_xml(result, core::Encoding::kUtf8);
      if (!doc) return doc.error();
    }
    const std::string name =
        std::string(kFacePrefix) + institution_code + random_hex(10) + "_" + core::timestamp_jst() + ".xml";
    const fs::path tmp = options.bridge.folder / "work" / (".tmp-" + name);
    const fs::path dst = options.bridge.folder / "face" / name;
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(doc->data(), static_cast<std::streamsize>(doc->size()));
      out.flush();
      if (!out) {
        std::error_code ec;
        fs::remove(tmp, ec);
        return Error{"E_TERMINAL_IO", "face", "face ファイルを書き込めません"};
      }
    }
    std::error_code ec;
    fs::rename(tmp, dst, ec);
    if (ec) {
      fs::remove(tmp, ec);
      return Error{"E_TERMINAL_IO", "face", "face ファイルを置けません: " + ec.message()};
    }
    return "face/" + name;
  }

  // ---- shared end of both flows ----

  // Records a confirmation (face file for the card route, history) and answers the View.
  http::Response finish(const std::string& route, const std::string& method, const std::string& document,
                        oqs::ConfirmResult result) {
    std::string file;
    if (route == "card") {
      auto f = write_face(result);
      if (f) {
        file = *f;
      } else {
        core::log_error("terminal.error", {{"code", f.error().code}, {"route", route}});
      }
    }
    int64_t id = 0;
    if (auto e = history->append(route, method, file, document)) {
      id = e->id;
    } else {
      core::log_error("terminal.error", {{"code", e.error().code}, {"what", "history"}});
    }
    core::log_info("terminal.confirmation", {{"route", route},
                                             {"method", method},
                                             {"validity", result.qualification_validity},
                                             {"historyId", std::to_string(id)},
                                             {"file", file}});
    ViewContext ctx{id, route, method, file};
    return json_response(200, render_view(result, ctx, core::Date::today_jst()));
  }

  // ---- card ----

  http::Response present_to_central(const std::string& challenge, const std::string& certificate,
                                    const std::string& signature, const std::string& method, const Consent& consent) {
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
      core::log_warn("terminal.card_refused", {{"code", code}, {"status", std::to_string(r->status)}});
      if (code.rfind("E_", 0) == 0 && code.find("CARD") == 2) return api_error(card_error_status(code), code, "", staff_message(code));
      if (r->status >= 500)
        return api_error(502, "E_TERMINAL_HTTP", "", staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
      return api_error(r->status >= 400 && r->status < 500 ? 400 : 502, code.empty() ? "E_TERMINAL_HTTP" : code, "",
                       staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
    }
    auto result = oqs::parse_confirm_result_xml(r->body);
    if (!result) return api_error(502, "E_TERMINAL_RESPONSE", result.error().field, staff_message("E_TERMINAL_RESPONSE"));
    if (result->header.segment_of_result == "9")
      return api_error(502, result->header.error_code.empty() ? "E_TERMINAL_RESPONSE" : result->header.error_code, "",
                       result->header.error_message);
    return finish("card", method, r->body, std::move(*result));
  }

  Result<std::string> new_challenge() {
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
    if (c.empty()) return Error{"E_TERMINAL_RESPONSE", "challenge", "no challenge in the answer"};
    return c;
  }

  // The answer when no challenge could be had from the central service.
  http::Response challenge_failed(const Error& e) {
    if (central_unreachable_code(e.code)) return central_unreachable(e);
    return api_error(502, e.code, "", staff_message(e.code));
  }

  // What `onshi card touch` posts to /api/reader/*: the card's answer to a challenge.
  struct ReaderAnswer {
    std::string challenge, certificate, signature, method;
    json::object body;  // the whole body (consents)
  };
  // Reads it from the body; an error response when the body or a key is missing.
  std::variant<ReaderAnswer, http::Response> reader_answer(const http::Request& req) {
    auto body = parse_object(req.body);
    if (!body) return bad_json();
    ReaderAnswer a{member(*body, "challenge"), member(*body, "certificate"),
                   member(*body, "signature"), member(*body, "method"), *body};
    for (auto [key, value] : {std::pair<const char*, const std::string*>{"challenge", &a.challenge},
                              {"certificate", &a.certificate},
                              {"signature", &a.signature}})
      if (value->empty()) return api_error(400, "E_JSON_MISSING", key, std::string(key) + " がありません");
    if (a.method.empty()) a.method = "pin";
    return a;
  }

  http::Response reader_challenge(const http::Request&) {
    auto c = new_challenge();
    if (!c) return challenge_failed(c.error());
    json::object o;
    o["challenge"] = *c;
    return json_response(200, json::serialize(o));
  }

  http::Response reader_present(const http::Request& req) {
    auto parsed = reader_answer(req);
    if (auto* refusal = std::get_if<http::Response>(&parsed)) return std::move(*refusal);
    const auto& a = std::get<ReaderAnswer>(parsed);
    if (!card::parse_method(a.method))
      return api_error(400, "E_JSON_TYPE", "method", "method は pin / face / visual のいずれかです");
    return present_to_central(a.challenge, a.certificate, a.signature, a.method, consent_of(a.body));
  }

  // The terminal plays the reader itself with a card file from --cards.
  http::Response card_confirmation(const http::Request& req) {
    auto body = parse_object(req.body);
    if (!body) return bad_json();
    std::string id = member(*body, "card");
    std::string method_s = member(*body, "method");
    if (method_s.empty()) method_s = "pin";
    auto method = card::parse_method(method_s);
    if (!method) return api_error(400, "E_JSON_TYPE", "method", "method は pin / face / visual のいずれかです");
    auto path = card_path(id);
    if (!path) return api_error(404, "E_CARD_UNKNOWN", "card", "カード「" + id + "」は見つかりません");
    auto loaded = card::Card::load(*path);
    if (!loaded) {
      core::log_warn("terminal.card_refused", {{"code", loaded.error().code}});
      return api_error(card_error_status(loaded.error().code), loaded.error().code, "card",
                       staff_message(loaded.error().code));
    }
    card::Card c = std::move(*loaded);
    if (*method == card::Method::kPin && c.locked())
      return api_error(423, "E_CARD_LOCKED", "pin", staff_message("E_CARD_LOCKED"),
                       json::object{{"pinRetriesLeft", 0}});
    auto challenge = new_challenge();
    if (!challenge) return challenge_failed(challenge.error());
    auto presented = c.present(*challenge, *method, member(*body, "pin"));
    if (!presented) {
      const std::string& code = presented.error().code;
      int left = c.pin_retries_left();
      if (auto again = card::Card::load(*path)) left = again->pin_retries_left();
      core::log_warn("terminal.card_refused", {{"code", code}});
      return api_error(card_error_status(code), code, code == "E_CARD_FILE" ? "card" : "pin", staff_message(code, left),
                       json::object{{"pinRetriesLeft", left}});
    }
    auto out = present_to_central(presented->challenge, presented->certificate_pem, presented->signature,
                                  std::string(card::method_name(*method)), consent_of(*body));
    if (out.status != 200) {
      // Card errors from the central service carry the card's PIN state too.
      if (auto o = parse_object(out.body)) {
        (*o)["pinRetriesLeft"] = c.pin_retries_left();
        out.body = json::serialize(*o);
      }
    }
    return out;
  }

  // ---- 初回登録 at the reader (R-CARD-1) ----

  // Sends a PIN-signed presentation to POST /v1/card/links. 200 {"linked","alreadyLinked"}
  // (plus `label` when the terminal played the reader), or the card errors as for a
  // confirmation.
  http::Response link_at_central(const std::string& challenge, const std::string& certificate,
                                 const std::string& signature, const std::string& method, const std::string& label) {
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
      core::log_warn("terminal.card_link_refused", {{"code", code}, {"status", std::to_string(r->status)}});
      if (code.rfind("E_", 0) == 0 && code.find("CARD") == 2)
        return api_error(card_error_status(code), code, "", link_message(code));
      if (r->status >= 400 && r->status < 500 && !code.empty())  // e.g. E_CODE: 初回登録 needs the PIN
        return api_error(400, code, problem ? member(*problem, "field") : "",
                         problem ? member(*problem, "detail") : staff_message(code));
      return api_error(502, "E_TERMINAL_HTTP", "", staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
    }
    auto o = parse_object(r->body);
    const json::value* already = o ? o->if_contains("alreadyLinked") : nullptr;
    if (!o || !already || !already->is_bool())
      return api_error(502, "E_TERMINAL_RESPONSE", "", staff_message("E_TERMINAL_RESPONSE"));
    core::log_info("terminal.card_linked", {{"alreadyLinked", already->as_bool() ? "true" : "false"}});
    json::object out;
    out["linked"] = true;
    out["alreadyLinked"] = already->as_bool();
    if (!label.empty()) out["label"] = label;
    return json_response(200, json::serialize(out));
  }

  // `onshi card touch --link`: the card answered /api/reader/challenge after the PIN.
  http::Response reader_link(const http::Request& req) {
    auto parsed = reader_answer(req);
    if (auto* refusal = std::get_if<http::Response>(&parsed)) return std::move(*refusal);
    const auto& a = std::get<ReaderAnswer>(parsed);
    return link_at_central(a.challenge, a.certificate, a.signature, a.method, "");
  }

  // The terminal plays the reader with a card file from --cards: the card checks the PIN and
  // signs a fresh challenge, then the central service links it.
  http::Response card_link(const http::Request& req) {
    auto body = parse_object(req.body);
    if (!body) return bad_json();
    std::string id = member(*body, "card");
    auto path = card_path(id);
    if (!path) return api_error(404, "E_CARD_UNKNOWN", "card", "カード「" + id + "」は見つかりません");
    auto loaded = card::Card::load(*path);
    if (!loaded) {
      core::log_warn("terminal.card_link_refused", {{"code", loaded.error().code}});
      return api_error(card_error_status(loaded.error().code), loaded.error().code, "card",
                       staff_message(loaded.error().code));
    }
    card::Card c = std::move(*loaded);
    if (c.locked())
      return api_error(423, "E_CARD_LOCKED", "pin", link_message("E_CARD_LOCKED"), json::object{{"pinRetriesLeft", 0}});
    auto challenge = new_challenge();
    if (!challenge) return challenge_failed(challenge.error());
    auto presented = c.present(*challenge, card::Method::kPin, member(*body, "pin"));
    if (!presented) {
      const std::string& code = presented.error().code;
      int left = c.pin_retries_left();
      if (auto again = card::Card::load(*path)) left = again->pin_retries_left();
      core::log_warn("terminal.card_link_refused", {{"code", code}});
      return api_error(card_error_status(code), code, code == "E_CARD_FILE" ? "card" : "pin", link_message(code, left),
                       json::object{{"pinRetriesLeft", left}});
    }
    auto out = link_at_central(presented->challenge, presented->certificate_pem, presented->signature, "pin",
                               c.label());
    if (out.status != 200) {
      if (auto o = parse_object(out.body)) {
        (*o)["pinRetriesLeft"] = c.pin_retries_left();
        out.body = json::serialize(*o);
      }
    }
    return out;
  }

  std::optional<fs::path> card_path(const std::string& id) const {
    if (options.cards_dir.empty() || id.empty() || id.size() > 128 || id.front() == '.') return std::nullopt;
    for (char ch : id)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) return std::nullopt;
    fs::path p = options.cards_dir / (id + ".card");
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return std::nullopt;
    return p;
  }

  http::Response cards(const http::Request&) {
    json::array list;
    std::vector<fs::path> files;
    std::error_code ec;
    if (!options.cards_dir.empty())
      for (const auto& e : fs::directory_iterator(options.cards_dir, ec))
        if (e.path().extension() == ".card" && e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.stem() < b.stem(); });
    for (const auto& f : files) {
      auto c = card::Card::load(f);
      if (!c) {
        core::log_warn("terminal.card_unreadable", {{"file", f.filename().string()}, {"code", c.error().code}});
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

  // ---- numbers ----

  http::Response number_confirmation(const http::Request& req) {
    auto body = parse_object(req.body);
    if (!body) return bad_json();
    std::vector<FieldError> errors;
    // 保険者番号
    std::string insurer = core::normalize_card_field(member(*body, "insurerNumber"));
    insurer.erase(std::remove(insurer.begin(), insurer.end(), ' '), insurer.end());
    if (insurer.empty()) {
      errors.push_back({"insurerNumber", "E_EMPTY", "保険者番号を入力してください"});
    } else if (Status s = core::check_insurer_number(insurer); !s.ok()) {
      errors.push_back({"insurerNumber", s.error().code, s.error().message});
    }
    // 記号 (may be empty), 番号
    std::string symbol = core::normalize_card_field(member(*body, "symbol"));
    if (has_bad_character(symbol)) {
      errors.push_back({"symbol", "E_BAD_CHARACTER", "記号に使えない文字（●など）があります。保険証の記号をそのまま入力してください"});
    } else if (core::codepoint_count(symbol) > 20) {
      errors.push_back({"symbol", "E_LENGTH", "記号が長すぎます（20文字まで）"});
    }
    std::string number = core::normalize_card_field(member(*body, "number"));
    if (number.empty()) {
      errors.push_back({"number", "E_EMPTY", "番号を入力してください"});
    } else if (has_bad_character(number)) {
      errors.push_back({"number", "E_BAD_CHARACTER", "番号に使えない文字（●など）があります。保険証の番号をそのまま入力してください"});
    } else if (core::codepoint_count(number) > 20) {
      errors.push_back({"number", "E_LENGTH", "番号が長すぎます（20文字まで）"});
    }
    // 枝番: empty or two digits
    std::string branch = core::normalize_card_field(member(*body, "branch"));
    if (!branch.empty() && !(branch.size() == 2 && core::all_digits(branch)))
      errors.push_back({"branch", "E_BRANCH_NUMBER", "枝番は2桁の数字で入力してください（例 00、01）。ない場合は空欄にしてください"});
    // 生年月日
    core::Date today = core::Date::today_jst();
    auto birth = parse_birthdate_input(member(*body, "birthdate"));
    if (!birth) {
      errors.push_back({"birthdate", birth.error().code, birth.error().message});
    } else if (*birth > today) {
      errors.push_back({"birthdate", "E_DATE_FUTURE", "生年月日が未来の日付です"});
    }
    if (!errors.empty()) {
      json::array list;
      std::string fields;
      for (const auto& e : errors) {
        list.push_back(json::object{{"field", e.field}, {"code", e.code}, {"message", e.message}});
        fields += (fields.empty() ? "" : ",") + e.field;
      }
      core::log_info("terminal.numbers_invalid", {{"fields", fields}});
      return api_error(400, "E_VALIDATION", errors.front().field, "入力内容を確認してください",
                       json::object{{"errors", std::move(list)}});
    }
    const bool limit_consent = flag(*body, "limitConsent");
    oqs::ConfirmRequest request;
    request.header.qualification_confirmation_date = today.yyyymmdd();
    request.header.medical_institution_code = institution_code;
    request.search.insurer_number = core::pad_insurer_number(insurer);
    request.search.insured_card_symbol = symbol;
    request.search.insured_identification_number = number;
    request.search.insured_branch_number = branch;
    request.search.birthdate = birth->yyyymmdd();
    request.search.limit_application_certificate_related_cons_flg = limit_consent ? "1" : "0";
    auto xml = oqs::write_confirm_request_xml(request, core::Encoding::kUtf8);
    if (!xml) return api_error(400, xml.error().code, "", xml.error().message);
    auto r = central->request("POST", "/xml/OQSsiquc01", *xml, "application/xml");
    if (!r) {
      core::log_warn("terminal.central_error", {{"route", "numbers"}, {"code", r.error().code}});
      return central_unreachable(r.error());
    }
    if (r->status != 200) {
      std::string code = problem_code(r->body);
      core::log_warn("terminal.central_error", {{"route", "numbers"}, {"code", code}, {"status", std::to_string(r->status)}});
      return api_error(502, "E_TERMINAL_HTTP", "", staff_message(code.empty() ? "E_TERMINAL_HTTP" : code));
    }
    auto result = oqs::parse_confirm_result_xml(r->body);
    if (!result) return api_error(502, "E_TERMINAL_RESPONSE", "", staff_message("E_TERMINAL_RESPONSE"));
    if (result->header.segment_of_result == "9") {
      // The central service judged the request itself (e.g. its own check of a number).
      std::string message = result->header.error_message, field;
      if (auto p = message.find(": "); p != std::string::npos && p < 64) {
        field = message.substr(0, p);
        message = message.substr(p + 2);
      }
      core::log_info("terminal.numbers_refused", {{"code", result->header.error_code}});
      return api_error(400, result->header.error_code, field, message);
    }
    return finish("numbers", "", r->body, std::move(*result));
  }

  // ---- history ----

  http::Response history_list(const http::Request&) {
    json::array list;
    for (const auto& e : history->today()) {
      json::object o;
      o["id"] = e.id;
      o["time"] = e.time;
      o["route"] = e.route;
      o["method"] = e.method;
      std::string name, validity;
      if (auto r = oqs::parse_confirm_result_xml(e.document)) {
        if (!r->results.empty()) name = r->results.front().qualification.name;
        validity = r->qualification_validity;
      }
      o["name"] = name;
      o["validity"] = validity;
      o["validityLabel"] = validity_label(validity);
      o["file"] = e.file;
      list.push_back(std::move(o));
    }
    json::object out;
    out["date"] = history->date().yyyymmdd();
    out["entries"] = std::move(list);
    return json_response(200, json::serialize(out));
  }

  std::optional<HistoryEntry> entry_of(const http::Request& req) {
    std::string id = req.query_param("id");
    if (id.empty() || id.size() > 12 || !core::all_digits(id)) return std::nullopt;
    return history->find(std::stoll(id));
  }

  http::Response history_entry(const http::Request& req) {
    auto e = entry_of(req);
    if (!e) return api_error(404, "E_NOT_FOUND", "id", "本日の履歴にこの番号はありません");
    auto r = oqs::parse_confirm_result_xml(e->document);
    if (!r) return api_error(500, "E_TERMINAL_RESPONSE", "id", "保存された結果を読めません");
    ViewContext ctx{e->id, e->route, e->method, e->file};
    return json_response(200, render_view(*r, ctx, core::Date::today_jst()));
  }

  http::Response resend(const http::Request& req) {
    auto e = entry_of(req);
    if (!e) return api_error(404, "E_NOT_FOUND", "id", "本日の履歴にこの番号はありません");
    auto r = oqs::parse_confirm_result_xml(e->document);
    if (!r) return api_error(500, "E_TERMINAL_RESPONSE", "id", "保存された結果を読めません");
    auto f = write_face(*r);
    if (!f) return api_error(500, f.error().code, "", "face フォルダに書き込めません");
    core::log_info("terminal.resend", {{"historyId", std::to_string(e->id)}, {"file", *f}});
    json::object o;
    o["file"] = *f;
    return json_response(200, json::serialize(o));
  }

  http::Response info(const http::Request&) {
    core::Date today = core::Date::today_jst();
    json::object o;
    o["institutionCode"] = institution_code;
    o["central"] = central_url;
    // null until the start-up check has answered; then whether the last call got through.
    auto code = central->last_code();
    o["centralReachable"] = code ? json::value(code->empty()) : json::value(nullptr);
    if (code && !code->empty()) {
      o["centralCode"] = *code;
      o["centralMessage"] = staff_message(*code);
    }
    std::error_code ec;
    fs::path abs = fs::absolute(options.bridge.folder, ec);
    o["folder"] = (ec ? options.bridge.folder : abs.lexically_normal()).string();
    o["encoding"] = options.bridge.encoding == core::Encoding::kShiftJis ? "shift_jis" : "utf-8";
    o["today"] = today.yyyymmdd();
    o["todayWareki"] = core::to_wareki(today);
    return json_response(200, json::serialize(o));
  }

  // At start: can the central service be reached with this certificate? A terminal that
  // cannot is still useful (history, resend), so it runs, but says so in its log and header.
  void check_central() {
    auto r = central->request("GET", "/healthz", "", "");
    if (!r) {
      core::log_warn(
          "terminal.central_unreachable",
          {{"central", central_url}, {"code", r.error().code}, {"error", r.error().message}});
    } else if (r->status != 200) {
      core::log_warn("terminal.central_unhealthy", {{"central", central_url},
                                                    {"status", std::to_string(r->status)},
                                                    {"code", problem_code(r->body)}});
    } else {
      core::log_info("terminal.central_ok", {{"central", central_url}});
    }
  }

  http::Router router() {
    http::Router r;
    const std::vector<std::string> open{""};
    r.add("GET", "/", open, [](const http::Request&) {
      http::Response res;
      res.content_type = "text/html; charset=utf-8";
      res.body = std::string(reception_page_html());
      res.headers.emplace_back("Cache-Control", "no-store");
      return res;
    });
    r.add("GET", "/api/terminal", open, [this](const http::Request& q) { return info(q); });
    r.add("GET", "/api/cards", open, [this](const http::Request& q) { return cards(q); });
    r.add("POST", "/api/card-confirmations", open, [this](const http::Request& q) { return card_confirmation(q); });
    r.add("POST", "/api/reader/challenge", open, [this](const http::Request& q) { return reader_challenge(q); });
    r.add("POST", "/api/reader/present", open, [this](const http::Request& q) { return reader_present(q); });
    r.add("POST", "/api/card-links", open, [this](const http::Request& q) { return card_link(q); });
    r.add("POST", "/api/reader/link", open, [this](const http::Request& q) { return reader_link(q); });
    r.add("POST", "/api/number-confirmations", open,
          [this](const http::Request& q) { return number_confirmation(q); });
    r.add("GET", "/api/history", open, [this](const http::Request& q) { return history_list(q); });
    r.add("GET", "/api/history-entry", open, [this](const http::Request& q) { return history_entry(q); });
    r.add("POST", "/api/resend", open, [this](const http::Request& q) { return resend(q); });
    return r;
  }
};

Terminal::Terminal() : impl_(std::make_unique<Impl>()) {}
Terminal::~Terminal() { stop(); }

Result<std::unique_ptr<Terminal>> Terminal::open(TerminalOptions options) {
  if (!is_loopback_host(options.listen_host))
    return Error{"E_FLAG", "listen",
                 "受付画面は 127.0.0.1・::1・localhost でのみ待ち受けます（" + options.listen_host +
                     " は使えません）: the screen has patients' data and no login"};
  std::unique_ptr<Terminal> t(new Terminal());
  Impl& m = *t->impl_;
  m.institution_code = options.institution_code;
  if (m.institution_code.empty()) {
    std::string pem;
    if (!read_file(options.bridge.client.cert_file, pem) || pem.empty())
      return Error{"E_FILE", "cert.pem", "証明書 " + options.bridge.client.cert_file + " を読めません"};
    auto id = security::identity_of_pem(pem);
    if (!id) return id.error();
    if (id->role != security::Role::kInstitution)
      return Error{"E_CERT_SUBJECT", "cert.pem", "医療機関の証明書ではありません (OU=" +
                                                      std::string(security::role_name(id->role)) + ")"};
    m.institution_code = id->id;
  }
  m.central_url = options.central_url.empty() ? "https://" + options.bridge.client.host + ":" +
                                                    std::to_string(options.bridge.client.port)
                                              : options.central_url;
  std::error_code ec;
  fs::create_directories(options.bridge.folder, ec);
  auto lock = core::DirLock::acquire(options.bridge.folder, "terminal", "folder", "onshi terminal");
  if (!lock) return lock.error();
  m.folder_lock = std::move(*lock);
  auto bridge = Bridge::open(options.bridge);
  if (!bridge) return bridge.error();
  m.bridge = std::move(*bridge);
  auto history = History::open(options.bridge.folder / "history");
  if (!history) return history.error();
  m.history = std::move(*history);
  m.central = std::make_unique<ClientPool>(options.bridge.client);
  m.options = std::move(options);
  http::ServerOptions so;
  so.tls = false;
  so.host = m.options.listen_host == "[::1]" ? "::1" : m.options.listen_host;
  so.port = m.options.listen_port;
  so.threads = 2;
  so.max_body_bytes = 1 << 20;
  m.server = std::make_unique<http::Server>(so, m.router());
  return t;
}

Status Terminal::start() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->started) return Status::Fail("E_LISTEN", "", "terminal already started");
  if (Status s = impl_->server->start(); !s.ok()) return s;
  impl_->started = true;
  Impl* m = impl_.get();
  impl_->bridge_thread = std::thread([m] { m->bridge->run(m->bridge_stop); });
  impl_->central_check_thread = std::thread([m] { m->check_central(); });
  std::string port = std::to_string(impl_->server->port());
  core::log_info("terminal.screen", {{"host", impl_->options.listen_host}, {"port", port},
                                     {"institution", impl_->institution_code}});
  return Status::Ok();
}

uint16_t Terminal::port() const { return impl_->server->port(); }

void Terminal::wait() { impl_->server->wait(); }

void Terminal::handle_signals() { impl_->server->handle_signals(); }

void Terminal::stop() {
  if (!impl_) return;
  std::lock_guard lock(impl_->stop_mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->bridge_stop.store(true);
  if (impl_->bridge_thread.joinable()) impl_->bridge_thread.join();
  if (impl_->central_check_thread.joinable()) impl_->central_check_thread.join();
  impl_->server->stop();
}

const std::string& Terminal::institution_code() const { return impl_->institution_code; }

}  // namespace onshi::terminal
