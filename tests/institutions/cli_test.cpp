// onshi institutions through the real binary: the command lines of the acceptance check
// with their JSON outputs and exit codes, the operator's other commands, and --help on
// every subcommand.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "institutions/test_util.h"
#include "security/ca.h"

namespace onshi::institutions {
namespace {

namespace json = boost::json;
using testing::quoted;
using testing::run_onshi;

json::object parse(const std::string& s) {
  boost::system::error_code ec;
  auto v = json::parse(s, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}
std::string field(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// R-INST-3: the schedule command — the rule's defaults, and 別紙2's months on request.
TEST(InstitutionsCli, Schedule) {
  auto r = run_onshi("institutions schedule --designation 20260501");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"bureauAnswerDate\":\"20260410\",\"agencyDeadline\":\"20260415\"}\n");
  r = run_onshi("institutions schedule --designation 20210501");
  EXPECT_EQ(r.out, "{\"bureauAnswerDate\":\"20210412\",\"agencyDeadline\":\"20210415\"}\n");
  r = run_onshi("institutions schedule --designation 20210501 --published");
  EXPECT_EQ(r.out, "{\"bureauAnswerDate\":\"20210412\",\"agencyDeadline\":\"20210416\"}\n");
  r = run_onshi("institutions schedule --designation 20261301");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("E_DATE"), std::string::npos);
  r = run_onshi("institutions holidays --year 2026");
  EXPECT_NE(r.out.find("{\"date\":\"20260922\",\"name\":\"休日（国民の休日）\"}"),
            std::string::npos);
}

// R-INST-1..4: the acceptance path — provisional, request-number (retroactive refused),
// designate, apply-usage (refused before designation), list.
TEST(InstitutionsCli, OnboardingToList) {
  testing::ScratchDir dir("cli");
  std::string d = quoted(dir.path().string());
  ASSERT_TRUE(security::ca_init(dir.path()).ok());

  auto p = run_onshi("institutions provisional --data-dir " + d +
                     " --kind clinic --prefecture 13 --name " + quoted("オン資クリニック") +
                     " --address " + quoted("東京都千代田区霞が関1-2-2"));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  std::string code = field(parse(p.out), "provisionalCode");
  EXPECT_EQ(p.out, "{\"provisionalCode\":\"" + code + "\"}\n");
  EXPECT_EQ(code, "0000001");
  auto dental = run_onshi("institutions provisional --data-dir " + d +
                          " --kind dental --prefecture 13 --name " + quoted("オン資クリニック") +
                          " --address " + quoted("東京都千代田区霞が関1-2-2"));
  EXPECT_EQ(field(parse(dental.out), "provisionalCode"), "0000002");

  auto retro = run_onshi("institutions request-number --data-dir " + d + " --provisional " + code +
                         " --designation 20300401 --retroactive");
  EXPECT_NE(retro.exit_code, 0);
  EXPECT_NE(retro.err.find("E_RETROACTIVE"), std::string::npos);
  EXPECT_NE(retro.err.find("遡及"), std::string::npos);

  auto n = run_onshi("institutions request-number --data-dir " + d + " --provisional " + code +
                     " --designation 20300401");
  ASSERT_EQ(n.exit_code, 0) << n.err;
  auto answer = parse(n.out);
  EXPECT_EQ(answer.size(), 4u);
  std::string number = field(answer, "receptionNumber");
  std::string mic = field(answer, "medicalInstitutionCode");
  EXPECT_EQ(number.size(), 7u);
  EXPECT_EQ(mic, "131" + number);
  EXPECT_EQ(field(answer, "bureauAnswerDate"), "20300311");
  EXPECT_EQ(field(answer, "agencyDeadline"), "20300315");

  auto early = run_onshi("institutions apply-usage --data-dir " + d + " --code " + mic + " --out " +
                         quoted((dir.path() / "cert").string()));
  EXPECT_NE(early.exit_code, 0);
  EXPECT_NE(early.err.find("E_NOT_DESIGNATED"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cert" / "cert.pem"));

  auto des = run_onshi("institutions designate --data-dir " + d + " --reception-number " + number);
  ASSERT_EQ(des.exit_code, 0) << des.err;
  EXPECT_EQ(field(parse(des.out), "stage"), "designated");

  auto use = run_onshi("institutions apply-usage --data-dir " + d + " --code " + mic + " --out " +
                       quoted((dir.path() / "cert").string()) + " --date 20300310");
  ASSERT_EQ(use.exit_code, 0) << use.err;
  for (const char* f : {"cert.pem", "key.pem", "ca.pem"})
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "cert" / f)) << f;

  auto list = run_onshi("institutions list --data-dir " + d + " --as-of 20300408");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("MedicalInstitutionCode,", 0), 0u);
  EXPECT_NE(list.out.find(mic + ",オン資クリニック"), std::string::npos);
  auto before = run_onshi("institutions list --data-dir " + d + " --as-of 20300401");
  EXPECT_EQ(before.out.find(mic), std::string::npos);  // usage began on that Monday, not before

  auto xlsx_path = dir.path() / "list.xlsx";
  auto x = run_onshi("institutions list --data-dir " + d +
                     " --as-of 20300408 --format xlsx --out " + quoted(xlsx_path.string()));
  EXPECT_EQ(x.exit_code, 0) << x.err;
  EXPECT_TRUE(std::filesystem::file_size(xlsx_path) > 100);

  // Not designated: the dental entry is deleted; its number is not handed out again.
  auto dn = parse(run_onshi("institutions request-number --data-dir " + d +
                            " --provisional 0000002 --designation 20300401")
                      .out);
  auto gone = run_onshi("institutions designate --data-dir " + d + " --reception-number " +
                        field(dn, "receptionNumber") + " --not-designated");
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_NE(gone.out.find("\"deleted\":true"), std::string::npos);
  auto third = parse(run_onshi("institutions provisional --data-dir " + d +
                               " --kind dental --prefecture 13 --name " + quoted("次の歯科") +
                               " --address " + quoted("東京都港区"))
                         .out);
  auto tn = parse(run_onshi("institutions request-number --data-dir " + d + " --provisional " +
                            field(third, "provisionalCode") + " --designation 20300401")
                      .out);
  EXPECT_NE(field(tn, "medicalInstitutionCode"), field(dn, "medicalInstitutionCode"));
  EXPECT_GT(field(tn, "medicalInstitutionCode"), field(dn, "medicalInstitutionCode"));

  // Every step is in the audit log, whose chain verifies.
  auto audit = run_onshi("audit verify --data-dir " + d);
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  auto history = run_onshi("institutions history --data-dir " + d + " " + code);
  EXPECT_NE(history.out.find("\"action\":\"usage\""), std::string::npos);
}

// Bad flag values are unusable input (exit 2) with a code and the field.
TEST(InstitutionsCli, BadInput) {
  testing::ScratchDir dir("cli-bad");
  std::string d = quoted(dir.path().string());
  auto r = run_onshi("institutions provisional --data-dir " + d +
                     " --kind surgery --prefecture 13 --name a --address b");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("E_KIND (kind)"), std::string::npos);
  r = run_onshi("institutions designate --data-dir " + d + " --reception-number 0110000");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("E_NOT_FOUND"), std::string::npos);
  r = run_onshi("institutions list --data-dir " + d + " --format xlsx");
  EXPECT_EQ(r.exit_code, 2);
}

// Every subcommand answers --help.
TEST(InstitutionsCli, HelpEverywhere) {
  for (const char* c : {"",
                        "schedule",
                        "holidays",
                        "override",
                        "provisional",
                        "portal-account",
                        "card-reader",
                        "choose-model",
                        "cancel-undecided",
                        "request-number",
                        "present",
                        "designate",
                        "designate-list",
                        "apply-usage",
                        "medical-aid",
                        "show",
                        "history",
                        "list",
                        "medical-aid-list",
                        "stats",
                        "set-total",
                        "set-card-figures"}) {
    auto r = run_onshi(std::string("institutions ") + c + " --help");
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c;
  }
}

}  // namespace
}  // namespace onshi::institutions
