// A throwaway PKI for the HTTP tests, made with the `openssl` command-line tool so that the
// tests do not depend on onshi's own CA code: a CA, a server certificate for IP 127.0.0.1,
// client certificates shaped like onshi's (O=onshi, OU=<role>, CN=<id>) and one client
// certificate from a second CA that carries the very same CA name, so that only the
// signature tells them apart; and institution certificates of the right CA that are expired,
// not yet valid, or meant to be revoked (made with `openssl ca`, which can set the dates).
//
// Keys are ECDSA P-256 like onshi's. The files are created once per test process in a
// temporary directory and removed at exit.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace onshi::http::test_support {

struct Pki {
  std::filesystem::path dir;
  std::string ca, server_cert, server_key;
  std::string institution_cert, institution_key;  // OU=institution, CN=1310112345
  std::string insurer_cert, insurer_key;          // OU=insurer, CN=06139999
  std::string rogue_cert, rogue_key;              // OU=institution, signed by another CA
  std::string expired_cert, expired_key;          // valid 2020-01-01 … 2020-02-01
  std::string future_cert, future_key;            // valid from 2099-01-01
  std::string revocable_cert, revocable_key;      // valid now; a test revokes it
};

inline const Pki& test_pki() {
  static const Pki pki = [] {
    Pki p;
    p.dir = std::filesystem::temp_directory_path() / ("onshi-http-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(p.dir);
    std::ofstream script(p.dir / "make.sh");
    script << R"(set -e
cat > ca.ext <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOF
cat > server.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1
authorityKeyIdentifier=keyid
EOF
cat > client.ext <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid
EOF
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }
ca() {
  key "$1"
  openssl req -new -key "$1.key" -subj "/O=onshi/CN=onshi test CA" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -signkey "$1.key" -days 2 -extfile ca.ext -out "$1.pem"
}
leaf() {
  key "$1"
  openssl req -new -key "$1.key" -subj "$3" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 -extfile "$4" -out "$1.pem"
}
ca ca
ca otherca
leaf server ca "/O=onshi/CN=127.0.0.1" server.ext
leaf institution ca "/O=onshi/OU=institution/CN=1310112345" client.ext
leaf insurer ca "/O=onshi/OU=insurer/CN=06139999" client.ext
leaf rogue otherca "/O=onshi/OU=institution/CN=1310112345" client.ext
mkdir cadb && : > cadb/index.txt && echo 1000 > cadb/serial
printf '%s\n' '[ca]' 'default_ca=test' '[test]' 'database=cadb/index.txt' 'serial=cadb/serial' \
  'new_certs_dir=cadb' 'default_md=sha256' 'policy=any' 'unique_subject=no' '[any]' \
  'O=optional' 'OU=optional' 'CN=supplied' > ca.cnf
dated() {
  key "$1"
  openssl req -new -key "$1.key" -subj "/O=onshi/OU=institution/CN=1310112345" -out "$1.csr"
  openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -preserveDN -notext \
    -startdate "$2" -enddate "$3" -extfile client.ext -in "$1.csr" -out "$1.pem"
}
dated expired 20200101000000Z 20200201000000Z
dated future 20990101000000Z 20991231000000Z
dated revocable 20200101000000Z 20990101000000Z
)";
    script.close();
    std::string cmd = "cd '" + p.dir.string() + "' && sh make.sh > make.log 2>&1";
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("openssl failed; see " + (p.dir / "make.log").string());
    auto f = [&](const char* name) { return (p.dir / name).string(); };
    p.ca = f("ca.pem");
    p.server_cert = f("server.pem");
    p.server_key = f("server.key");
    p.institution_cert = f("institution.pem");
    p.institution_key = f("institution.key");
    p.insurer_cert = f("insurer.pem");
    p.insurer_key = f("insurer.key");
    p.rogue_cert = f("rogue.pem");
    p.rogue_key = f("rogue.key");
    p.expired_cert = f("expired.pem");
    p.expired_key = f("expired.key");
    p.future_cert = f("future.pem");
    p.future_key = f("future.key");
    p.revocable_cert = f("revocable.pem");
    p.revocable_key = f("revocable.key");
    static const std::filesystem::path cleanup_dir = p.dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(cleanup_dir, ec);
    });
    return p;
  }();
  return pki;
}

}  // namespace onshi::http::test_support
