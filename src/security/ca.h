// onshi's certificate authority: the service's CA, its server certificate, and client
// certificates for institutions and insurers (R-INST-1).
//
// Every client of `onshi serve` presents a certificate from this CA. The subject says who
// the client is: O=onshi, OU=<role>, CN=<id> where role is "institution" (id = 10-digit
// 医療機関コード), "insurer" (id = 6/8-digit 保険者番号), "agency", "bureau", "reviewer" or
// "operator" — the names of core/role.h, the one OU ↔ Role table. The server maps a verified peer certificate to (role, id) and each endpoint
// checks it. Keys are ECDSA P-256 (cheap TLS handshakes); certificates are X.509 v3.
//
// Files in a data directory: DIR/ca/ca.pem, DIR/ca/ca.key (0600), DIR/ca/server.pem,
// DIR/ca/server.key (0600), DIR/ca/serial. An issued client gets OUT/cert.pem, OUT/key.pem,
// OUT/ca.pem.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/role.h"
#include "core/status.h"

namespace onshi::security {

// The certificate roles and their OU names live in core/role.h (http/ reads them too).
using core::parse_role;
using core::Role;
using core::role_name;

struct CaPaths {
  std::filesystem::path ca_cert, ca_key, server_cert, server_key;
};
CaPaths ca_paths(const std::filesystem::path& data_dir);

struct CaInitOptions {
  std::vector<std::string> server_names = {"127.0.0.1", "localhost"};  // SANs (IPs or DNS)
  int validity_days = 3650;
};
// Creates the CA and server certificate in DIR/ca. Refuses (E_CA_EXISTS) when a CA is already
// there, so a CA is never replaced by accident.
Status ca_init(const std::filesystem::path& data_dir, const CaInitOptions& options = {});

// Issues a client certificate for (role, id), validating the id for the role (institution:
// 10-digit code with check digit; insurer: 6/8-digit insurer number with check digit).
// Writes OUT/cert.pem, OUT/key.pem (0600), OUT/ca.pem. Errors: E_CA_MISSING, E_CHECK_DIGIT…,
// E_IO.
Status issue_client(const std::filesystem::path& data_dir, Role role, std::string_view id,
                    const std::filesystem::path& out_dir, int validity_days = 825);

// DIR/ca/revoked: the serial numbers of revoked client certificates, one a line — the serial
// in upper-case hex, then the holder (role:id) and the time of the revocation. `onshi serve`
// checks every handshake against it and reads it again whenever it changes, so a revocation
// counts without a restart (http::ServerOptions::revocation_file, E_TLS_CERT_REVOKED).
std::filesystem::path revocation_file(const std::filesystem::path& data_dir);

struct Revocation {
  std::string serial;  // upper-case hex
  std::string holder;  // "institution:1310112345"
  bool already = false;  // it was on the list before
};
// Revokes a client certificate (PEM) this CA issued: its serial goes onto DIR/ca/revoked.
// Revoking it again changes nothing. Errors: E_CA_MISSING, E_CERT_PARSE (not a certificate),
// E_CERT_ISSUER (not signed by this CA), E_IO.
Result<Revocation> revoke(const std::filesystem::path& data_dir, std::string_view cert_pem);

// Identity carried by a certificate's subject (O=onshi, OU=role, CN=id).
struct Identity {
  Role role;
  std::string id;
};
// Parses the subject of a PEM certificate (tests and tools).
Result<Identity> identity_of_pem(std::string_view cert_pem);

// ---- building blocks for the other authority of a data directory (J-LIS, card/card.h) ----
// The same key type (ECDSA P-256), certificate layout and file handling as above, so every
// certificate onshi makes is made one way.

struct PemPair {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8, unencrypted
};
// Subject entries in order, e.g. {{"O", "J-LIS"}, {"CN", "…"}}.
using SubjectEntries = std::vector<std::pair<std::string, std::string>>;
// A new self-signed CA (CA:TRUE, pathlen 0, keyCertSign) with a fresh P-256 key.
// Errors: E_CRYPTO.
Result<PemPair> make_ca_pem(const SubjectEntries& subject, uint64_t serial, int validity_days);
// A new P-256 key and an end-entity certificate for it (CA:FALSE, digitalSignature) signed
// by the CA given in PEM. A negative `validity_days` makes a certificate that has already
// expired (tests of expiry). Errors: E_CRYPTO (also when the CA key does not match).
Result<PemPair> issue_leaf_pem(std::string_view ca_cert_pem, std::string_view ca_key_pem,
                               const SubjectEntries& subject, uint64_t serial, int validity_days);
// Writes `data` to `path` with `mode`: temporary file, fsync, rename. Errors: E_IO.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data,
                         unsigned mode);

}  // namespace onshi::security
