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

#include "card/card.h"
#include "cli/commands.h"
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

}  // namespace

void register_card_touch(CLI::App& app) {
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
                    "同意する情報 (カンマ区切り): limit (限度額適用認定証), medication (薬剤情報), checkup (特定健診)");
  touch->add_flag("--link", a->link,
                  "資格確認ではなく初回登録 (健康保険証としての利用登録) をします。暗証番号が必要です");
  touch->callback([a] {
    auto fail = [](const std::string& code, const std::string& message, int exit_code) {
      std::cerr << "onshi card touch: " << code << ": " << message << "\n";
      g_exit_code = exit_code;
    };
    auto target = parse_terminal_url(a->terminal);
    if (!target) return fail(target.error().code, target.error().message, 2);
    auto method = card::parse_method(a->method);
    if (!method) return fail("E_FLAG", "--method は pin / face / visual のいずれかです", 2);
    if (a->link && *method != card::Method::kPin)
      return fail("E_FLAG", "初回登録 (--link) には暗証番号が必要です: --method pin (既定) と --pin を指定してください", 2);
    if (a->link && !a->consent.empty())
      return fail("E_FLAG", "--consent は資格確認のときだけ指定できます (--link では使えません)", 2);
    if (*method == card::Method::kPin && a->pin.empty())
      return fail("E_FLAG", "--method pin では --pin (4桁の暗証番号) が必要です", 2);
    json::object consent{{"limitApplication", false}, {"medication", false}, {"healthCheckup", false}};
    if (!a->consent.empty()) {
      std::string_view rest = a->consent;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (item == "limit") consent["limitApplication"] = true;
        else if (item == "medication") consent["medication"] = true;
        else if (item == "checkup") consent["healthCheckup"] = true;
        else if (!item.empty())
          return fail("E_FLAG", "--consent に使えるのは limit, medication, checkup です (" + std::string(item) + ")", 2);
      }
    }
    auto loaded = card::Card::load(a->card);
    if (!loaded) return fail(loaded.error().code, "カードファイル " + a->card + " を読めません: " + loaded.error().message, 2);
    card::Card c = std::move(*loaded);

    http::ClientOptions co;
    co.tls = false;
    co.host = target->first;
    co.port = target->second;
    co.timeout_ms = 30000;
    http::Client client(co);
    auto ch = client.request("POST", "/api/reader/challenge", "{}");
    if (!ch) return fail("E_CONNECT", "資格確認端末 " + a->terminal + " に接続できません: " + ch.error().message, 2);
    boost::system::error_code ec;
    auto chv = json::parse(ch->body, ec);
    if (ec || !chv.is_object()) return fail("E_TERMINAL_RESPONSE", "端末の応答を読めません", 1);
    if (ch->status != 200) return fail(json_string(chv.as_object(), "code"), json_string(chv.as_object(), "detail"), 1);
    std::string challenge = json_string(chv.as_object(), "challenge");
    if (challenge.empty()) return fail("E_TERMINAL_RESPONSE", "端末の応答にチャレンジがありません", 1);

    auto presented = c.present(challenge, *method, a->pin);
    if (!presented) {
      int left = c.pin_retries_left();
      if (auto again = card::Card::load(a->card)) left = again->pin_retries_left();
      const auto& e = presented.error();
      return fail(e.code, card_message(e, left, a->link), e.code == "E_CARD_PIN_FORMAT" ? 2 : 1);
    }
    json::object body;
    body["challenge"] = presented->challenge;
    body["certificate"] = presented->certificate_pem;
    body["signature"] = presented->signature;
    body["method"] = std::string(card::method_name(presented->method));
    if (a->link) {
      // R-CARD-1: 初回登録 at the reader.
      auto res = client.request("POST", "/api/reader/link", json::serialize(body));
      if (!res) return fail("E_CONNECT", "資格確認端末 " + a->terminal + " に接続できません: " + res.error().message, 2);
      auto answer = json::parse(res->body, ec);
      if (ec || !answer.is_object()) return fail("E_TERMINAL_RESPONSE", "端末の応答を読めません", 1);
      const auto& o = answer.as_object();
      if (res->status != 200) return fail(json_string(o, "code"), json_string(o, "detail"), 1);
      const auto* already = o.if_contains("alreadyLinked");
      const bool was_linked = already && already->is_bool() && already->as_bool();
      std::cout << "初回登録が完了しました。"
                << (was_linked ? "（このカードは既に登録済みでした。）" : "")
                << "このカードを健康保険証として利用できます (カード: " << c.label() << ")\n";
      g_exit_code = 0;
      return;
    }
    body["consent"] = consent;
    auto res = client.request("POST", "/api/reader/present", json::serialize(body));
    if (!res) return fail("E_CONNECT", "資格確認端末 " + a->terminal + " に接続できません: " + res.error().message, 2);
    auto view = json::parse(res->body, ec);
    if (ec || !view.is_object()) return fail("E_TERMINAL_RESPONSE", "端末の応答を読めません", 1);
    const auto& v = view.as_object();
    if (res->status != 200) return fail(json_string(v, "code"), json_string(v, "detail"), 1);

    std::string name;
    if (const auto* rs = v.if_contains("results"); rs && rs->is_array() && !rs->as_array().empty() &&
                                                   rs->as_array().front().is_object())
      name = json_string(rs->as_array().front().as_object(), "name");
    std::cout << "資格確認: " << (name.empty() ? std::string("(該当なし)") : name + " 様") << " — "
              << json_string(v, "validityLabel") << "\n";
    if (const auto* gs = v.if_contains("guidance"); gs && gs->is_array())
      for (const auto& g : gs->as_array())
        if (g.is_object()) std::cout << "  ※ " << json_string(g.as_object(), "title") << "\n";
    std::cout << "face ファイル: " << json_string(v, "file") << "\n";
    std::cout << res->body << "\n";
    g_exit_code = 0;
  });
}

}  // namespace onshi::cli
