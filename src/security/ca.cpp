// onshi's own certificate authority, built directly on OpenSSL 3's X.509 API.
//
// The CA exists to bind a client's TLS key to who it is (R-INST-1): the subject of every
// client certificate is O=onshi, OU=<role>, CN=<id>, and the id is checked (check digit and
// structure) before anything is signed, so a certificate can never name an institution code
// or insurer number that cannot exist. Keys are ECDSA P-256 and every file holding a private
// key is created 0600 before a byte is written. Files are written to a temporary name and
// renamed, and ca.pem is written last, so a crash during `ca init` leaves no usable half CA
// and a later init can simply run again. Serial numbers come from a counter in DIR/ca/serial
// (hex, the next serial to use), advanced under an exclusive lock so concurrent issuers never
// reuse one.
#include "security/ca.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/medical_aid.h"
#include "core/numbers.h"

namespace onshi::security {
namespace fs = std::filesystem;

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// The last OpenSSL error as text (no key material is ever part of it).
std::string ssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Status crypto_fail(const std::string& what) {
  return Status::Fail("E_CRYPTO", "", what + ": " + ssl_error());
}

Status io_fail(const fs::path& p, const std::string& what) {
  return Status::Fail("E_IO", "", what + ": " + p.string() + " (" + std::strerror(errno) + ")");
}

// Writes `data` to `p` with `mode`, atomically (temporary file, fsync, rename).
Status write_file(const fs::path& p, std::string_view data, mode_t mode) {
  std::string tmpl = (p.parent_path() / (p.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return io_fail(p, "cannot create");
  if (::fchmod(fd, mode) != 0) {
    Status s = io_fail(p, "cannot set permissions of");
    ::close(fd);
    ::unlink(tmpl.c_str());
    return s;
  }
  size_t put = 0;
  while (put < data.size()) {
    ssize_t n = ::write(fd, data.data() + put, data.size() - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    put += static_cast<size_t>(n);
  }
  bool ok = put == data.size() && ::fsync(fd) == 0;
  Status s = ok ? Status::Ok() : io_fail(p, "cannot write");
  ::close(fd);
  if (ok && ::rename(tmpl.c_str(), p.c_str()) != 0) {
    ok = false;
    s = io_fail(p, "cannot rename into place");
  }
  if (!ok) ::unlink(tmpl.c_str());
  return s;
}

Result<std::string> read_file(const fs::path& p) {
  BioPtr bio(BIO_new_file(p.c_str(), "rb"));
  if (!bio) return io_fail(p, "cannot read");
  std::string out;
  char buf[4096];
  int n;
  while ((n = BIO_read(bio.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Result<std::string> cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return crypto_fail("cannot encode cert");
  return bio_string(bio.get());
}

// PKCS#8, unencrypted: the file's mode is the protection (as for an SSH host key).
Result<std::string> key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return crypto_fail("cannot encode key");
  return bio_string(bio.get());
}

Result<PkeyPtr> new_key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return crypto_fail("cannot generate an EC P-256 key");
  return key;
}

// Takes the next serial from DIR/ca/serial (creating it at `first` when absent).
Result<uint64_t> next_serial(const fs::path& serial_file, uint64_t first = 1) {
  int fd = ::open(serial_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_fail(serial_file, "cannot open");
  if (::flock(fd, LOCK_EX) != 0) {
    Status s = io_fail(serial_file, "cannot lock");
    ::close(fd);
    return s;
  }
  char buf[64] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  uint64_t serial = first;
  if (n > 0) {
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(buf, &end, 16);
    if (errno != 0 || end == buf || v == 0) {
      ::close(fd);
      return Status::Fail("E_IO", "", "the serial file is damaged: " + serial_file.string());
    }
    serial = v;
  }
  char next[32];
  int len =
      std::snprintf(next, sizeof next, "%016llX\n", static_cast<unsigned long long>(serial + 1));
  bool ok = ::ftruncate(fd, 0) == 0 && ::pwrite(fd, next, static_cast<size_t>(len), 0) == len &&
            ::fsync(fd) == 0;
  Status s = ok ? Status::Ok() : io_fail(serial_file, "cannot update");
  ::close(fd);  // releases the lock
  if (!ok) return s;
  return serial;
}

Status add_name(X509_NAME* name, const char* field, std::string_view value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return crypto_fail(std::string("cannot set subject ") + field);
  }
  return Status::Ok();
}

Status add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return crypto_fail(std::string("cannot add extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

struct CertSpec {
  X509_NAME* subject;      // owned by the caller
  EVP_PKEY* public_key;    // the subject's key
  X509* issuer = nullptr;  // nullptr: self-signed
  EVP_PKEY* issuer_key;
  uint64_t serial;
  int validity_days;
  // Extension values in OpenSSL's config syntax, applied in order.
  std::vector<std::pair<int, std::string>> extensions;
};

Result<X509Ptr> make_cert(const CertSpec& spec) {
  X509Ptr cert(X509_new());
  if (!cert) return crypto_fail("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), spec.serial) != 1 ||
      // A few minutes of slack for clients whose clocks run behind.
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), spec.validity_days, 0, nullptr) ||
      X509_set_subject_name(cert.get(), spec.subject) != 1 ||
      X509_set_issuer_name(cert.get(),
                           spec.issuer ? X509_get_subject_name(spec.issuer) : spec.subject) != 1 ||
      X509_set_pubkey(cert.get(), spec.public_key) != 1) {
    return crypto_fail("cannot fill the certificate");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, spec.issuer ? spec.issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : spec.extensions) {
    if (Status s = add_ext(cert.get(), &ctx, nid, value); !s.ok()) return s.error();
  }
  if (X509_sign(cert.get(), spec.issuer_key, EVP_sha256()) <= 0) {
    return crypto_fail("cannot sign the certificate");
  }
  return cert;
}

// "127.0.0.1" → "IP:127.0.0.1", "localhost" → "DNS:localhost". Rejects anything that could
// smuggle another entry into the extension string.
Result<std::string> san_entry(std::string_view name) {
  std::string n(name);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, n.c_str(), buf) == 1 || ::inet_pton(AF_INET6, n.c_str(), buf) == 1) {
    return "IP:" + n;
  }
  bool ok = !n.empty() && n.size() <= 253;
  for (char c : n) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.' || c == '*';
    ok = ok && allowed;
  }
  if (!ok) {
    return Error{"E_SERVER_NAME", "server_name", "not an IP address or DNS name: \"" + n + "\""};
  }
  return "DNS:" + n;
}

// Checks that `id` is a valid identifier for `role`, returning its canonical form.
Result<std::string> canonical_id(Role role, std::string_view id) {
  switch (role) {
    case Role::kInstitution: {
      Status s = core::check_medical_institution_code(id);
      if (!s.ok()) return s.error();
      return std::string(id);
    }
    case Role::kInsurer: {
      Status s = core::check_insurer_number(id);
      if (!s.ok()) return s.error();
      return core::trim_insurer_number(id);
    }
    case Role::kWelfareOffice: {
      // 公費負担者番号 of 医療扶助: 8 digits, 法別 12, check digit (domain-rules §3).
      Status s = core::check_public_expense_number(id);
      const bool eight_digits =
          id.size() == 8 && id.find_first_not_of("0123456789") == std::string_view::npos;
      if (eight_digits && !core::is_medical_aid_number(id))
        return Error{"E_MEDICAL_AID_NUMBER", "NUMBER",
                     "福祉事務所の公費負担者番号は法別 12（生活保護法 医療扶助）で始まる8桁です"};
      if (!s.ok()) return Error{s.error().code, "NUMBER", s.error().message};
      return std::string(id);
    }
    default: {
      bool ok = !id.empty() && id.size() <= 64;
      for (char c : id) {
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.');
      }
      if (!ok) {
        return Error{"E_ID", "",
                     "an id must be 1–64 characters of letters, digits, '-', '_' or '.'"};
      }
      return std::string(id);
    }
  }
}

Status make_dir(const fs::path& dir, mode_t mode) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  fs::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return io_fail(dir, "cannot create directory");
  }
  return Status::Ok();
}

}  // namespace

CaPaths ca_paths(const fs::path& data_dir) {
  fs::path d = data_dir / "ca";
  return {d / "ca.pem", d / "ca.key", d / "server.pem", d / "server.key"};
}

namespace {

// The subjectAltName value for the server certificate's names.
Result<std::string> server_sans(const std::vector<std::string>& names) {
  if (names.empty())
    return Status::Fail("E_SERVER_NAME", "server_name", "at least one server name is needed")
        .error();
  std::string sans;
  for (const auto& n : names) {
    auto e = san_entry(n);
    if (!e.ok()) return e.error();
    if (!sans.empty()) sans += ',';
    sans += *e;
  }
  return sans;
}

using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;

// O=onshi, CN=`common_name`.
Result<NamePtr> onshi_name(const char* common_name) {
  NamePtr name(X509_NAME_new());
  if (!name) return crypto_fail("X509_NAME_new").error();
  if (Status s = add_name(name.get(), "O", "onshi"); !s.ok()) return s.error();
  if (Status s = add_name(name.get(), "CN", common_name); !s.ok()) return s.error();
  return name;
}

// The self-signed CA certificate.
Result<X509Ptr> make_ca_cert(EVP_PKEY* ca_key, uint64_t serial, int validity_days) {
  auto ca_name = onshi_name("onshi CA");
  if (!ca_name.ok()) return ca_name.error();
  return make_cert({.subject = ca_name->get(),
                    .public_key = ca_key,
                    .issuer = nullptr,
                    .issuer_key = ca_key,
                    .serial = serial,
                    .validity_days = validity_days,
                    .extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   {NID_subject_key_identifier, "hash"},
                                   {NID_authority_key_identifier, "keyid:always"}}});
}

// The server certificate for `sans`, signed by the CA.
Result<X509Ptr> make_server_cert(EVP_PKEY* server_key, X509* ca, EVP_PKEY* ca_key, uint64_t serial,
                                 int validity_days, const std::string& sans) {
  auto server_name = onshi_name("onshi server");
  if (!server_name.ok()) return server_name.error();
  return make_cert({.subject = server_name->get(),
                    .public_key = server_key,
                    .issuer = ca,
                    .issuer_key = ca_key,
                    .serial = serial,
                    .validity_days = validity_days,
                    .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                                   {NID_key_usage, "critical,digitalSignature"},
                                   {NID_ext_key_usage, "serverAuth"},
                                   {NID_subject_alt_name, sans},
                                   {NID_subject_key_identifier, "hash"},
                                   {NID_authority_key_identifier, "keyid:always"}}});
}

// Keys first, ca.pem last: ca.pem is what marks a finished CA.
Status write_ca_files(const CaPaths& paths, EVP_PKEY* ca_key, EVP_PKEY* server_key, X509* ca,
                      X509* server) {
  auto ca_key_pem = key_pem(ca_key);
  auto server_key_pem = key_pem(server_key);
  auto ca_pem = cert_pem(ca);
  auto server_pem = cert_pem(server);
  for (const auto* r : {&ca_key_pem, &server_key_pem, &ca_pem, &server_pem}) {
    if (!r->ok()) return r->error();
  }
  if (Status s = write_file(paths.ca_key, *ca_key_pem, 0600); !s.ok()) return s;
  if (Status s = write_file(paths.server_key, *server_key_pem, 0600); !s.ok()) return s;
  if (Status s = write_file(paths.server_cert, *server_pem, 0644); !s.ok()) return s;
  std::error_code ec;
  if (fs::exists(paths.ca_cert, ec)) {  // another init finished meanwhile
    return Status::Fail("E_CA_EXISTS", "",
                        "a CA was created concurrently in " + paths.ca_cert.parent_path().string());
  }
  return write_file(paths.ca_cert, *ca_pem, 0644);
}

}  // namespace

Status ca_init(const fs::path& data_dir, const CaInitOptions& options) {
  CaPaths paths = ca_paths(data_dir);
  std::error_code ec;
  if (fs::exists(paths.ca_cert, ec)) {
    return Status::Fail("E_CA_EXISTS", "",
                        "a CA already exists in " + paths.ca_cert.parent_path().string() +
                            "; it is never replaced (remove it by hand to start over)");
  }
  auto sans = server_sans(options.server_names);
  if (!sans.ok()) return sans.error();
  if (options.validity_days <= 0) {
    return Status::Fail("E_VALIDITY", "validity_days", "validity must be at least one day");
  }
  if (Status s = make_dir(paths.ca_cert.parent_path(), 0700); !s.ok()) return s;

  auto ca_key = new_key();
  if (!ca_key.ok()) return ca_key.error();
  auto server_key = new_key();
  if (!server_key.ok()) return server_key.error();

  fs::path serial_file = paths.ca_cert.parent_path() / "serial";
  ::unlink(serial_file.c_str());  // left by an init that did not finish
  auto ca_serial = next_serial(serial_file);
  if (!ca_serial.ok()) return ca_serial.error();
  auto server_serial = next_serial(serial_file);
  if (!server_serial.ok()) return server_serial.error();

  auto ca = make_ca_cert(ca_key->get(), *ca_serial, options.validity_days);
  if (!ca.ok()) return ca.error();
  auto server = make_server_cert(server_key->get(), ca->get(), ca_key->get(), *server_serial,
                                 options.validity_days, *sans);
  if (!server.ok()) return server.error();
  return write_ca_files(paths, ca_key->get(), server_key->get(), ca->get(), server->get());
}

Status issue_client(const fs::path& data_dir, Role role, std::string_view id,
                    const fs::path& out_dir, int validity_days) {
  auto canonical = canonical_id(role, id);
  if (!canonical.ok()) return canonical.error();
  if (validity_days <= 0) {
    return Status::Fail("E_VALIDITY", "validity_days", "validity must be at least one day");
  }
  CaPaths paths = ca_paths(data_dir);
  std::error_code ec;
  if (!fs::exists(paths.ca_cert, ec) || !fs::exists(paths.ca_key, ec)) {
    return Status::Fail(
        "E_CA_MISSING", "",
        "no CA in " + paths.ca_cert.parent_path().string() + " (run `onshi ca init` first)");
  }
  auto ca_pem = read_file(paths.ca_cert);
  if (!ca_pem.ok()) return ca_pem.error();
  X509Ptr ca;
  {
    BioPtr bio(BIO_new_mem_buf(ca_pem->data(), static_cast<int>(ca_pem->size())));
    ca.reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  }
  if (!ca) return crypto_fail("cannot read the CA certificate " + paths.ca_cert.string());
  PkeyPtr ca_key;
  {
    BioPtr bio(BIO_new_file(paths.ca_key.c_str(), "rb"));
    if (!bio) return io_fail(paths.ca_key, "cannot read");
    ca_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!ca_key) return crypto_fail("cannot read the CA key " + paths.ca_key.string());
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
    return crypto_fail("the CA key does not match the CA certificate");
  }

  auto key = new_key();
  if (!key.ok()) return key.error();
  auto serial = next_serial(paths.ca_cert.parent_path() / "serial");
  if (!serial.ok()) return serial.error();

  std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>> name(X509_NAME_new());
  if (!name) return crypto_fail("X509_NAME_new");
  if (Status s = add_name(name.get(), "O", "onshi"); !s.ok()) return s;
  if (Status s = add_name(name.get(), "OU", role_name(role)); !s.ok()) return s;
  if (Status s = add_name(name.get(), "CN", *canonical); !s.ok()) return s;
  auto cert = make_cert({.subject = name.get(),
                         .public_key = key->get(),
                         .issuer = ca.get(),
                         .issuer_key = ca_key.get(),
                         .serial = *serial,
                         .validity_days = validity_days,
                         .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                                        {NID_key_usage, "critical,digitalSignature"},
                                        {NID_ext_key_usage, "clientAuth"},
                                        {NID_subject_key_identifier, "hash"},
                                        {NID_authority_key_identifier, "keyid:always"}}});
  if (!cert.ok()) return cert.error();
  auto pem = cert_pem(cert->get());
  if (!pem.ok()) return pem.error();
  auto kpem = key_pem(key->get());
  if (!kpem.ok()) return kpem.error();

  if (Status s = make_dir(out_dir, 0700); !s.ok()) return s;
  if (Status s = write_file(out_dir / "key.pem", *kpem, 0600); !s.ok()) return s;
  if (Status s = write_file(out_dir / "cert.pem", *pem, 0644); !s.ok()) return s;
  return write_file(out_dir / "ca.pem", *ca_pem, 0644);
}

Status write_file_atomic(const fs::path& path, std::string_view data, unsigned mode) {
  return write_file(path, data, static_cast<mode_t>(mode));
}

namespace {
Result<std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>> make_name(
    const SubjectEntries& subject) {
  std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>> name(X509_NAME_new());
  if (!name) return crypto_fail("X509_NAME_new").error();
  for (const auto& [field, value] : subject) {
    if (Status s = add_name(name.get(), field.c_str(), value); !s.ok()) return s.error();
  }
  return name;
}

// A new key pair and its certificate, signed by `issuer_key` under `issuer` (both null: self-
// signed), as PEM.
Result<PemPair> new_cert_pem(const SubjectEntries& subject, X509* issuer, EVP_PKEY* issuer_key,
                             uint64_t serial, int validity_days,
                             std::vector<std::pair<int, std::string>> extensions) {
  auto key = new_key();
  if (!key.ok()) return key.error();
  auto name = make_name(subject);
  if (!name.ok()) return name.error();
  auto cert = make_cert({.subject = name->get(),
                         .public_key = key->get(),
                         .issuer = issuer,
                         .issuer_key = issuer_key ? issuer_key : key->get(),
                         .serial = serial,
                         .validity_days = validity_days,
                         .extensions = std::move(extensions)});
  if (!cert.ok()) return cert.error();
  auto cpem = cert_pem(cert->get());
  if (!cpem.ok()) return cpem.error();
  auto kpem = key_pem(key->get());
  if (!kpem.ok()) return kpem.error();
  return PemPair{std::move(*cpem), std::move(*kpem)};
}
}  // namespace

Result<PemPair> make_ca_pem(const SubjectEntries& subject, uint64_t serial, int validity_days) {
  return new_cert_pem(subject, nullptr, nullptr, serial, validity_days,
                      {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"},
                       {NID_authority_key_identifier, "keyid:always"}});
}

Result<PemPair> issue_leaf_pem(std::string_view ca_cert_pem, std::string_view ca_key_pem,
                               const SubjectEntries& subject, uint64_t serial,
                               int validity_days) {
  X509Ptr ca;
  {
    BioPtr bio(BIO_new_mem_buf(ca_cert_pem.data(), static_cast<int>(ca_cert_pem.size())));
    ca.reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  }
  if (!ca) return crypto_fail("cannot read the CA certificate").error();
  PkeyPtr ca_key;
  {
    BioPtr bio(BIO_new_mem_buf(ca_key_pem.data(), static_cast<int>(ca_key_pem.size())));
    ca_key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  }
  if (!ca_key) return crypto_fail("cannot read the CA key").error();
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
    return crypto_fail("the CA key does not match the CA certificate").error();
  }
  return new_cert_pem(subject, ca.get(), ca_key.get(), serial, validity_days,
                      {{NID_basic_constraints, "critical,CA:FALSE"},
                       {NID_key_usage, "critical,digitalSignature"},
                       {NID_subject_key_identifier, "hash"},
                       {NID_authority_key_identifier, "keyid:always"}});
}

Result<Identity> identity_of_pem(std::string_view cert_pem_text) {
  BioPtr bio(BIO_new_mem_buf(cert_pem_text.data(), static_cast<int>(cert_pem_text.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return Error{"E_CERT_PARSE", "", "not a PEM certificate"};
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  // Exactly one entry of each; a subject with two OUs or CNs is ambiguous and refused.
  auto only = [&](int nid) -> std::optional<std::string> {
    int i = X509_NAME_get_index_by_NID(subject, nid, -1);
    if (i < 0 || X509_NAME_get_index_by_NID(subject, nid, i) >= 0) return std::nullopt;
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) return std::nullopt;
    std::string s(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
    return s;
  };
  auto o = only(NID_organizationName);
  auto ou = only(NID_organizationalUnitName);
  auto cn = only(NID_commonName);
  if (!o || *o != "onshi" || !ou || !cn || cn->empty()) {
    return Error{"E_CERT_SUBJECT", "", "the certificate subject is not O=onshi, OU=role, CN=id"};
  }
  auto role = parse_role(*ou);
  if (!role) return Error{"E_CERT_SUBJECT", "", "unknown role in certificate: " + *ou};
  return Identity{*role, *cn};
}

}  // namespace onshi::security
