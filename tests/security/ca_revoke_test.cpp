// `onshi ca revoke` (R-INST-1, issue 20 point 4): a certificate this CA issued goes onto
// DIR/ca/revoked with its serial and holder; revoking it again changes nothing; a certificate
// of another CA or a file that is no certificate is refused and the list is left as it was.
// Through the real binary and through security::revoke.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "security/ca.h"
#include "security/temp_dir.h"

namespace onshi::security {
namespace {

using onshi::testing::run_command;
using onshi::testing::shell_quote;
using onshi::testing::TempDir;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CaRevoke, RevokesOnceAndOnlyItsOwnCertificates) {
  TempDir dir("ca-revoke"), other("ca-revoke-other");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  ASSERT_TRUE(ca_init(other.path()).ok());
  ASSERT_TRUE(issue_client(dir.path(), Role::kInstitution, "1310112345", dir.path() / "a").ok());
  ASSERT_TRUE(issue_client(dir.path(), Role::kInsurer, "06139992", dir.path() / "b").ok());
  ASSERT_TRUE(issue_client(other.path(), Role::kInstitution, "1310112345", other.path() / "x").ok());
  const std::string bin = shell_quote(ONSHI_BINARY);
  const std::string data = " --data-dir " + shell_quote(dir.path().string());

  auto r = run_command(bin + " ca revoke " + shell_quote((dir.path() / "a" / "cert.pem").string()) + data);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("revoked institution:1310112345"), std::string::npos) << r.out;
  const std::string list = slurp(revocation_file(dir.path()));
  EXPECT_NE(list.find(" institution:1310112345 "), std::string::npos) << list;
  EXPECT_EQ(list.find("insurer:"), std::string::npos) << list;

  auto again = revoke(dir.path(), slurp(dir.path() / "a" / "cert.pem"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already);
  EXPECT_EQ(slurp(revocation_file(dir.path())), list);

  // Bad input: another CA's certificate, and a file that is no certificate.
  auto foreign = run_command(bin + " ca revoke " + shell_quote((other.path() / "x" / "cert.pem").string()) + data);
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.err.find("E_CERT_ISSUER"), std::string::npos) << foreign.err;
  auto key = run_command(bin + " ca revoke " + shell_quote((dir.path() / "b" / "key.pem").string()) + data);
  EXPECT_EQ(key.exit_code, 2);
  EXPECT_NE(key.err.find("E_CERT_PARSE"), std::string::npos) << key.err;
  EXPECT_EQ(slurp(revocation_file(dir.path())), list);

  auto help = run_command(bin + " ca revoke --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("revoke"), std::string::npos);
}

}  // namespace
}  // namespace onshi::security
