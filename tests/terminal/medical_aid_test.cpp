// 医療扶助 at the institution terminal (issue 15 point 4): a real central service and a real
// `onshi terminal` (Shift_JIS folder). A recipient confirmed by card and by numbers shows the
// medicalAid block (委託 with the ticket; 未委託 and 未登録 without the 受給者番号 and with what to
// do next); the 受給者番号 of a non-contracted answer is in none of the View, the face file,
// the history or the terminal's log (R-AID-2); the folder bridge carries OQSmutic01 and its
// results through OQSmuquc02 in Shift_JIS.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "core/date.h"
#include "core/text.h"
#include "oqs/messages.h"
#include "security/crypto.h"
#include "store/database.h"
#include "terminal/terminal_fixture.h"

namespace onshi::terminal {
namespace {

using namespace testing;
namespace json = boost::json;

constexpr const char* kOffice = "12131017";
constexpr const char* kRecipient = "1234566";
constexpr const char* kAidMyNumber = "121212121217";

class MedicalAidTerminalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    central_ = new Central("terminal-aid");
    ASSERT_TRUE(central_->ok());
    const fs::path data = central_->dir() / "data";
    auto keyring = security::Keyring::load_or_create(data);
    ASSERT_TRUE(keyring);
    db_ = std::move(*store::open_store("sqlite:" + data.string())).release();
    core::Qualification q;
    q.insurer_number = kOffice;
    q.insured_identification_number = kRecipient;
    q.insurer_name = "千代田区福祉事務所";
    q.insured_card_classification = "A1";
    q.name = "扶助　太郎";
    q.name_kana = "フジョ　タロウ";
    q.sex1 = "1";
    q.birthdate = "19600505";
    q.qualification_date = "20240101";
    std::vector<store::PutItem> members{
        {q, keyring->person_link(kAidMyNumber), keyring->seal(kAidMyNumber), "test", ""}};
    ASSERT_TRUE(db_->members().put_qualifications(members).ok());
    ASSERT_TRUE(db_->institutions()
                    .transact([](store::InstitutionTx& tx) -> Status {
                      store::InstitutionRow row;
                      row.provisional_code = "0000001";
                      row.kind = "clinic";
                      row.prefecture = "13";
                      row.name = "試験クリニック";
                      row.stage = "inUse";
                      row.medical_institution_code = kClinic;
                      auto r = tx.insert(row);
                      if (!r) return r.error();
                      return tx.add_medical_aid_setting(r->id, "20240301", true);
                    })
                    .ok());
    RunResult issue = central_->issue_card(central_->card("fujo"), kAidMyNumber, "扶助 太郎");
    ASSERT_EQ(issue.code, 0) << issue.err;
    RunResult link = run_onshi({"card", "link", "--data-dir", data.string(), "--card",
                                central_->card("fujo").string(), "--pin", "1234"},
                               central_->dir());
    ASSERT_EQ(link.code, 0) << link.err;
    folder_ = new fs::path(central_->dir() / "OQS");
    stderr_ = new fs::path(central_->dir() / "terminal.err");
    term_ = new TerminalProcess(central_->terminal_args(*folder_, "shift_jis"), *stderr_);
    ASSERT_NE(term_->port(), 0) << term_->line() << slurp(*stderr_);
  }
  static void TearDownTestSuite() {
    delete term_;
    delete stderr_;
    delete folder_;
    delete db_;
    delete central_;
  }
  // This month's ticket for the recipient, designating `code`.
  static void ticket(const std::string& issue, const std::string& code) {
    const std::string month = core::Date::today_jst().yyyymmdd().substr(0, 6);
    core::MedicalTicket t;
    t.insurer_number = kOffice;
    t.insured_identification_number = kRecipient;
    t.ticket_type = "01";
    t.issue_number = issue;
    t.medical_treatment_month = month;
    t.designated_code = code;
    t.designated_name = "試験クリニック";
    t.injury_name1 = "高血圧症";
    t.self_pay_amount = "0";
    std::vector<store::TicketPut> items{{t, "test"}};
    ASSERT_TRUE(db_->tickets().put_tickets(items).ok());
  }
  static json::object call(const std::string& target, const json::object& body) {
    auto c = term_->client();
    auto r = c.request("POST", target, json::serialize(body), "application/json");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body).as_object();
  }
  static json::object card() {
    return call("/api/card-confirmations", {{"card", "fujo"}, {"method", "pin"}, {"pin", "1234"}});
  }
  static json::object numbers() {
    return call("/api/number-confirmations",
                {{"insurerNumber", kOffice}, {"number", kRecipient}, {"birthdate", "19600505"}});
  }
  static json::object aid_block(const json::object& view) {
    const auto& results = view.at("results").as_array();
    EXPECT_EQ(results.size(), 1u);
    if (results.empty()) return {};
    return results[0].as_object().at("medicalAid").as_object();
  }
  // R-AID-2: the 受給者番号 is nowhere the institution can see it.
  static void expect_nowhere(const json::object& view) {
    EXPECT_EQ(json::serialize(view).find(kRecipient), std::string::npos);
    const std::string file(view.at("file").as_string());
    if (!file.empty()) {
      const std::string face = slurp(*folder_ / file);
      EXPECT_NE(face.find("encoding=\"Shift_JIS\""), std::string::npos);
      EXPECT_EQ(face.find(kRecipient), std::string::npos);
    }
    auto c = term_->client();
    auto h = c.request("GET",
                       "/api/history-entry?id=" + std::to_string(view.at("historyId").as_int64()));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->body.find(kRecipient), std::string::npos);
    for (const auto& e : fs::directory_iterator(*folder_ / "history"))
      EXPECT_EQ(slurp(e.path()).find(kRecipient), std::string::npos) << e.path();
    EXPECT_EQ(slurp(*stderr_).find(kRecipient), std::string::npos);
  }

  static inline Central* central_ = nullptr;
  static inline store::Database* db_ = nullptr;
  static inline fs::path* folder_ = nullptr;
  static inline fs::path* stderr_ = nullptr;
  static inline TerminalProcess* term_ = nullptr;
};

// The order matters (one recipient, tickets added as the test goes): 未登録, 未委託, 委託.
TEST_F(MedicalAidTerminalTest, TheThreeStatesOnTheScreenAndWhereTheNumberGoes) {
  // No ticket this month: 有効（未登録）.
  auto unregistered = card();
  EXPECT_EQ(unregistered.at("validity"), "6");
  auto a = aid_block(unregistered);
  EXPECT_EQ(a.at("state"), "unregistered");
  EXPECT_EQ(a.at("stateLabel"), "未登録");
  EXPECT_EQ(a.at("recipientNumber"), "");
  EXPECT_NE(std::string(a.at("next").as_string())
                .find("福祉事務所に連絡し医療券の発行を確認してください"),
            std::string::npos);
  expect_nowhere(unregistered);

  // A ticket designating another institution: 未委託.
  ticket("0000001", "1310112352");
  auto not_contracted = card();
  EXPECT_EQ(not_contracted.at("validity"), "1");
  EXPECT_EQ(aid_block(not_contracted).at("state"), "not-contracted");
  EXPECT_EQ(aid_block(not_contracted).at("office"), "千代田区福祉事務所");
  expect_nowhere(not_contracted);
  auto by_numbers = numbers();
  EXPECT_EQ(aid_block(by_numbers).at("state"), "not-contracted");
  expect_nowhere(by_numbers);

  // A ticket designating this clinic: 委託, the number and the ticket.
  ticket("0000002", kClinic);
  auto contracted = card();
  auto c = aid_block(contracted);
  EXPECT_EQ(c.at("state"), "contracted");
  EXPECT_EQ(c.at("recipientNumber"), kRecipient);
  ASSERT_EQ(c.at("tickets").as_array().size(), 1u);
  EXPECT_EQ(c.at("tickets").as_array()[0].as_object().at("issueNumber"), "0000002");
  const std::string face = slurp(*folder_ / std::string(contracted.at("file").as_string()));
  auto parsed = oqs::parse_confirm_result_xml(face);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->results.at(0).medical_tickets.size(), 1u);
  EXPECT_EQ(parsed->results[0].medical_tickets[0].ticket.injury_name1, "高血圧症");
}

// Point 5 through the folder: OQSmutic01req → 受付結果, then OQSmuquc02req → the units, in
// Shift_JIS.
TEST_F(MedicalAidTerminalTest, FolderBridgeCarriesTheMonthlyInquiry) {
  ticket("0000003", kClinic);
  const std::string month = core::Date::today_jst().yyyymmdd().substr(0, 6);
  oqs::MedicalAidBulkRequest req;
  req.header.medical_institution_code = kClinic;
  req.medical_treatment_month = month;
  spit(*folder_ / "req" / "OQSmutic01req_0001.xml", *oqs::write_medical_aid_bulk_request_xml(req));
  auto wait_for = [&](const fs::path& p) {
    for (int i = 0; i < 600 && !fs::exists(p); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return slurp(p);
  };
  const std::string receipt_doc = wait_for(*folder_ / "res" / "OQSmutic01res_0001.xml");
  EXPECT_NE(receipt_doc.find("encoding=\"Shift_JIS\""), std::string::npos);
  auto receipt = oqs::parse_bulk_receipt_xml(receipt_doc);
  ASSERT_TRUE(receipt) << receipt_doc;
  ASSERT_FALSE(receipt->reception_number.empty()) << receipt_doc;
  spit(*folder_ / "req" / "OQSmuquc02req_0002.xml",
       *oqs::write_bulk_result_request_xml({kClinic, receipt->reception_number}));
  const std::string units_doc = wait_for(*folder_ / "res" / "OQSmuquc02res_0002.xml");
  auto units = oqs::parse_bulk_result_xml(units_doc);
  ASSERT_TRUE(units) << units_doc;
  ASSERT_EQ(units->units.size(), 1u);
  EXPECT_EQ(units->units[0].search.insured_identification_number, kRecipient);
  EXPECT_FALSE(units->units[0].results.at(0).medical_tickets.empty());
}

}  // namespace
}  // namespace onshi::terminal
