// The institution terminal end to end: a real central service (in process, mTLS on port 0)
// and real `onshi terminal` processes on `--listen 127.0.0.1:0`, driven over plain HTTP like
// the reception screen drives them — number confirmation with per-field validation, each
// validity state with its guidance, consent on/off, 和暦 input, history, resend and restart,
// card confirmation with face files (Shift_JIS), `onshi card touch` exit codes, 初回登録 at
// the reader (/api/card-links, `onshi card touch --link`), and the My Number never shown.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <regex>

#include "card/card.h"
#include "core/numbers.h"
#include "core/text.h"
#include "terminal/terminal_fixture.h"

namespace onshi::terminal {
namespace {

using namespace testing;
namespace json = boost::json;

class TerminalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    central_ = new Central("terminal-api");
    ASSERT_TRUE(central_->ok());
    folder_ = new fs::path(central_->dir() / "OQS");
    stderr_ = new fs::path(central_->dir() / "terminal.err");
    term_ = new TerminalProcess(central_->terminal_args(*folder_), *stderr_);
    ASSERT_NE(term_->port(), 0) << term_->line() << slurp(*stderr_);
  }
  static void TearDownTestSuite() {
    // R-CONF-1: the My Number never reaches the terminal, so it is in none of its logs.
    term_->stop();
    std::string log = slurp(*stderr_);
    for (const auto& n : kMyNumbers) EXPECT_EQ(log.find(n), std::string::npos) << n;
    EXPECT_EQ(log.find("山田"), std::string::npos) << "names are not logged";
    delete term_;
    delete stderr_;
    delete folder_;
    delete central_;
  }

  // A request to the shared terminal; the body is checked for My Numbers on the way.
  static http::ClientResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                                   const TerminalProcess* t = nullptr) {
    auto c = (t ? t : term_)->client();
    auto r = c.request(method, target, body, "application/json");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    for (const auto& n : kMyNumbers) EXPECT_EQ(r->body.find(n), std::string::npos) << target;
    return *r;
  }
  static json::object obj(const http::ClientResponse& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  static std::string s(const json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : "<none>"; }
  static std::string numbers(const std::string& insurer, const std::string& symbol, const std::string& number,
                             const std::string& branch, const std::string& birth, bool consent) {
    json::object o{{"insurerNumber", insurer}, {"symbol", symbol},    {"number", number},
                   {"branch", branch},         {"birthdate", birth}, {"limitConsent", consent}};
    return json::serialize(o);
  }
  static json::object first_result(const json::object& view) {
    const auto* rs = view.if_contains("results");
    if (!rs || !rs->is_array() || rs->as_array().empty()) return {};
    return rs->as_array().front().as_object();
  }
  static std::vector<std::string> guidance_cases(const json::object& view) {
    std::vector<std::string> out;
    if (const auto* g = view.if_contains("guidance"); g && g->is_array())
      for (const auto& x : g->as_array()) out.push_back(s(x.as_object().if_contains("case")));
    return out;
  }

  static Central* central_;
  static fs::path* folder_;
  static fs::path* stderr_;
  static TerminalProcess* term_;
};

Central* TerminalTest::central_ = nullptr;
fs::path* TerminalTest::folder_ = nullptr;
fs::path* TerminalTest::stderr_ = nullptr;
TerminalProcess* TerminalTest::term_ = nullptr;

TEST_F(TerminalTest, PrintsTheScreenUrlAndServesThePage) {
  EXPECT_NE(term_->line().find("\"screen\":\"http://127.0.0.1:" + std::to_string(term_->port()) + "/\""),
            std::string::npos);
  auto page = call("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.content_type.find("text/html"), std::string::npos);
  EXPECT_EQ(obj(call("GET", "/healthz"))["status"], "ok");
  auto info = obj(call("GET", "/api/terminal"));
  EXPECT_EQ(info["institutionCode"], kClinic);
  EXPECT_EQ(s(info.if_contains("central")), central_->url());
  EXPECT_EQ(info["encoding"], "utf-8");
  EXPECT_EQ(s(info.if_contains("today")).size(), 8u);
  EXPECT_NE(s(info.if_contains("todayWareki")).find("令和"), std::string::npos);
}

// R-CONF-2, R-CONF-3, R-CONF-4: typed numbers, the seed screen's fields, the limit certificate
// with consent.
TEST_F(TerminalTest, NumbersWithConsentShowTheLimitCertificate) {
  auto r = call("POST", "/api/number-confirmations", numbers("06139992", "1234", "5678", "00", "19800515", true));
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = obj(r);
  EXPECT_EQ(v["route"], "numbers");
  EXPECT_EQ(v["referenceClassification"], "2");
  EXPECT_EQ(v["validity"], "1");
  EXPECT_EQ(v["validityLabel"], "有効");
  EXPECT_EQ(v["state"], "valid");
  EXPECT_EQ(v["file"], "");
  EXPECT_TRUE(v["guidance"].as_array().empty());
  auto p = first_result(v);
  EXPECT_EQ(p["name"], "山田　太郎");
  EXPECT_EQ(p["nameKana"], "ヤマダ　タロウ");
  EXPECT_EQ(p["sex"], "男");
  EXPECT_EQ(p["birthdateWareki"], "昭和55年5月15日");
  EXPECT_TRUE(p["age"].is_int64());
  EXPECT_EQ(p["insurerName"], "オンシ電機健康保険組合");
  EXPECT_EQ(p["patientCategory"], "健康保険組合 本人 3割");
  EXPECT_EQ(p["qualificationDate"], "平成22年4月1日");
  ASSERT_TRUE(p["limit"].is_object()) << r.body;
  EXPECT_EQ(p["limit"].as_object()["classification"], "ウ");
  EXPECT_EQ(p["limit"].as_object()["certificate"], "限度額適用認定証");
  EXPECT_TRUE(p.contains("specificDiseases"));
  EXPECT_EQ(v["consents"].as_object()["limitApplication"].as_object()["given"], true);
}

// R-CONF-4: without consent, no limit block and no specific-disease list.
TEST_F(TerminalTest, NumbersWithoutConsentHideTheLimitCertificate) {
  auto r = call("POST", "/api/number-confirmations", numbers("06139992", "1234", "5678", "00", "19800515", false));
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = obj(r);
  auto p = first_result(v);
  EXPECT_TRUE(p["limit"].is_null());
  EXPECT_FALSE(p.contains("specificDiseases"));
  EXPECT_EQ(v["consents"].as_object()["limitApplication"].as_object()["given"], false);
}

// R-CONF-2: the birth date as YYYYMMDD, YYYY-MM-DD or 和暦; full-width digits are normalised.
TEST_F(TerminalTest, BirthDateInWarekiAndOtherForms) {
  for (std::string birth : {"S55.5.15", "昭和55年5月15日", "1980-05-15", "s55/05/15", "１９８００５１５"}) {
    auto r = call("POST", "/api/number-confirmations", numbers("06139992", "１２３４", "5678", "00", birth, false));
    ASSERT_EQ(r.status, 200) << birth << " " << r.body;
    EXPECT_EQ(obj(r)["validity"], "1") << birth;
  }
}

// R-CONF-2, R-REG-4: every field is checked before anything is sent; nothing reaches the
// central service (it answers no request, so it audits none).
TEST_F(TerminalTest, ValidationErrorsPerFieldAndNothingSent) {
  long before = central_->answered("/xml/OQSsiquc01");
  ASSERT_GE(before, 0);
  auto r = call("POST", "/api/number-confirmations", numbers("06139993", "12●4", "", "1", "S64.1.8", false));
  ASSERT_EQ(r.status, 400) << r.body;
  auto v = obj(r);
  EXPECT_EQ(v["code"], "E_VALIDATION");
  EXPECT_EQ(v["detail"], "入力内容を確認してください");
  std::map<std::string, std::string> by_field;
  for (const auto& e : v["errors"].as_array())
    by_field[s(e.as_object().if_contains("field"))] = s(e.as_object().if_contains("code"));
  EXPECT_EQ(by_field["insurerNumber"], "E_CHECK_DIGIT");
  EXPECT_EQ(by_field["symbol"], "E_BAD_CHARACTER");
  EXPECT_EQ(by_field["number"], "E_EMPTY");
  EXPECT_EQ(by_field["branch"], "E_BRANCH_NUMBER");
  EXPECT_EQ(by_field["birthdate"], "E_DATE_INVALID");
  for (const auto& [body, field, code] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {numbers("", "1234", "5678", "00", "19800515", false), "insurerNumber", "E_EMPTY"},
           {numbers("0613999", "1234", "5678", "00", "19800515", false), "insurerNumber", "E_LENGTH"},
           {numbers("06139992", "1234", "5678", "00", "", false), "birthdate", "E_EMPTY"},
           {numbers("06139992", "1234", "5678", "00", "1980515", false), "birthdate", "E_DATE_FORMAT"},
           {numbers("06139992", "1234", "5678", "00", "20991231", false), "birthdate", "E_DATE_FUTURE"},
           {numbers("06139992", "1234", "5678", "001", "19800515", false), "branch", "E_BRANCH_NUMBER"}}) {
    auto e = obj(call("POST", "/api/number-confirmations", body));
    ASSERT_EQ(e["errors"].as_array().size(), 1u) << body;
    EXPECT_EQ(s(e["errors"].as_array()[0].as_object().if_contains("field")), field) << body;
    EXPECT_EQ(s(e["errors"].as_array()[0].as_object().if_contains("code")), code) << body;
  }
  // A valid request afterwards is the only one the central service sees (same keep-alive
  // connection, so its count is complete once this answer is here).
  auto ok = call("POST", "/api/number-confirmations", numbers("06139992", "1234", "5678", "00", "19800515", false));
  ASSERT_EQ(ok.status, 200);
  long after = before;
  for (int i = 0; i < 200 && after < before + 1; ++i) {
    after = central_->answered("/xml/OQSsiquc01");
    if (after < before + 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(after, before + 1);
}

// R-CONF-7: 無効 (lost, no newer qualification) with what to do.
TEST_F(TerminalTest, Validity2InvalidWithGuidance) {
  auto v = obj(call("POST", "/api/number-confirmations", numbers("131045", "01", "234999", "00", "19600303", false)));
  EXPECT_EQ(v["validity"], "2");
  EXPECT_EQ(v["validityLabel"], "無効");
  EXPECT_EQ(v["state"], "invalid");
  EXPECT_EQ(guidance_cases(v), std::vector<std::string>{"invalid"});
  EXPECT_NE(s(v["guidance"].as_array()[0].as_object().if_contains("text")).find("資格確認書"), std::string::npos);
  EXPECT_NE(first_result(v)["disqualificationDate"].as_string().find("年"), std::string::npos);
}

// R-CONF-7: the old card of someone who changed insurer.
TEST_F(TerminalTest, Validity3InvalidNewerWithGuidance) {
  auto v = obj(call("POST", "/api/number-confirmations", numbers("01130012", "3050021", "7", "00", "S60.1.25", false)));
  EXPECT_EQ(v["validity"], "3");
  EXPECT_EQ(v["validityLabel"], "無効（新しい資格あり）");
  EXPECT_EQ(v["state"], "invalid-newer");
  EXPECT_EQ(guidance_cases(v), std::vector<std::string>{"invalid-newer"});
}

// R-CONF-7: no such qualification — check the numbers; the new insurer may lag (申立書).
TEST_F(TerminalTest, Validity4NotFoundWithGuidance) {
  auto v = obj(call("POST", "/api/number-confirmations", numbers("06139992", "1234", "9999", "00", "19800515", false)));
  EXPECT_EQ(v["validity"], "4");
  EXPECT_EQ(v["validityLabel"], "該当資格なし");
  EXPECT_EQ(v["state"], "not-found");
  EXPECT_TRUE(v["results"].as_array().empty());
  EXPECT_EQ(guidance_cases(v), std::vector<std::string>{"not-found"});
  EXPECT_NE(s(v["guidance"].as_array()[0].as_object().if_contains("text")).find("被保険者資格申立書"),
            std::string::npos);
}

// R-CONF-7: twins on one card without the 枝番 → enter the 枝番.
TEST_F(TerminalTest, Validity5MultipleAsksForTheBranchNumber) {
  auto v = obj(call("POST", "/api/number-confirmations", numbers("06139992", "1234", "7777", "", "20100101", false)));
  EXPECT_EQ(v["validity"], "5");
  EXPECT_EQ(v["validityLabel"], "複数該当");
  EXPECT_EQ(v["state"], "multiple");
  EXPECT_EQ(guidance_cases(v), std::vector<std::string>{"multiple"});
  auto one = obj(call("POST", "/api/number-confirmations", numbers("06139992", "1234", "7777", "02", "20100101", false)));
  EXPECT_EQ(one["validity"], "1");
  EXPECT_EQ(first_result(one)["name"], "双子　二郎");
  EXPECT_EQ(first_result(one)["patientCategory"], "健康保険組合 家族 3割");
}

// R-CONF-7: a 国保 member with a 被保険者資格証明書.
TEST_F(TerminalTest, CertificateHolderGuidance) {
  auto v = obj(call("POST", "/api/number-confirmations", numbers("131045", "01", "300001", "00", "19700707", false)));
  EXPECT_EQ(v["validity"], "1");
  EXPECT_EQ(first_result(v)["cardClassification"], "被保険者資格証明書");
  EXPECT_EQ(first_result(v)["patientCategory"], "国民健康保険 本人 3割");
  EXPECT_EQ(guidance_cases(v), std::vector<std::string>{"certificate-holder"});
  EXPECT_NE(s(v["guidance"].as_array()[0].as_object().if_contains("text")).find("10割"), std::string::npos);
}

// R-CONF-3: 患者区分 for the 高齢受給者 and 後期 demo members.
TEST_F(TerminalTest, PatientCategoryForElderlyMembers) {
  auto list = obj(call("GET", "/api/terminal"));
  int year = std::stoi(s(list.if_contains("today")).substr(0, 4));
  auto late = obj(call("POST", "/api/number-confirmations",
                       numbers("39130000", "", "12345674", "", std::to_string(year - 80) + "0210", false)));
  ASSERT_EQ(late["validity"], "1");
  EXPECT_EQ(first_result(late)["patientCategory"], "後期高齢者医療 本人 1割");
  auto elderly = obj(call("POST", "/api/number-confirmations",
                          numbers("01130012", "4120135", "21", "00", std::to_string(year - 72) + "0610", false)));
  ASSERT_EQ(elderly["validity"], "1");
  EXPECT_EQ(first_result(elderly)["patientCategory"], "協会けんぽ 本人 2割");
  EXPECT_EQ(first_result(elderly)["elderly"].as_object()["ratio"], "2割");
}

// R-CONF-1: the terminal plays the reader with a card from --cards; the face file appears.
TEST_F(TerminalTest, CardConfirmationWritesAFaceFile) {
  auto cards = obj(call("GET", "/api/cards"));
  std::vector<std::string> ids;
  for (const auto& c : cards["cards"].as_array()) ids.push_back(s(c.as_object().if_contains("id")));
  EXPECT_EQ(ids, (std::vector<std::string>{"ito", "sato", "suzuki", "takahashi", "tanaka", "yamada"}));
  EXPECT_EQ(cards["cards"].as_array().back().as_object()["label"], "山田 太郎");

  json::object body{{"card", "yamada"},
                    {"method", "pin"},
                    {"pin", "1234"},
                    {"consent", json::object{{"limitApplication", true}, {"medication", true}, {"healthCheckup", false}}}};
  auto r = call("POST", "/api/card-confirmations", json::serialize(body));
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = obj(r);
  EXPECT_EQ(v["route"], "card");
  EXPECT_EQ(v["method"], "pin");
  EXPECT_EQ(v["referenceClassification"], "1");
  EXPECT_EQ(v["validity"], "1");
  EXPECT_EQ(first_result(v)["name"], "山田　太郎");
  EXPECT_TRUE(first_result(v)["limit"].is_object());
  std::string file = s(v.if_contains("file"));
  EXPECT_TRUE(std::regex_match(file, std::regex("face/OQSsiquc01res_face_1310112345[0-9a-f]{20}_[0-9]{14}\\.xml")))
      << file;
  std::string xml = slurp(*folder_ / file);
  EXPECT_NE(xml.find("encoding=\"UTF-8\""), std::string::npos);
  EXPECT_NE(xml.find("<ReferenceClassification>1</ReferenceClassification>"), std::string::npos);
  EXPECT_NE(xml.find("<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"), std::string::npos);
  for (const auto& n : kMyNumbers) EXPECT_EQ(xml.find(n), std::string::npos);

  // Face check without consent: no limit block.
  json::object face{{"card", "yamada"}, {"method", "face"}};
  auto f = obj(call("POST", "/api/card-confirmations", json::serialize(face)));
  EXPECT_EQ(f["method"], "face");
  EXPECT_TRUE(first_result(f)["limit"].is_null());
}

TEST_F(TerminalTest, CardRefusals) {
  auto unknown = call("POST", "/api/card-confirmations", R"({"card":"nobody","method":"pin","pin":"1234"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(obj(unknown)["code"], "E_CARD_UNKNOWN");
  auto traversal = call("POST", "/api/card-confirmations", R"({"card":"../clinic/cert","method":"pin","pin":"1234"})");
  EXPECT_EQ(traversal.status, 404);
  // 初回登録 not done.
  auto unlinked = call("POST", "/api/card-confirmations", R"({"card":"sato","method":"pin","pin":"1234"})");
  EXPECT_EQ(unlinked.status, 403);
  EXPECT_EQ(obj(unlinked)["code"], "E_CARD_NOT_LINKED");
  EXPECT_NE(s(obj(unlinked).if_contains("detail")).find("利用登録"), std::string::npos);
  auto revoked = call("POST", "/api/card-confirmations", R"({"card":"ito","method":"pin","pin":"1234"})");
  EXPECT_EQ(revoked.status, 403);
  EXPECT_EQ(obj(revoked)["code"], "E_CARD_REVOKED");
  // Wrong PINs count down, the third locks; face recognition still works on a locked card.
  auto w1 = obj(call("POST", "/api/card-confirmations", R"({"card":"takahashi","method":"pin","pin":"9999"})"));
  EXPECT_EQ(w1["code"], "E_CARD_PIN");
  EXPECT_EQ(w1["pinRetriesLeft"], 2);
  EXPECT_NE(s(w1.if_contains("detail")).find("あと2回"), std::string::npos);
  auto w2 = obj(call("POST", "/api/card-confirmations", R"({"card":"takahashi","method":"pin","pin":"9999"})"));
  EXPECT_EQ(w2["pinRetriesLeft"], 1);
  auto w3 = call("POST", "/api/card-confirmations", R"({"card":"takahashi","method":"pin","pin":"9999"})");
  EXPECT_EQ(w3.status, 423);
  EXPECT_EQ(obj(w3)["code"], "E_CARD_LOCKED");
  EXPECT_EQ(obj(w3)["pinRetriesLeft"], 0);
  auto w4 = call("POST", "/api/card-confirmations", R"({"card":"takahashi","method":"pin","pin":"1234"})");
  EXPECT_EQ(w4.status, 423);
  auto face = call("POST", "/api/card-confirmations", R"({"card":"takahashi","method":"face"})");
  EXPECT_EQ(face.status, 200) << face.body;
  bool listed_locked = false;
  auto listed = obj(call("GET", "/api/cards"));
  for (const auto& c : listed["cards"].as_array())
    if (c.as_object().at("id") == "takahashi") listed_locked = c.as_object().at("locked").as_bool();
  EXPECT_TRUE(listed_locked);
}

// R-CONF-1: `onshi card touch` — the patient's side of the reader.
TEST_F(TerminalTest, CardTouchExitCodes) {
  const std::string url = "http://127.0.0.1:" + std::to_string(term_->port());
  fs::path scratch = central_->dir();
  auto touch = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"card", "touch", "--terminal", url};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = run_onshi(args, scratch);
    for (const auto& n : kMyNumbers) {
      EXPECT_EQ(r.out.find(n), std::string::npos);
      EXPECT_EQ(r.err.find(n), std::string::npos);
    }
    return r;
  };
  RunResult ok = touch({"--card", central_->card("suzuki").string(), "--pin", "1234", "--consent", "limit,medication"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("鈴木　一郎"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("有効"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(ok.out, m, std::regex("face/OQSsiquc01res_face_[0-9a-f]+_[0-9]{14}\\.xml"))) << ok.out;
  EXPECT_TRUE(fs::exists(*folder_ / m.str()));

  RunResult wrong = touch({"--card", central_->card("suzuki").string(), "--pin", "0000"});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("暗証番号が違います"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("あと2回"), std::string::npos) << wrong.err;
  RunResult right = touch({"--card", central_->card("suzuki").string(), "--pin", "1234", "--method", "pin"});
  EXPECT_EQ(right.code, 0) << right.err;  // a right PIN resets the count

  // Lock a card through the reader: three wrong PINs, then even the right one is refused.
  RunResult w1 = touch({"--card", central_->card("tanaka").string(), "--pin", "1111"});
  RunResult w2 = touch({"--card", central_->card("tanaka").string(), "--pin", "1111"});
  RunResult w3 = touch({"--card", central_->card("tanaka").string(), "--pin", "1111"});
  EXPECT_EQ(w1.code, 1);
  EXPECT_EQ(w2.code, 1);
  EXPECT_EQ(w3.code, 1);
  EXPECT_NE(w3.err.find("ロック"), std::string::npos) << w3.err;
  RunResult locked = touch({"--card", central_->card("tanaka").string(), "--pin", "1234"});
  EXPECT_EQ(locked.code, 1);
  EXPECT_NE(locked.err.find("E_CARD_LOCKED"), std::string::npos) << locked.err;
  RunResult by_face = touch({"--card", central_->card("tanaka").string(), "--method", "visual"});
  EXPECT_EQ(by_face.code, 0) << by_face.err;

  RunResult unlinked = touch({"--card", central_->card("sato").string(), "--pin", "1234"});
  EXPECT_EQ(unlinked.code, 1);
  EXPECT_NE(unlinked.err.find("E_CARD_NOT_LINKED"), std::string::npos) << unlinked.err;
  EXPECT_NE(unlinked.err.find("利用登録"), std::string::npos) << unlinked.err;
  RunResult revoked = touch({"--card", central_->card("ito").string(), "--pin", "1234"});
  EXPECT_EQ(revoked.code, 1);
  EXPECT_NE(revoked.err.find("E_CARD_REVOKED"), std::string::npos) << revoked.err;

  // Unusable input: exit 2.
  EXPECT_EQ(touch({"--card", (scratch / "no-such.card").string(), "--pin", "1234"}).code, 2);
  EXPECT_EQ(touch({"--card", central_->card("suzuki").string(), "--pin", "1234", "--method", "iris"}).code, 2);
  EXPECT_EQ(touch({"--card", central_->card("suzuki").string()}).code, 2);  // pin method without --pin
  EXPECT_EQ(touch({"--card", central_->card("suzuki").string(), "--pin", "1234", "--consent", "all"}).code, 2);
  RunResult nowhere = run_onshi({"card", "touch", "--terminal", "http://127.0.0.1:1", "--card",
                           central_->card("suzuki").string(), "--pin", "1234"},
                          scratch);
  EXPECT_EQ(nowhere.code, 2);
  EXPECT_NE(nowhere.err.find("接続できません"), std::string::npos) << nowhere.err;
}

// R-CARD-1: 初回登録 at the reader from the screen's API — the terminal plays the reader with
// a card from its --cards folder; the card checks the PIN; then the card confirms.
TEST_F(TerminalTest, CardLinkAtTheReader) {
  const fs::path cards = central_->dir() / "cards-link";
  fs::create_directories(cards);
  const std::string nobody = "3141592653" + std::string("5");
  const std::string nobody_number = nobody + std::to_string(core::my_number_check_digit(nobody));
  RunResult i1 = central_->issue_card(cards / "hana.card", "223344556678", "佐藤 ハナ");
  ASSERT_EQ(i1.code, 0) << i1.err;
  RunResult i2 = central_->issue_card(cards / "nobody.card", nobody_number, "未登録 太郎");
  ASSERT_EQ(i2.code, 0) << i2.err;
  auto args = central_->terminal_args(central_->dir() / "OQS-link");
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--cards") args[i + 1] = cards.string();
  const fs::path err = central_->dir() / "link.err";
  {
    TerminalProcess t(args, err);
    ASSERT_NE(t.port(), 0) << t.line() << slurp(err);
    // Before 初回登録 the card is refused for confirmation.
    auto before = call("POST", "/api/card-confirmations", R"({"card":"hana","method":"pin","pin":"1234"})", &t);
    EXPECT_EQ(before.status, 403);
    EXPECT_EQ(obj(before)["code"], "E_CARD_NOT_LINKED");

    auto wrong = call("POST", "/api/card-links", R"({"card":"hana","pin":"0000"})", &t);
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(obj(wrong)["code"], "E_CARD_PIN");
    EXPECT_EQ(obj(wrong)["pinRetriesLeft"], 2);
    EXPECT_NE(s(obj(wrong).if_contains("detail")).find("あと2回"), std::string::npos) << wrong.body;
    auto format = call("POST", "/api/card-links", R"({"card":"hana"})", &t);
    EXPECT_EQ(format.status, 400);
    EXPECT_EQ(obj(format)["code"], "E_CARD_PIN_FORMAT");

    auto linked = call("POST", "/api/card-links", R"({"card":"hana","pin":"1234"})", &t);
    ASSERT_EQ(linked.status, 200) << linked.body;
    EXPECT_EQ(obj(linked)["linked"], true);
    EXPECT_EQ(obj(linked)["alreadyLinked"], false);
    EXPECT_EQ(obj(linked)["label"], "佐藤 ハナ");
    auto again = call("POST", "/api/card-links", R"({"card":"hana","pin":"1234"})", &t);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(obj(again)["alreadyLinked"], true);

    auto confirmed = call("POST", "/api/card-confirmations", R"({"card":"hana","method":"pin","pin":"1234"})", &t);
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    auto v = obj(confirmed);
    EXPECT_EQ(v["validity"], "1");
    EXPECT_EQ(first_result(v)["name"], "佐藤　ハナ");
    EXPECT_EQ(first_result(v)["patientCategory"], "後期高齢者医療 本人 1割");

    // Nobody registered under the holder: refused; then three wrong PINs lock the card.
    auto none = call("POST", "/api/card-links", R"({"card":"nobody","pin":"1234"})", &t);
    EXPECT_EQ(none.status, 403);
    EXPECT_EQ(obj(none)["code"], "E_CARD_NO_QUALIFICATION");
    EXPECT_NE(s(obj(none).if_contains("detail")).find("初回登録できません"), std::string::npos) << none.body;
    EXPECT_EQ(call("POST", "/api/card-links", R"({"card":"nobody","pin":"9999"})", &t).status, 400);
    EXPECT_EQ(call("POST", "/api/card-links", R"({"card":"nobody","pin":"9999"})", &t).status, 400);
    auto third = call("POST", "/api/card-links", R"({"card":"nobody","pin":"9999"})", &t);
    EXPECT_EQ(third.status, 423);
    EXPECT_EQ(obj(third)["code"], "E_CARD_LOCKED");
    auto locked = call("POST", "/api/card-links", R"({"card":"nobody","pin":"1234"})", &t);
    EXPECT_EQ(locked.status, 423);
    EXPECT_EQ(obj(locked)["pinRetriesLeft"], 0);

    EXPECT_EQ(call("POST", "/api/card-links", R"({"card":"nobody-else","pin":"1234"})", &t).status, 404);
    EXPECT_EQ(call("POST", "/api/card-links", "{", &t).status, 400);
    // The reader route refuses a presentation by face for 初回登録 (the central service says why).
    auto ch = obj(call("POST", "/api/reader/challenge", "{}", &t));
    auto card = card::Card::load(cards / "hana.card");
    ASSERT_TRUE(card.ok());
    auto p = card->present(s(ch.if_contains("challenge")), card::Method::kFace, "");
    ASSERT_TRUE(p.ok());
    json::object face{{"challenge", p->challenge},
                      {"certificate", p->certificate_pem},
                      {"signature", p->signature},
                      {"method", "face"}};
    auto by_face = call("POST", "/api/reader/link", json::serialize(face), &t);
    EXPECT_EQ(by_face.status, 400) << by_face.body;
    EXPECT_EQ(obj(by_face)["code"], "E_CODE");
    EXPECT_EQ(obj(by_face)["field"], "method");
  }
  // Logged without names or numbers.
  std::string log = slurp(err);
  EXPECT_NE(log.find("terminal.card_linked"), std::string::npos) << log;
  for (const std::string& n : {std::string("223344556678"), nobody_number, std::string("佐藤"), std::string("未登録")})
    EXPECT_EQ(log.find(n), std::string::npos) << n;
}

// R-CARD-1: `onshi card touch --link` — 初回登録 with the patient's card at the reader.
TEST_F(TerminalTest, CardTouchLinkExitCodes) {
  const std::string url = "http://127.0.0.1:" + std::to_string(term_->port());
  const fs::path dir = central_->dir() / "touch-link";
  fs::create_directories(dir);
  const std::string nobody = "2718281828" + std::string("4");
  const std::string nobody_number = nobody + std::to_string(core::my_number_check_digit(nobody));
  ASSERT_EQ(central_->issue_card(dir / "hana.card", "223344556678", "佐藤 ハナ").code, 0);
  ASSERT_EQ(central_->issue_card(dir / "nobody.card", nobody_number, "未登録 花子").code, 0);
  auto touch = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"card", "touch", "--terminal", url};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = run_onshi(args, central_->dir());
    for (const auto& n : kMyNumbers) {
      EXPECT_EQ(r.out.find(n), std::string::npos);
      EXPECT_EQ(r.err.find(n), std::string::npos);
    }
    EXPECT_EQ(r.out.find(nobody_number), std::string::npos);
    EXPECT_EQ(r.err.find(nobody_number), std::string::npos);
    return r;
  };
  const std::string hana = (dir / "hana.card").string(), none = (dir / "nobody.card").string();

  RunResult wrong = touch({"--card", hana, "--pin", "0000", "--link"});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("あと2回"), std::string::npos) << wrong.err;
  RunResult ok = touch({"--card", hana, "--pin", "1234", "--link"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("初回登録が完了しました"), std::string::npos) << ok.out;
  RunResult again = touch({"--card", hana, "--pin", "1234", "--link"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("初回登録が完了しました"), std::string::npos) << again.out;
  RunResult confirm = touch({"--card", hana, "--pin", "1234"});
  EXPECT_EQ(confirm.code, 0) << confirm.err;
  EXPECT_NE(confirm.out.find("佐藤　ハナ"), std::string::npos) << confirm.out;
  EXPECT_NE(confirm.out.find("有効"), std::string::npos) << confirm.out;

  RunResult no_qualification = touch({"--card", none, "--pin", "1234", "--link"});
  EXPECT_EQ(no_qualification.code, 1);
  EXPECT_NE(no_qualification.err.find("E_CARD_NO_QUALIFICATION"), std::string::npos) << no_qualification.err;
  RunResult revoked = touch({"--card", central_->card("ito").string(), "--pin", "1234", "--link"});
  EXPECT_EQ(revoked.code, 1);
  EXPECT_NE(revoked.err.find("E_CARD_REVOKED"), std::string::npos) << revoked.err;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(touch({"--card", none, "--pin", "9999", "--link"}).code, 1);
  RunResult locked = touch({"--card", none, "--pin", "1234", "--link"});
  EXPECT_EQ(locked.code, 1);
  EXPECT_NE(locked.err.find("E_CARD_LOCKED"), std::string::npos) << locked.err;
  EXPECT_NE(locked.err.find("初回登録には暗証番号が必要です"), std::string::npos) << locked.err;

  // Unusable input: exit 2.
  EXPECT_EQ(touch({"--card", hana, "--link"}).code, 2);  // no --pin
  RunResult by_face = touch({"--card", hana, "--method", "face", "--link"});
  EXPECT_EQ(by_face.code, 2);
  EXPECT_NE(by_face.err.find("暗証番号"), std::string::npos) << by_face.err;
  EXPECT_EQ(touch({"--card", hana, "--pin", "1234", "--consent", "limit", "--link"}).code, 2);
  EXPECT_EQ(touch({"--card", hana, "--pin", "12", "--link"}).code, 2);
  RunResult nowhere = run_onshi({"card", "touch", "--terminal", "http://127.0.0.1:1", "--card", hana, "--pin",
                                 "1234", "--link"},
                                central_->dir());
  EXPECT_EQ(nowhere.code, 2);
  EXPECT_NE(nowhere.err.find("接続できません"), std::string::npos) << nowhere.err;
}

// R-CONF-3: today's history, newest first; a saved result re-sent to face/; a restart keeps it.
TEST_F(TerminalTest, HistoryResendAndRestart) {
  fs::path folder = central_->dir() / "OQS-history";
  fs::path err = central_->dir() / "history.err";
  std::vector<int64_t> ids;
  {
    TerminalProcess t(central_->terminal_args(folder), err);
    ASSERT_NE(t.port(), 0);
    for (const auto& body : {numbers("06139992", "1234", "5678", "00", "19800515", false),
                             numbers("131045", "01", "234999", "00", "19600303", false)})
      ids.push_back(obj(call("POST", "/api/number-confirmations", body, &t))["historyId"].as_int64());
    auto card = obj(call("POST", "/api/card-confirmations", R"({"card":"yamada","method":"visual"})", &t));
    ids.push_back(card["historyId"].as_int64());
    EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 3}));
    auto h = obj(call("GET", "/api/history", "", &t));
    auto entries = h["entries"].as_array();
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].as_object().at("id"), 3);
    EXPECT_EQ(entries[0].as_object().at("route"), "card");
    EXPECT_EQ(entries[0].as_object().at("method"), "visual");
    EXPECT_EQ(entries[0].as_object().at("name"), "山田　太郎");
    EXPECT_EQ(entries[1].as_object().at("validityLabel"), "無効");
    EXPECT_EQ(entries[2].as_object().at("route"), "numbers");
    EXPECT_TRUE(std::regex_match(s(entries[0].as_object().if_contains("time")), std::regex("[0-9]{2}:[0-9]{2}:[0-9]{2}")));
  }
  TerminalProcess again(central_->terminal_args(folder), err);
  ASSERT_NE(again.port(), 0);
  auto h = obj(call("GET", "/api/history", "", &again));
  EXPECT_EQ(h["entries"].as_array().size(), 3u);
  auto entry = obj(call("GET", "/api/history-entry?id=2", "", &again));
  EXPECT_EQ(entry["historyId"], 2);
  EXPECT_EQ(entry["validity"], "2");
  EXPECT_EQ(guidance_cases(entry), std::vector<std::string>{"invalid"});
  auto resent = obj(call("POST", "/api/resend?id=3", "", &again));
  std::string file = s(resent.if_contains("file"));
  ASSERT_TRUE(std::regex_match(file, std::regex("face/OQSsiquc01res_face_1310112345[0-9a-f]{20}_[0-9]{14}\\.xml")))
      << file;
  EXPECT_NE(slurp(folder / file).find("<ReferenceClassification>1</ReferenceClassification>"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/history-entry?id=99", "", &again).status, 404);
  EXPECT_EQ(call("POST", "/api/resend?id=x", "", &again).status, 404);
  // The next confirmation continues the day's numbering.
  auto next = obj(call("POST", "/api/number-confirmations", numbers("06139992", "1234", "5678", "00", "19800515", false),
                       &again));
  EXPECT_EQ(next["historyId"], 4);
}

// R-CONF-1, research §1.2: face files in Shift_JIS when the terminal is configured so.
TEST_F(TerminalTest, ShiftJisFaceFile) {
  fs::path folder = central_->dir() / "OQS-sjis";
  TerminalProcess t(central_->terminal_args(folder, "shift_jis"), central_->dir() / "sjis.err");
  ASSERT_NE(t.port(), 0);
  EXPECT_EQ(obj(call("GET", "/api/terminal", "", &t))["encoding"], "shift_jis");
  auto v = obj(call("POST", "/api/card-confirmations", R"({"card":"yamada","method":"face"})", &t));
  ASSERT_EQ(v["validity"], "1");
  std::string bytes = slurp(folder / s(v.if_contains("file")));
  EXPECT_NE(bytes.find("encoding=\"Shift_JIS\""), std::string::npos);
  EXPECT_NE(bytes.find("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"), std::string::npos);
  EXPECT_NE(bytes.find("<ReferenceClassification>1</ReferenceClassification>"), std::string::npos);
  EXPECT_FALSE(core::is_valid_utf8(bytes));  // really CP932 bytes
  auto text = core::shift_jis_to_utf8(bytes);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("山田　太郎"), std::string::npos);
  // Nothing half-written is left in work/.
  for (const auto& e : fs::directory_iterator(folder / "work"))
    EXPECT_EQ(e.path().filename().string().rfind(".tmp-", 0), std::string::npos);
}

// The screen has patients' data and no login: loopback only.
TEST_F(TerminalTest, NonLoopbackListenIsRefused) {
  for (std::string listen : {"0.0.0.0:0", "192.168.1.10:0", "example.com:0"}) {
    auto args = central_->terminal_args(central_->dir() / "OQS-refused");
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--listen") args[i + 1] = listen;
    args.insert(args.begin(), "terminal");
    RunResult r = run_onshi(args, central_->dir());
    EXPECT_EQ(r.code, 2) << listen << " " << r.err;
    EXPECT_NE(r.err.find("E_FLAG"), std::string::npos) << r.err;
  }
}

TEST_F(TerminalTest, CentralUnreachable) {
  // A terminal whose central service is a port nobody listens on.
  auto args = central_->terminal_args(central_->dir() / "OQS-down");
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--server") args[i + 1] = "https://127.0.0.1:1";
  TerminalProcess t(args, central_->dir() / "down.err");
  ASSERT_NE(t.port(), 0);
  auto r = call("POST", "/api/number-confirmations", numbers("06139992", "1234", "5678", "00", "19800515", false), &t);
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(obj(r)["code"], "E_CONNECT");
  auto c = call("POST", "/api/card-confirmations", R"({"card":"yamada","method":"face"})", &t);
  EXPECT_EQ(c.status, 502);
  EXPECT_EQ(obj(c)["code"], "E_CONNECT");
}

}  // namespace
}  // namespace onshi::terminal
