// The welfare office on the command line, with the real `onshi` binary (issue 15 points 1, 2,
// 3, 7): `ca issue welfare-office`, `import --kind medical-aid | medical-aid-tickets` (report,
// exit codes, re-run), and `quality recipients | tickets | medical-aid`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

int run(const std::string& command) {
  int rc = std::system(
      (command + " >/tmp/onshi-aid-cli-" + std::to_string(::getpid()) + ".out 2>&1").c_str());
  return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

std::string output() {
  std::ifstream in("/tmp/onshi-aid-cli-" + std::to_string(::getpid()) + ".out");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AidCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("onshi-aid-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    fs::remove("/tmp/onshi-aid-cli-" + std::to_string(::getpid()) + ".out");
  }
  std::string onshi(const std::string& args) const {
    return std::string(ONSHI_BINARY) + " " + args;
  }
  std::string data() const { return "--data-dir " + dir_.string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

// R-AID-1, issue 15 point 1: the certificate names the office's 法別 12 number; a wrong one
// exits 2 with the code and the field.
TEST_F(AidCli, CaIssueWelfareOffice) {
  ASSERT_EQ(run(onshi("ca init " + data())), 0) << output();
  EXPECT_EQ(run(onshi("ca issue welfare-office 12131017 " + data() + " --out " +
                      (dir_ / "office").string())),
            0)
      << output();
  EXPECT_TRUE(fs::exists(dir_ / "office" / "cert.pem"));
  EXPECT_EQ(run(onshi("ca issue welfare-office 12131018 " + data() + " --out " +
                      (dir_ / "bad").string())),
            2);
  EXPECT_NE(output().find("E_CHECK_DIGIT (NUMBER)"), std::string::npos) << output();
  EXPECT_EQ(run(onshi("ca issue welfare-office 06139992 " + data() + " --out " +
                      (dir_ / "bad").string())),
            2);
  EXPECT_NE(output().find("E_MEDICAL_AID_NUMBER"), std::string::npos) << output();
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "cert.pem"));
}

// R-AID-1, issue 15 points 2, 3 and 7: import recipients and tickets, re-run, read back.
TEST_F(AidCli, ImportRecipientsAndTicketsThenReadTheOfficesData) {
  ASSERT_EQ(run(onshi("import --help")), 0);
  EXPECT_NE(output().find("medical-aid-tickets"), std::string::npos);
  write("recipients.csv",
        "InsurerNumber,InsurerName,InsuredIdentificationNumber,Name,NameKana,Sex1,Birthdate,"
        "PostNumber,Address,QualificationDate,DisqualificationDate,ReasonOfLoss,MyNumber\n"
        "12131017,千代田区福祉事務所,1234566,扶助　太郎,ﾌｼﾞｮ ﾀﾛｳ,1,19600505,,,20240101,,,"
        "123456789018\n"
        "12131017,千代田区福祉事務所,1234567,扶助　次郎,,1,19600505,,,20240101,,,\n");
  const std::string report = (dir_ / "r.json").string();
  const std::string import_recipients = onshi("import --kind medical-aid " + data() + " --report " +
                                              report + " " + (dir_ / "recipients.csv").string());
  ASSERT_EQ(run(import_recipients), 0) << output();
  std::string r = slurp(report);
  EXPECT_NE(r.find("\"accepted\":1"), std::string::npos) << r;
  EXPECT_NE(r.find("\"code\":\"E_CHECK_DIGIT\""), std::string::npos) << r;
  ASSERT_EQ(run(import_recipients), 0);
  EXPECT_NE(slurp(report).find("\"unchanged\":1"), std::string::npos);

  write("tickets.csv",
        "InsurerNumber,InsuredIdentificationNumber,TicketType,MedicalTicketValidDate,"
        "MedicalTicketExpirationDate,IssueNumber,MedicalTreatmentMonth,"
        "DesignatedMedicalInstitutionCode\n"
        "12131017,1234566,01,20250401,20250430,123,202504,1310112345\n"
        "12131017,9999996,01,20250401,20250430,124,202504,1310112345\n");
  ASSERT_EQ(run(onshi("import --kind medical-aid-tickets " + data() + " --report " + report + " " +
                      (dir_ / "tickets.csv").string())),
            0)
      << output();
  r = slurp(report);
  EXPECT_NE(r.find("\"accepted\":1"), std::string::npos) << r;
  EXPECT_NE(r.find("E_RECIPIENT_NOT_FOUND"), std::string::npos) << r;

  const std::string out = (dir_ / "view.json").string();
  ASSERT_EQ(run(onshi("quality recipients " + data() +
                      " --insurer 12131017 --recipient 1234566 --out " + out)),
            0)
      << output();
  std::string view = slurp(out);
  EXPECT_NE(view.find("\"issueNumber\":\"123\""), std::string::npos) << view;
  EXPECT_EQ(view.find("123456789018"), std::string::npos);
  ASSERT_EQ(
      run(onshi("quality tickets " + data() + " --insurer 12131017 --month 202504 --out " + out)),
      0)
      << output();
  EXPECT_NE(slurp(out).find("\"medicalTreatmentMonth\":\"202504\""), std::string::npos);
  ASSERT_EQ(run(onshi("quality medical-aid " + data() +
                      " --insurer 12131017 --as-of 20250415 --out " + out)),
            0)
      << output();
  EXPECT_NE(slurp(out).find("\"recipientsWithoutTicket\":0"), std::string::npos) << slurp(out);
  EXPECT_EQ(run(onshi("quality recipients " + data() + " --insurer 06139992 --out " + out)), 2);
  EXPECT_NE(output().find("E_INSURER_NUMBER"), std::string::npos) << output();
}

}  // namespace
