// `onshi ca issue portal` and `onshi portal`'s refusals, with the real binary (issue 17
// point 1; R-CARD-2): the certificate says OU=portal, CN=<id>; the portal listens on loopback
// only and refuses a certificate of another role, each with its code and exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "security/ca.h"

namespace {

namespace fs = std::filesystem;

class PortalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("onshi-portal-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Runs onshi with `args`; the exit code, and its stdout+stderr in `out`.
  int onshi(const std::string& args) {
    const fs::path log = dir_ / "out.txt";
    int rc = std::system((std::string(ONSHI_BINARY) + " " + args + " >" + log.string() + " 2>&1").c_str());
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
  }
  fs::path dir_;
  std::string out;
};

TEST_F(PortalCli, IssuesAPortalCertificateAndRefusesBadStarts) {
  const std::string d = "--data-dir " + dir_.string();
  ASSERT_EQ(onshi("ca init " + d), 0) << out;
  ASSERT_EQ(onshi("ca issue portal portal-1 " + d + " --out " + (dir_ / "portal").string()), 0)
      << out;
  std::ifstream in(dir_ / "portal" / "cert.pem");
  std::stringstream pem;
  pem << in.rdbuf();
  auto id = onshi::security::identity_of_pem(pem.str());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->role, onshi::core::Role::kPortal);
  EXPECT_EQ(id->id, "portal-1");
  EXPECT_EQ(onshi("ca issue portal 'bad id' " + d + " --out " + (dir_ / "bad").string()), 2);
  EXPECT_NE(out.find("E_ID"), std::string::npos) << out;

  ASSERT_EQ(onshi("ca issue institution 1310112345 " + d + " --out " + (dir_ / "clinic").string()),
            0);
  EXPECT_EQ(onshi("portal --server https://127.0.0.1:1 --cert-dir " + (dir_ / "clinic").string() +
                  " --listen 127.0.0.1:0"),
            2);
  EXPECT_NE(out.find("E_CERT_SUBJECT"), std::string::npos) << out;
  EXPECT_EQ(onshi("portal --server https://127.0.0.1:1 --cert-dir " + (dir_ / "portal").string() +
                  " --listen 0.0.0.0:0"),
            2);
  EXPECT_NE(out.find("E_FLAG"), std::string::npos) << out;
  EXPECT_EQ(onshi("portal --help"), 0);
  EXPECT_NE(out.find("--cards"), std::string::npos);
}

}  // namespace
