// The View's pure parts: 患者区分, the R-CONF-7 guidance that the registry's own checks keep
// out of end-to-end data (a 高齢受給者証 ratio contradicting the 限度額適用区分 arrives only
// from outside data), the consent rule for the limit block, and the loopback rule of --listen.
#include "terminal/view.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/local.h"
#include "terminal/terminal.h"

namespace onshi::terminal {
namespace {

namespace json = boost::json;

oqs::ConfirmResult elderly_result(const std::string& ratio, const std::string& flag, bool consent) {
  oqs::ConfirmResult r;
  r.header.qualification_confirmation_date = "20261126";
  r.header.reference_classification = "2";
  r.qualification_validity = "1";
  oqs::ResultItem item;
  core::Qualification& q = item.qualification;
  q.insurer_number = "01130012";
  q.insurer_name = "全国健康保険協会東京支部";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.name = "高橋　茂";
  q.name_kana = "ﾀｶﾊｼ ｼｹﾞﾙ";
  q.sex1 = "1";
  q.birthdate = "19540610";  // 72 on the confirmation date
  q.qualification_date = "19760401";
  q.elderly_recipient = core::ElderlyRecipientCertificate{"20260801", "20260801", "20270731", ratio};
  q.limit_application = core::LimitApplicationCertificate{"01", flag, "20260801", "20260801", "20270731", ""};
  item.consents.limit_flg = consent ? "1" : "0";
  r.results.push_back(item);
  return r;
}

std::vector<std::string> cases(const oqs::ConfirmResult& r) {
  std::vector<std::string> out;
  for (const auto& g : guidance_for(r)) out.push_back(g.case_id);
  return out;
}

// R-CONF-7: 高齢受給者証 2割 (一般) with 現役並みⅢ contradicts; 3割 with it does not.
TEST(View, ElderlyLimitMismatchGuidance) {
  auto bad = guidance_for(elderly_result("020", "B01", true));
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].case_id, "elderly-limit-mismatch");
  EXPECT_NE(bad[0].text.find("2割"), std::string::npos);
  EXPECT_NE(bad[0].text.find("保険者に問い合わせ"), std::string::npos);
  EXPECT_TRUE(cases(elderly_result("030", "B01", true)).empty());
  EXPECT_TRUE(cases(elderly_result("020", "B04", true)).empty());
  // Without consent the limit certificate is not shown, so nothing can contradict it.
  EXPECT_TRUE(cases(elderly_result("020", "B01", false)).empty());
}

// R-CONF-4, R-CONF-3: the View of that result, with and without consent.
TEST(View, LimitOnlyWithConsentAndLabels) {
  core::Date today = core::Date::from_ymd(2026, 11, 26);
  auto with = json::parse(render_view(elderly_result("020", "B04", true), {7, "numbers", "", ""}, today)).as_object();
  auto& p = with["results"].as_array()[0].as_object();
  EXPECT_EQ(with["historyId"], 7);
  EXPECT_EQ(with["confirmationDateWareki"], "令和8年11月26日");
  EXPECT_EQ(p["age"], 72);
  EXPECT_EQ(p["nameKana"], "タカハシ　シゲル");
  EXPECT_EQ(p["patientCategory"], "協会けんぽ 本人 2割");
  EXPECT_EQ(p["elderly"].as_object()["ratio"], "2割");
  EXPECT_EQ(p["limit"].as_object()["classification"], "一般");
  EXPECT_EQ(p["limit"].as_object()["validFrom"], "令和8年8月1日");
  auto without = json::parse(render_view(elderly_result("020", "B04", false), {}, today)).as_object();
  auto& q = without["results"].as_array()[0].as_object();
  EXPECT_TRUE(q["limit"].is_null());
  EXPECT_FALSE(q.contains("specificDiseases"));
}

TEST(View, PatientCategory) {
  core::Qualification q;
  q.insurer_number = "06139992";
  q.personal_family_classification = "2";
  q.birthdate = "20230707";
  EXPECT_EQ(patient_category(q, core::Date::from_ymd(2026, 11, 26)), "健康保険組合 家族 2割");  // 未就学
  q.insurer_number = "39130000";
  q.personal_family_classification = "1";
  q.birthdate = "19460210";
  q.insured_partial_contribution_ratio = "010";
  EXPECT_EQ(patient_category(q, core::Date::from_ymd(2026, 11, 26)), "後期高齢者医療 本人 1割");
}

TEST(View, ValidityLabelsAndStates) {
  EXPECT_EQ(validity_label("3"), "無効（新しい資格あり）");
  EXPECT_EQ(validity_state("3"), "invalid-newer");
  EXPECT_EQ(validity_state("4"), "not-found");
  EXPECT_EQ(validity_state("5"), "multiple");
  EXPECT_EQ(validity_state("9"), "");
}

TEST(Terminal, LoopbackHosts) {
  for (auto h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) EXPECT_TRUE(http::is_loopback_host(h)) << h;
  for (auto h : {"0.0.0.0", "192.168.1.10", "127.0.0", "127.0.0.1.5", "127.0.0.1a", "localhost.example.com", "", "::"})
    EXPECT_FALSE(http::is_loopback_host(h)) << h;
}

TEST(Terminal, OpenRefusesNonLoopback) {
  TerminalOptions o;
  o.listen_host = "0.0.0.0";
  auto t = Terminal::open(o);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, "E_FLAG");
  EXPECT_EQ(t.error().field, "listen");
}

}  // namespace
}  // namespace onshi::terminal

namespace onshi::terminal {
namespace {

// R-CONF-8 高齢受給者証 即日発行 and 特定疾病療養受療証 即日発行 (seed 000 §3): the front desk is told,
// beside the result, that a certificate issued today may be right where the system is not —
// the 高齢受給者証 note whenever one is shown, the 受療証 note when the limit information was
// consented to; apart from the R-CONF-7 guidance, which stays as it was.
TEST(View, PaperCardNotesForTheSameDayCertificates) {
  auto with = elderly_result("020", "B04", true);
  std::vector<std::string> ids;
  for (const auto& g : paper_card_notes(with)) ids.push_back(g.case_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"elderly-same-day", "specific-disease-same-day"}));
  EXPECT_TRUE(guidance_for(with).empty());
  auto notes = paper_card_notes(elderly_result("020", "B04", false));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].text.find("高齢受給者証の負担割合"), std::string::npos);
  auto view = json::parse(render_view(with, {}, core::Date::from_ymd(2026, 11, 26))).as_object();
  EXPECT_EQ(view["paperCard"].as_array().size(), 2u);
  oqs::ConfirmResult none;
  none.qualification_validity = "4";
  EXPECT_TRUE(paper_card_notes(none).empty());
}

}  // namespace
}  // namespace onshi::terminal
