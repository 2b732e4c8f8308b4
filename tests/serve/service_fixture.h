// A running central service for tests: a fresh data directory with onshi's CA, client
// certificates for two institutions (1310112345 and 3410712362) and an insurer (06130488),
// and `onshi serve` on 127.0.0.1 port 0, its state in DIR or in a given database URL. Test
// suites start one per suite and talk to it with real mTLS clients.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "http/client.h"
#include "security/ca.h"
#include "serve/service.h"

namespace onshi::serve::testing {

inline const char* const kClinic = "1310112345";
inline const char* const kOther = "3410712362";
inline const char* const kInsurer = "06130488";

class RunningService {
 public:
  // Creates DIR (temp, named after `name`), the CA and certificates, and starts the service
  // on the database `db_url` ("" = the SQLite files in DIR); a read waits at most
  // `audit_timeout` for its audit entry.
  explicit RunningService(const std::string& name, const std::string& db_url = "",
                          std::chrono::milliseconds audit_timeout = std::chrono::seconds(5))
      : dir_(std::filesystem::temp_directory_path() /
             ("onshi-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    EXPECT_TRUE(security::ca_init(dir_).ok());
    EXPECT_TRUE(security::issue_client(dir_, security::Role::kInstitution, kClinic, dir_ / "clinic").ok());
    EXPECT_TRUE(security::issue_client(dir_, security::Role::kInstitution, kOther, dir_ / "other").ok());
    EXPECT_TRUE(security::issue_client(dir_, security::Role::kInsurer, kInsurer, dir_ / "insurer").ok());
    ServiceOptions o;
    o.data_dir = dir_;
    o.db_url = db_url;
    o.audit_timeout = audit_timeout;
    auto s = Service::open(o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (!s.ok()) return;
    service_ = std::move(*s);
    EXPECT_TRUE(service_->start().ok());
  }
  ~RunningService() {
    if (service_) service_->stop();
    service_.reset();
    std::filesystem::remove_all(dir_);
  }
  bool ok() const { return service_ != nullptr; }
  const std::filesystem::path& dir() const { return dir_; }

  // An mTLS client with the certificate in DIR/<who> ("clinic", "other", "insurer").
  // `gzip`: the client asks for gzip answers (and decompresses them), as the terminal does.
  http::Client client(const std::string& who, bool gzip = true) const {
    http::ClientOptions o;
    o.accept_gzip = gzip;
    o.port = service_->port();
    o.ca_file = (dir_ / who / "ca.pem").string();
    o.cert_file = (dir_ / who / "cert.pem").string();
    o.key_file = (dir_ / who / "key.pem").string();
    return http::Client(o);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Service> service_;
};

}  // namespace onshi::serve::testing
