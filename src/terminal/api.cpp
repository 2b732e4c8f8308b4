// The terminal's JSON API answers (detail.h): JSON bodies, errors as problem+json in the
// central service's shape (type, title, status, code, field, detail — http/problem.h) with
// the terminal's own extensions (pinRetriesLeft, errors), and the Japanese messages the
// front desk reads, one per error code. Codes are stable; messages may be reworded.
#include <boost/json.hpp>

#include "http/problem.h"
#include "terminal/detail.h"

namespace onshi::terminal {

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response api_error(int status, const std::string& code, const std::string& field,
                         const std::string& detail, json::object extensions) {
  http::Response r = http::problem(status, Error{code, field, detail}, extensions);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::optional<json::object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

http::Response bad_json() {
  return api_error(400, "E_JSON_SYNTAX", "",
                   "要求の形式が正しくありません（JSON オブジェクトを送ってください）");
}

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

Consent consent_of(const json::object& body) {
  Consent c;
  if (const auto* v = body.if_contains("consent"); v && v->is_object()) {
    c.limit = flag(v->as_object(), "limitApplication");
    c.medication = flag(v->as_object(), "medication");
    c.checkup = flag(v->as_object(), "healthCheckup");
    c.treatment = flag(v->as_object(), "treatment");
    c.surgery = flag(v->as_object(), "surgery");
  }
  return c;
}

json::object consent_json(const Consent& c) {
  json::object o;
  o["limitApplication"] = c.limit;
  o["medication"] = c.medication;
  o["healthCheckup"] = c.checkup;
  o["treatment"] = c.treatment;
  o["surgery"] = c.surgery;
  return o;
}

bool central_unreachable_code(std::string_view code) {
  return code == "E_CONNECT" || code == "E_TLS" || code == "E_HTTP";
}

std::string staff_message(const std::string& code, int retries_left) {
  if (code == "E_CARD_PIN")
    return "暗証番号が違います。" +
           (retries_left >= 0
                ? "あと" + std::to_string(retries_left) + "回間違えるとカードがロックされます。"
                : std::string()) +
           "もう一度入力していただくか、顔認証または目視確認に切り替えてください。";
  if (code == "E_CARD_LOCKED")
    return "暗証番号を3回間違えたため、カードの暗証番号がロックされています。顔認証または目視確認で"
           "確認してください"
           "（ロックの解除はお住まいの市区町村の窓口で行います）。";
  if (code == "E_CARD_PIN_FORMAT") return "暗証番号は4桁の数字で入力してください。";
  if (code == "E_CARD_NOT_LINKED")
    return "このマイナンバーカードは健康保険証としての利用登録（初回登録）がされていません。カード"
           "リーダーまたは"
           "マイナポータルで利用登録をしていただくか、資格確認書・保険証で確認してください。";
  if (code == "E_CARD_REVOKED")
    return "このカードの電子証明書は失効しています（紛失・再発行など）。資格確認書・保険証で確認し"
           "てください。";
  if (code == "E_CARD_EXPIRED")
    return "このカードの電子証明書は有効期限が切れています。市区町村で更新の手続きが必要です。資格"
           "確認書・保険証で確認"
           "してください。";
  if (code == "E_CARD_CERT")
    return "カードの電子証明書を確認できませんでした。資格確認書・保険証で確認してください。";
  if (code == "E_CARD_SIGNATURE")
    return "カードの読み取りに失敗しました。もう一度カードをカードリーダーに置いてください。";
  if (code == "E_CARD_CHALLENGE")
    return "読み取りの有効時間が過ぎました。もう一度カードをカードリーダーに置いてください。";
  if (code == "E_CARD_UNKNOWN") return "このカードは登録されていません。";
  if (code == "E_CARD_NO_QUALIFICATION")
    return "このカードに結び付く資格が登録されていません。保険者に個人番号が未提出の場合などがあります。"
           "資格確認書・保険証で確認してください。";
  if (code == "E_CARD_FILE") return "カードを読み取れません。もう一度カードを置いてください。";
  if (central_unreachable_code(code))
    return "オンライン資格確認等システムに接続できません。しばらくしてからもう一度お試しください。"
           "つながらない場合は"
           "保険証・資格確認書で確認してください。";
  return "資格確認ができませんでした（" + code + "）。もう一度お試しください。";
}

std::string link_message(const std::string& code, int retries_left) {
  if (code == "E_CARD_PIN")
    return "暗証番号が違います。" +
           (retries_left >= 0
                ? "あと" + std::to_string(retries_left) + "回間違えるとカードがロックされます。"
                : std::string()) +
           "初回登録には暗証番号が必要です。もう一度入力してください。";
  if (code == "E_CARD_LOCKED")
    return "暗証番号を3回間違えたため、カードの暗証番号がロックされています。初回登録には暗証番号が"
           "必要です。"
           "ロックの解除はお住まいの市区町村の窓口で行います。今回は資格確認書・保険証で確認してく"
           "ださい。";
  if (code == "E_CARD_NO_QUALIFICATION")
    return "このカードの持ち主の資格情報がまだ登録されていない（保険者に個人番号が未提出の場合など）ため、"
           "初回登録できません。加入している保険者にお問い合わせいただくよう案内し、今回は資格確認書・"
           "保険証の記号・番号で確認してください。";
  return staff_message(code, retries_left);
}

int card_error_status(const std::string& code) {
  if (code == "E_CARD_PIN" || code == "E_CARD_PIN_FORMAT") return 400;
  if (code == "E_CARD_LOCKED") return 423;
  if (code == "E_CARD_UNKNOWN") return 404;
  if (code == "E_CARD_FILE") return 500;
  return 403;  // E_CARD_NOT_LINKED, E_CARD_REVOKED, E_CARD_CERT, E_CARD_EXPIRED, E_CARD_SIGNATURE,
               // …
}

http::Response central_unreachable(const Error& e) {
  std::string code = e.code == "E_TLS" ? "E_TLS" : "E_CONNECT";
  return api_error(502, code, "", staff_message(code));
}

}  // namespace onshi::terminal
