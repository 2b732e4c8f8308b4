// Two central services on one database (issue 12 §3, §5, §6): two `serve::Service`, each with
// its own Database on the same URL and the same data directory for keys and certificates,
// behind no balancer — the test is the balancer. A card challenge issued by one is answered
// through the other (and only once), and a bulk inquiry made on one (OQSmuquc01) is fetched
// from the other (OQSmuquc02). Run on every backend.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "card/card.h"
#include "card/card_helpers.h"
#include "core/date.h"
#include "http/client.h"
#include "oqs/messages.h"
#include "security/ca.h"
#include "serve/service.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::serve {
namespace {

namespace json = boost::json;
namespace ct = card::testing;
const char* const kClinic = "1310112345";

class SeveralServersTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    ASSERT_TRUE(security::ca_init(dir()).ok());
    ASSERT_TRUE(
        security::issue_client(dir(), security::Role::kInstitution, kClinic, dir() / "clinic")
            .ok());
    db_ = ct::open_db(dir(), tdb_.url());
    ASSERT_TRUE(db_);
    // A member with a My Number and a linked card, registered as an import would.
    auto keyring = security::Keyring::load_or_create(dir());
    ASSERT_TRUE(keyring.ok());
    std::vector<store::PutItem> items{
        {ct::qualification("100", "20200401"), keyring->person_link(number()), "", "test"}};
    ASSERT_TRUE(db_->members().put_qualifications(items).ok());
    card::IssueOptions io;
    io.my_number = number();
    io.pin = "1234";
    io.label = "試験 花子";
    ASSERT_TRUE(card::issue(dir(), *db_, io, card_file()).ok());
    ASSERT_TRUE(card::link(dir(), *db_, card_file(), "1234").ok());
    // The second server has its own copy of the key directory (CA, master key, J-LIS CA), as
    // a second host would; one service per key directory.
    std::filesystem::path second = dir() / "second";
    std::filesystem::create_directories(second);
    for (const char* sub : {"ca", "keys", "jlis"})
      std::filesystem::copy(dir() / sub, second / sub, std::filesystem::copy_options::recursive);
    for (auto [s, data_dir] : {std::pair{&a_, dir()}, std::pair{&b_, second}}) {
      ServiceOptions o;
      o.data_dir = data_dir;
      o.db_url = tdb_.url();
      auto svc = Service::open(o);
      ASSERT_TRUE(svc.ok()) << svc.error().code << " " << svc.error().message;
      *s = std::move(*svc);
      ASSERT_TRUE((*s)->start().ok());
    }
  }
  void TearDown() override {
    for (auto* s : {&a_, &b_})
      if (*s) (*s)->stop();
  }

  const std::filesystem::path& dir() const { return tdb_.dir(); }
  std::filesystem::path card_file() const { return dir() / "hanako.card"; }
  static std::string number() { return ct::my_number("12345678901"); }
  http::Client client(Service& s) const {
    http::ClientOptions o;
    o.port = s.port();
    o.ca_file = (dir() / "clinic" / "ca.pem").string();
    o.cert_file = (dir() / "clinic" / "cert.pem").string();
    o.key_file = (dir() / "clinic" / "key.pem").string();
    return http::Client(o);
  }

  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<Service> a_, b_;
  std::unique_ptr<store::Database> db_;
};

// Issue 12 §6: "a card challenge issued by one server is answered through the other"; the
// answer is spent for both (R-CONF-1).
TEST_P(SeveralServersTest, CardChallengeFromOneServerIsAnsweredThroughTheOther) {
  auto ca = client(*a_), cb = client(*b_);
  auto c = ca.request("POST", "/v1/card/challenges", "{}");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->status, 200) << c->body;
  const std::string challenge(json::parse(c->body).at("challenge").as_string());
  auto card = card::Card::load(card_file());
  ASSERT_TRUE(card.ok());
  auto p = card->present(challenge, card::Method::kPin, "1234");
  ASSERT_TRUE(p.ok());
  const std::string body = json::serialize(json::object{{"challenge", p->challenge},
                                                        {"certificate", p->certificate_pem},
                                                        {"signature", p->signature},
                                                        {"method", "pin"}});
  auto confirmed = cb.request("POST", "/v1/card/confirmations", body);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_EQ(confirmed->status, 200) << confirmed->body;
  json::object r = json::parse(confirmed->body).as_object();
  EXPECT_EQ(ct::js(r.at("qualificationValidity")), "1") << confirmed->body;
  ASSERT_EQ(r.at("resultList").as_array().size(), 1u);
  for (http::Client* cl : {&ca, &cb}) {
    auto replay = cl->request("POST", "/v1/card/confirmations", body);
    ASSERT_TRUE(replay.ok());
    EXPECT_EQ(replay->status, 403) << replay->body;
    EXPECT_NE(replay->body.find("E_CARD_CHALLENGE"), std::string::npos) << replay->body;
  }
}

// Issue 12 §3, §5: OQSmuquc01 on one server, OQSmuquc02 from the other (R-CONF-2).
TEST_P(SeveralServersTest, BulkInquiryMadeOnOneServerIsFetchedFromTheOther) {
  oqs::BulkRequest req;
  req.header.qualification_confirmation_date = core::Date::today_jst().yyyymmdd();
  req.header.medical_institution_code = kClinic;
  req.header.arbitrary_file_identifier = "BULK-2";
  oqs::SearchInfo s;
  s.insurer_number = "06130488";
  s.insured_card_symbol = "12";
  s.insured_identification_number = "100";
  s.insured_branch_number = "00";
  s.birthdate = "19800505";
  s.limit_application_certificate_related_cons_flg = "0";
  s.arbitrary_identifier = "p1";
  req.searches = {s};
  auto xml = oqs::write_bulk_request_xml(req, core::Encoding::kUtf8);
  ASSERT_TRUE(xml.ok());
  auto r1 = client(*a_).request("POST", "/xml/OQSmuquc01", *xml, "application/xml");
  ASSERT_TRUE(r1.ok());
  auto receipt = oqs::parse_bulk_receipt_xml(r1->body);
  ASSERT_TRUE(receipt.ok()) << r1->body;
  ASSERT_EQ(receipt->reception_number.size(), 16u) << r1->body;

  auto fetch = oqs::write_bulk_result_request_xml({kClinic, receipt->reception_number},
                                                  core::Encoding::kUtf8);
  ASSERT_TRUE(fetch.ok());
  auto r2 = client(*b_).request("POST", "/xml/OQSmuquc02", *fetch, "application/xml");
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->status, 200);
  auto result = oqs::parse_bulk_result_xml(r2->body);
  ASSERT_TRUE(result.ok()) << r2->body;
  EXPECT_EQ(result->header.reception_number, receipt->reception_number);
  ASSERT_EQ(result->units.size(), 1u);
  EXPECT_EQ(result->units[0].processing_result_status, "1") << r2->body;
}

INSTANTIATE_TEST_SUITE_P(Backends, SeveralServersTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()));

}  // namespace
}  // namespace onshi::serve
