// Tests of onshi's CA (R-INST-1: each institution's certificate is bound to its 医療機関コード).
//
// Certificates are checked with OpenSSL's own verifier (X509_verify_cert with the TLS client
// and server purposes), not by re-reading our own fields, so a certificate that passes here
// is one a TLS stack accepts. The last tests run the real `onshi ca` binary.
#include "security/ca.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "temp_dir.h"

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

unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr load_cert(const std::filesystem::path& p) {
  std::string pem = slurp(p);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(x);
}

// Verifies `leaf` against `ca` as OpenSSL would in a TLS handshake with `purpose`.
bool chains_to(X509* leaf, X509* ca, int purpose, std::string* why) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  bool ok = X509_verify_cert(ctx) == 1;
  if (!ok && why) *why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

// R-INST-1: `ca init` creates the CA and server certificate, keys private.
TEST(Ca, InitCreatesFiles) {
  TempDir dir("ca-init");
  Status s = ca_init(dir.path());
  ASSERT_TRUE(s.ok()) << s.error().message;
  CaPaths p = ca_paths(dir.path());
  EXPECT_TRUE(std::filesystem::exists(p.ca_cert));
  EXPECT_TRUE(std::filesystem::exists(p.server_cert));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ca" / "serial"));
  EXPECT_EQ(file_mode(p.ca_key), 0600u);
  EXPECT_EQ(file_mode(p.server_key), 0600u);
  EXPECT_EQ(file_mode(dir.path() / "ca"), 0700u);

  X509Ptr ca = load_cert(p.ca_cert);
  ASSERT_TRUE(ca);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  // The CA is self-signed and verifies as its own trust anchor.
  std::string why;
  EXPECT_TRUE(chains_to(ca.get(), ca.get(), X509_PURPOSE_ANY, &why)) << why;
}

// R-INST-1: an existing CA is never replaced.
TEST(Ca, SecondInitRefuses) {
  TempDir dir("ca-twice");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  std::string before = slurp(ca_paths(dir.path()).ca_cert);
  Status s = ca_init(dir.path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_CA_EXISTS");
  EXPECT_EQ(slurp(ca_paths(dir.path()).ca_cert), before);
}

// R-INST-1: the server certificate carries the configured names and serverAuth, and chains.
TEST(Ca, ServerCertHasSansAndChains) {
  TempDir dir("ca-server");
  CaInitOptions opt;
  opt.server_names = {"127.0.0.1", "localhost", "onshi.example.jp", "::1"};
  ASSERT_TRUE(ca_init(dir.path(), opt).ok());
  CaPaths p = ca_paths(dir.path());
  X509Ptr ca = load_cert(p.ca_cert);
  X509Ptr server = load_cert(p.server_cert);
  ASSERT_TRUE(ca && server);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(server.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(server.get(), "onshi.example.jp", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(server.get(), "evil.example.jp", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "10.0.0.1", 0), 0);
  std::string why;
  EXPECT_TRUE(chains_to(server.get(), ca.get(), X509_PURPOSE_SSL_SERVER, &why)) << why;
  EXPECT_FALSE(chains_to(server.get(), ca.get(), X509_PURPOSE_SSL_CLIENT, nullptr));
  EXPECT_NE(X509_get0_subject_key_id(server.get()), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(server.get()), nullptr);
}

// R-INST-1: a server name cannot smuggle extra SAN entries into the server certificate.
TEST(Ca, BadServerNameRefused) {
  TempDir dir("ca-badname");
  CaInitOptions opt;
  opt.server_names = {"localhost,DNS:evil.example"};
  Status s = ca_init(dir.path(), opt);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_SERVER_NAME");
  EXPECT_FALSE(std::filesystem::exists(ca_paths(dir.path()).ca_cert));
}

// R-INST-1: a certificate for an institution names its 医療機関コード and chains to the CA
// as a TLS client certificate.
TEST(Ca, IssueInstitution) {
  TempDir dir("ca-inst");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  auto out = dir.path() / "clients" / "3410712362";
  Status s = issue_client(dir.path(), Role::kInstitution, "3410712362", out);
  ASSERT_TRUE(s.ok()) << s.error().code << " " << s.error().message;
  EXPECT_TRUE(std::filesystem::exists(out / "cert.pem"));
  EXPECT_TRUE(std::filesystem::exists(out / "key.pem"));
  EXPECT_TRUE(std::filesystem::exists(out / "ca.pem"));
  EXPECT_EQ(file_mode(out / "key.pem"), 0600u);
  EXPECT_EQ(slurp(out / "ca.pem"), slurp(ca_paths(dir.path()).ca_cert));

  auto id = identity_of_pem(slurp(out / "cert.pem"));
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->role, Role::kInstitution);
  EXPECT_EQ(id->id, "3410712362");

  X509Ptr ca = load_cert(out / "ca.pem");
  X509Ptr cert = load_cert(out / "cert.pem");
  ASSERT_TRUE(ca && cert);
  std::string why;
  EXPECT_TRUE(chains_to(cert.get(), ca.get(), X509_PURPOSE_SSL_CLIENT, &why)) << why;
  // A client certificate cannot serve as a server certificate.
  EXPECT_FALSE(chains_to(cert.get(), ca.get(), X509_PURPOSE_SSL_SERVER, nullptr));
  // The key matches the certificate.
  std::string key_pem = slurp(out / "key.pem");
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert.get(), key), 1);
  EVP_PKEY_free(key);
}

// R-INST-1: a certificate from another CA does not chain to ours.
TEST(Ca, ForeignCaDoesNotVerify) {
  TempDir a("ca-a"), b("ca-b");
  ASSERT_TRUE(ca_init(a.path()).ok());
  ASSERT_TRUE(ca_init(b.path()).ok());
  ASSERT_TRUE(issue_client(a.path(), Role::kInstitution, "1310112345", a.path() / "c").ok());
  X509Ptr cert = load_cert(a.path() / "c" / "cert.pem");
  X509Ptr other_ca = load_cert(ca_paths(b.path()).ca_cert);
  EXPECT_FALSE(chains_to(cert.get(), other_ca.get(), X509_PURPOSE_SSL_CLIENT, nullptr));
}

// R-INST-1: an insurer certificate names its 保険者番号; serials are unique.
TEST(Ca, IssueInsurer) {
  TempDir dir("ca-ins");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  ASSERT_TRUE(issue_client(dir.path(), Role::kInsurer, "06139992", dir.path() / "i8").ok());
  ASSERT_TRUE(issue_client(dir.path(), Role::kInsurer, "138040", dir.path() / "i6").ok());
  auto id8 = identity_of_pem(slurp(dir.path() / "i8" / "cert.pem"));
  auto id6 = identity_of_pem(slurp(dir.path() / "i6" / "cert.pem"));
  ASSERT_TRUE(id8.ok() && id6.ok());
  EXPECT_EQ(id8->role, Role::kInsurer);
  EXPECT_EQ(id8->id, "06139992");
  EXPECT_EQ(id6->id, "138040");
  X509Ptr c8 = load_cert(dir.path() / "i8" / "cert.pem");
  X509Ptr c6 = load_cert(dir.path() / "i6" / "cert.pem");
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(c8.get()), X509_get0_serialNumber(c6.get())),
            0);
}

// R-INST-1: a code with a wrong check digit gets no certificate.
TEST(Ca, InvalidCodeRefused) {
  TempDir dir("ca-bad");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  auto out = dir.path() / "bad";
  Status s = issue_client(dir.path(), Role::kInstitution, "3410712360", out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_CHECK_DIGIT");
  EXPECT_FALSE(std::filesystem::exists(out / "cert.pem"));
  EXPECT_FALSE(issue_client(dir.path(), Role::kInstitution, "341071236", out).ok());
  EXPECT_FALSE(issue_client(dir.path(), Role::kInstitution, "", out).ok());
  EXPECT_FALSE(issue_client(dir.path(), Role::kInsurer, "06139990", out).ok());
  EXPECT_FALSE(std::filesystem::exists(out / "cert.pem"));
}

// R-AID-1, issue 15 point 1: a welfare office's certificate names its 公費負担者番号 (法別 12);
// anything else is refused with the field and reason, and nothing is written.
TEST(Ca, IssueWelfareOffice) {
  TempDir dir("ca-office");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  ASSERT_TRUE(issue_client(dir.path(), Role::kWelfareOffice, "12131017", dir.path() / "w").ok());
  auto id = identity_of_pem(slurp(dir.path() / "w" / "cert.pem"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->role, Role::kWelfareOffice);
  EXPECT_EQ(id->id, "12131017");
  auto out = dir.path() / "bad";
  const std::pair<const char*, const char*> refused[] = {
      {"12131018", "E_CHECK_DIGIT"},         // wrong check digit
      {"06139992", "E_MEDICAL_AID_NUMBER"},  // an insurer's number
      {"54016027", "E_MEDICAL_AID_NUMBER"},  // another 公費 (難病)
      {"1213101", "E_LENGTH"},
      {"1213101A", "E_NOT_DIGIT"}};
  for (const auto& [number, code] : refused) {
    Status s = issue_client(dir.path(), Role::kWelfareOffice, number, out);
    ASSERT_FALSE(s.ok()) << number;
    EXPECT_EQ(s.error().code, code) << number;
    EXPECT_EQ(s.error().field, "NUMBER") << number;
    EXPECT_FALSE(s.error().message.empty());
  }
  EXPECT_FALSE(std::filesystem::exists(out / "cert.pem"));
}

// R-INST-1: no certificate is issued without the CA.
TEST(Ca, IssueWithoutCaFails) {
  TempDir dir("ca-none");
  Status s = issue_client(dir.path(), Role::kInstitution, "3410712362", dir.path() / "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_CA_MISSING");
}

// R-INST-1: only a subject of the form O=onshi, OU=role, CN=id maps to an identity.
TEST(Ca, IdentityOfPemRejectsOthers) {
  TempDir dir("ca-ident");
  ASSERT_TRUE(ca_init(dir.path()).ok());
  // The CA's own certificate has no OU: not a client identity.
  auto r = identity_of_pem(slurp(ca_paths(dir.path()).ca_cert));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CERT_SUBJECT");
  EXPECT_FALSE(identity_of_pem("not a certificate").ok());
}

// R-INST-1: role names in certificates round-trip.
TEST(Ca, RoleNames) {
  for (Role r : {Role::kInstitution, Role::kInsurer, Role::kAgency, Role::kBureau, Role::kReviewer,
                 Role::kOperator}) {
    auto back = parse_role(role_name(r));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, r);
  }
  EXPECT_FALSE(parse_role("admin").has_value());
}

// R-INST-1, through the real binary: `onshi ca init` then `onshi ca issue institution`.
TEST(CaCli, InitAndIssue) {
  TempDir dir("ca-cli");
  std::string bin = shell_quote(ONSHI_BINARY);
  std::string data = shell_quote(dir.path().string());
  auto init = run_command(bin + " ca init --data-dir " + data +
                          " --server-name 127.0.0.1 --server-name localhost");
  EXPECT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(init.out.find("ca.pem"), std::string::npos) << init.out;
  EXPECT_TRUE(std::filesystem::exists(ca_paths(dir.path()).ca_cert));

  auto again = run_command(bin + " ca init --data-dir " + data);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("E_CA_EXISTS"), std::string::npos) << again.err;

  auto out = dir.path() / "inst";
  auto issue = run_command(bin + " ca issue institution 1310112345 --data-dir " + data + " --out " +
                           shell_quote(out.string()));
  EXPECT_EQ(issue.exit_code, 0) << issue.out << issue.err;
  for (const char* f : {"cert.pem", "key.pem", "ca.pem"}) {
    EXPECT_TRUE(std::filesystem::exists(out / f)) << f;
  }
  auto id = identity_of_pem(slurp(out / "cert.pem"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->role, Role::kInstitution);
  EXPECT_EQ(id->id, "1310112345");

  auto ins_out = dir.path() / "ins";
  auto ins = run_command(bin + " ca issue insurer 06139992 --data-dir " + data + " --out " +
                         shell_quote(ins_out.string()));
  EXPECT_EQ(ins.exit_code, 0) << ins.err;
  auto ins_id = identity_of_pem(slurp(ins_out / "cert.pem"));
  ASSERT_TRUE(ins_id.ok());
  EXPECT_EQ(ins_id->role, Role::kInsurer);

  auto bad = run_command(bin + " ca issue institution 3410712360 --data-dir " + data + " --out " +
                         shell_quote((dir.path() / "bad").string()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("E_CHECK_DIGIT"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "bad" / "cert.pem"));
}

// R-INST-1: the CA commands document themselves (--help).
TEST(CaCli, HelpDescribesCommands) {
  std::string bin = shell_quote(ONSHI_BINARY);
  for (const char* cmd : {" ca --help", " ca issue --help"}) {
    auto r = run_command(bin + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_FALSE(r.out.empty()) << cmd;
  }
  // The leaf commands document their options.
  for (const char* cmd :
       {" ca init --help", " ca issue institution --help", " ca issue insurer --help"}) {
    auto r = run_command(bin + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("--data-dir"), std::string::npos) << cmd << ": " << r.out;
  }
}

}  // namespace
}  // namespace onshi::security
