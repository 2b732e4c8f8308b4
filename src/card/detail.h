// Internals shared by the parts of the card module (card.cpp: the chip; jlis.cpp: issue,
// link, revoke; verifier.cpp: the central service's check): the J-LIS CA files and the
// OpenSSL handles they pass around. The register is the database's (store/cards.h). Not part
// of the module's API.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "card/card.h"
#include "core/status.h"

namespace onshi::card::detail {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// PEM → certificate / private key (nullptr when not one).
X509Ptr parse_cert(std::string_view pem);
PkeyPtr parse_key(std::string_view pem);
// The certificate serial as upper-case hex without leading zeros (OpenSSL's BN_bn2hex form).
std::string serial_hex(X509* cert);

// The J-LIS CA in PEM, created on first use (under a lock, so two issuers agree on one).
struct CaPem {
  std::string cert_pem, key_pem;
};
Result<CaPem> load_or_create_ca(const std::filesystem::path& data_dir);
// The CA certificate alone, or nullopt when there is none yet. Errors: E_CARD_CERT.
Result<std::optional<std::string>> read_ca_cert(const std::filesystem::path& data_dir);

// The checks Card::load makes of a card file's bytes, on bytes already in memory (`file`
// names it in the error). Errors: E_CARD_FILE.
Status check_card_file(std::string_view bytes, const std::filesystem::path& file);

// A 4-digit PIN.
bool pin_format_ok(std::string_view pin);
// A random positive serial of at least 33 bits (jlis.cpp).
uint64_t random_serial();

// Writes a new card file at `out` (0600, atomically) with a fresh salted PIN hash and three
// tries (card.cpp). Errors: E_CARD_FILE, E_IO.
Status write_new_card_file(const std::filesystem::path& out, const std::string& serial,
                           const std::string& label, const std::string& cert_pem,
                           const std::string& key_pem, std::string_view pin);

}  // namespace onshi::card::detail
