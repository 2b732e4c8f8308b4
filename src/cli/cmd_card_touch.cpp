// onshi card touch — the patient touching the terminal's card reader: the card (a card file)
// answers the terminal's challenge after the PIN or a face / visual check. With --link it is
// 初回登録 at the reader instead (R-CARD-1): the PIN, then POST /api/reader/link.
//
// Steps: POST /api/reader/challenge to the terminal (plain HTTP on loopback), the card checks
// the PIN (a wrong one is counted in the card file) and signs, POST /api/reader/present with
// the signature and the consent; the terminal confirms with the central service, writes the
// face file and answers the View. Exit codes: 0 confirmed (a face file was written); 1 the
// card or the system refused (wrong PIN with the tries left, locked card, unlinked or revoked
// card, central service unreachable); 2 bad flags, a missing card file, or no terminal at
// --terminal. With --link: exit 0 linked (or already linked); 1 wrong PIN, locked card, nobody
// registered under the holder, revoked card; 2 as above, and --method other than pin or
// --consent with --link.
#include <boost/json.hpp>
#include <iostream>
#include <optional>

#include "card/card.h"
#include "cli/commands.h"
#include "cli/messages.h"
#include "core/json_read.h"
#include "http/client.h"

namespace onshi::cli {

namespace {

namespace json = boost::json;

struct TouchArgs {
  std::string terminal, card, pin, method = "pin", consent;
  bool link = false;
};

// "http://HOST:PORT[/]" → host, port.
Result<std::pair<std::string, uint16_t>> parse_terminal_url(std::string_view url) {
  auto parsed = http::parse_url(url, "http");
  if (!parsed)
    return Error{"E_FLAG", "terminal", "--terminal は http://127.0.0.1:PORT の形で指定してください"};
  return parsed;
}

using core::json_string;

// The card's own refusals, in Japanese.
std::string card_message(const Error& e, int left, bool link) {
  if (link && e.code == "E_CARD_LOCKED")
    return "暗証番号を3回間違えたため、カードがロックされています。初回登録には暗証番号が必要です。"
           "ロックの解除は市区町村の窓口で行います。";
  if (e.code == "E_CARD_PIN")
    return "暗証番号が違います。あと" + std::to_string(left) + "回間違えるとカードがロックされます。";
  if (e.code == "E_CARD_LOCKED")
    return "暗証番号を3回間違えたため、カードがロックされています。顔認証 (--method face) または目視確認 "
           "(--method visual) で確認してください。ロックの解除は市区町村の窓口で行います。";
  if (e.code == "E_CARD_PIN_FORMAT") return "暗証番号は4桁の数字です。";
  return "カードを読み取れません: " + e.message;
}

// Where a touch stops: what to print and the exit code.
struct Stop {
  std::string code, message;
  int exit_code = 1;
};

int stop(const Stop& s) {
  print_error(std::cerr, "onshi card touch", Error{s.code, "", s.message});
  return s.exit_code;
}

// The flags that do not fit together (all exit 2).
std::optional<Stop> check_flags(const TouchArgs& a, card::Method method) {
  if (a.link && method != card::Method::kPin)
    return Stop{
        "E_FLAG",
        "初回登録 (--link) には暗証番号が必要です: --method pin (既定) と --pin を指定してください",
        2};
  if (a.link && !a.consent.empty())
    return Stop{"E_FLAG", "--consent は資格確認のときだけ指定できます (--link では使えません)", 2};
  if (method == card::Method::kPin && a.pin.empty())
    return Stop{"E_FLAG", "--method pin では --pin (4桁の暗証番号) が必要です", 2};
  return std::nullopt;
}

// --consent "limit,medication,checkup,treatment,surgery" → the View's consent object.
std::optional<Stop> parse_consent(const std::string& list, json::object& consent) {
  consent = {{"limitApplication", false}, {"medication", false}, {"healthCheckup", false},
             {"treatment", false},        {"surgery", false}};
  std::string_view rest = list;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item == "limit")
      consent["limitApplication"] = true;
    else if (item == "medication")
      consent["medication"] = true;
    else if (item == "checkup")
      consent["healthCheckup"] = true;
    else if (item == "treatment" || item == "surgery")
      consent[item] = true;
    else if (!item.empty())
      return Stop{
          "E_FLAG",
          "--consent に使えるのは limit, medication, checkup, treatment, surgery です (" +
              std::string(item) + ")",
          2};
  }
  return std::nullopt;
}

// POSTs `body` to the terminal and reads its JSON answer (and its text, into `raw` when
// given); stops when the terminal cannot be reached (2), answers something unreadable or
// refuses (1).
std::optional<Stop> post(http::Client& client, const std::string& terminal, const char* path,
                         const std::string& body, json::object& answer,
                         std::string* raw = nullptr) {
  auto res = client.request("POST", path, body);
  if (!res)
    return Stop{"E_CONNECT",
                "資格確認端末 " + terminal + " に接続できません: " + res.error().message, 2};
  boost::system::error_code ec;
  auto v = json::parse(res->body, ec);
  if (ec || !v.is_object()) return Stop{"E_TERMINAL_RESPONSE", "端末の応答を読めません", 1};
  answer = std::move(v.as_object());
  if (raw) *raw = res->body;
  if (res->status != 200)
    return Stop{json_string(answer, "code"), json_string(answer, "detail"), 1};
  return std::nullopt;
}

// The card answers the terminal's challenge; the body of /present or /link, or why not.
std::optional<Stop> answer_challenge(const TouchArgs& a, card::Card& c, card::Method method,
                                     const std::string& challenge, json::object& body) {
  auto presented = c.present(challenge, method, a.pin);
  if (!presented) {
    int left = c.pin_retries_left();
    if (auto again = card::Card::load(a.card)) left = again->pin_retries_left();
    const auto& e = presented.error();
    return Stop{e.code, card_message(e, left, a.link), e.code == "E_CARD_PIN_FORMAT" ? 2 : 1};
  }
  body["challenge"] = presented->challenge;
  body["certificate"] = presented->certificate_pem;
  body["signature"] = presented->signature;
  body["method"] = std::string(card::method_name(presented->method));
  return std::nullopt;
}

// Prints the confirmation the terminal answered (the View `v`), then the View's text.
void print_view(const json::object& v, const std::string& raw) {
  std::string name;
  if (const auto* rs = v.if_contains("results");
      rs && rs->is_array() && !rs->as_array().empty() && rs->as_array().front().is_object())
    name = json_string(rs->as_array().front().as_object(), "name");
  std::cout << "資格確認: " << (name.empty() ? std::string("(該当なし)") : name + " 様") << " — "
            << json_string(v, "validityLabel") << "\n";
  if (const auto* gs = v.if_contains("guidance"); gs && gs->is_array())
    for (const auto& g : gs->as_array())
      if (g.is_object()) std::cout << "  ※ " << json_string(g.as_object(), "title") << "\n";
  std::cout << "face ファイル: " << json_string(v, "file") << "\n";
  std::cout << raw << "\n";
}

int run_touch(const TouchArgs& a) {
  auto target = parse_terminal_url(a.terminal);
  if (!target) return stop({target.error().code, target.error().message, 2});
  auto method = card::parse_method(a.method);
  if (!method) return stop({"E_FLAG", "--method は pin / face / visual のいずれかです", 2});
  json::object consent;
  if (auto s = check_flags(a, *method)) return stop(*s);
  if (auto s = parse_consent(a.consent, consent)) return stop(*s);
  auto loaded = card::Card::load(a.card);
  if (!loaded)
    return stop({loaded.error().code,
                 "カードファイル " + a.card + " を読めません: " + loaded.error().message, 2});
  card::Card c = std::move(*loaded);

  http::ClientOptions co;
  co.tls = false;
  co.host = target->first;
  co.port = target->second;
  co.timeout_ms = 30000;
  http::Client client(co);
  json::object ch, body, answer;
  if (auto s = post(client, a.terminal, "/api/reader/challenge", "{}", ch)) return stop(*s);
  std::string challenge = json_string(ch, "challenge");
  if (challenge.empty())
    return stop({"E_TERMINAL_RESPONSE", "端末の応答にチャレンジがありません", 1});
  if (auto s = answer_challenge(a, c, *method, challenge, body)) return stop(*s);
  if (a.link) {
    // R-CARD-1: 初回登録 at the reader.
    if (auto s = post(client, a.terminal, "/api/reader/link", json::serialize(body), answer))
      return stop(*s);
    const auto* already = answer.if_contains("alreadyLinked");
    const bool was_linked = already && already->is_bool() && already->as_bool();
    std::cout << "初回登録が完了しました。"
              << (was_linked ? "（このカードは既に登録済みでした。）" : "")
              << "このカードを健康保険証として利用できます (カード: " << c.label() << ")\n";
    return 0;
  }
  body["consent"] = consent;
  std::string raw;
  if (auto s = post(client, a.terminal, "/api/reader/present", json::serialize(body), answer, &raw))
    return stop(*s);
  print_view(answer, raw);
  return 0;
}

}  // namespace

void register_card_touch(CLI::App& app, Commands& commands) {
  CLI::App* card = nullptr;
  for (CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == "card") card = sub;
  if (!card) card = app.add_subcommand("card", "マイナンバーカード (模擬)");
  CLI::App* touch =
      card->add_subcommand("touch", "カードリーダーにカードをかざします. Presents a card to a terminal.");
  auto a = std::make_shared<TouchArgs>();
  touch->add_option("--terminal", a->terminal, "資格確認端末の受付画面 http://127.0.0.1:PORT (onshi terminal が表示)")
      ->required();
  touch->add_option("--card", a->card, "カードファイル (onshi card issue --out で作成)")->required();
  touch->add_option("--pin", a->pin, "暗証番号 (4桁; --method pin のとき)");
  touch->add_option("--method", a->method, "本人確認の方法 pin | face | visual")->capture_default_str();
  touch->add_option("--consent", a->consent,
                    "同意する情報 (カンマ区切り): limit (限度額適用認定証), medication (薬剤情報), checkup (特定健診), "
                    "treatment (診療情報), surgery (手術情報)");
  touch->add_flag("--link", a->link,
                  "資格確認ではなく初回登録 (健康保険証としての利用登録) をします。暗証番号が必要です");
  commands.on_run(touch, [a] { return run_touch(*a); });
}

}  // namespace onshi::cli
