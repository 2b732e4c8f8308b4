// Revocation of client certificates (security/ca.h): `onshi ca revoke` puts a certificate's
// serial onto DIR/ca/revoked, the list `onshi serve` checks in every handshake. Only a
// certificate this CA signed can be revoked (its signature is checked against DIR/ca/ca.pem),
// so a typo cannot put a stranger's serial onto the list. The file is replaced atomically.
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "core/date.h"
#include "security/ca.h"

namespace onshi::security {
namespace {

namespace fs = std::filesystem;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr read_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  ERR_clear_error();
  return X509Ptr(x);
}

std::string serial_of(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  size_t nz = out.find_first_not_of('0');
  return nz == std::string::npos ? "0" : out.substr(nz);
}

}  // namespace

fs::path revocation_file(const fs::path& data_dir) { return data_dir / "ca" / "revoked"; }

Result<Revocation> revoke(const fs::path& data_dir, std::string_view cert_pem) {
  CaPaths paths = ca_paths(data_dir);
  std::ifstream ca_in(paths.ca_cert);
  if (!ca_in)
    return Error{"E_CA_MISSING", "",
                 "no CA in " + paths.ca_cert.parent_path().string() + " (run `onshi ca init` first)"};
  std::stringstream ca_text;
  ca_text << ca_in.rdbuf();
  X509Ptr ca = read_pem(ca_text.str());
  X509Ptr cert = read_pem(cert_pem);
  if (!ca) return Error{"E_CA_MISSING", "", "cannot read the CA certificate " + paths.ca_cert.string()};
  if (!cert) return Error{"E_CERT_PARSE", "cert", "not a PEM certificate"};
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
  if (ca_key == nullptr || X509_verify(cert.get(), ca_key) != 1) {
    ERR_clear_error();
    return Error{"E_CERT_ISSUER", "cert", "the certificate was not issued by this CA"};
  }
  Revocation r;
  r.serial = serial_of(cert.get());
  if (auto id = identity_of_pem(cert_pem)) r.holder = std::string(role_name(id->role)) + ":" + id->id;
  const fs::path file = revocation_file(data_dir);
  std::string list;
  if (std::ifstream in(file); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    list = ss.str();
  }
  std::istringstream lines(list);
  for (std::string line; std::getline(lines, line);)
    if (line.substr(0, line.find(' ')) == r.serial) r.already = true;
  if (r.already) return r;
  if (list.empty()) list = "# onshi: revoked client certificates (serial holder time)\n";
  if (list.back() != '\n') list.push_back('\n');
  list += r.serial + " " + (r.holder.empty() ? "-" : r.holder) + " " + core::timestamp_jst() + "\n";
  if (Status s = write_file_atomic(file, list, 0644); !s.ok()) return s.error();
  return r;
}

}  // namespace onshi::security
