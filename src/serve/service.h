// The central service assembled: the store, keys, audit log, confirmation and registration
// use cases bound to HTTPS routes. `onshi serve` and `onshi demo` run this.
//
// Routes (client certificate roles in brackets; see docs/api.md and docs/openapi.yaml):
//   POST /xml/OQSsiquc01               [institution] OQSsiquc01req → OQSsiquc01res (XML)
//   POST /v1/qualification-confirmations [institution] the same in JSON
//   POST /v1/registrations             [insurer]     members as JSON, per-record errors
//   GET  /healthz, GET /metrics        [any certificate]
// The institution code in a request must equal the certificate's; an insurer may register
// only its own insurer number. The service owns no state outside the data directory.
// A read of a person's data is answered only once its audit entry is durable; /healthz is
// 503 while the audit log cannot write, and /metrics counts the refused answers.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/server.h"

namespace onshi::serve {

struct ServiceOptions {
  std::filesystem::path data_dir;  // keys and certificates (DIR/keys, DIR/ca, DIR/jlis)
  std::string db_url;              // the state; "" = sqlite:DIR (store/database.h)
  std::string db_read_url;         // postgresql: a read replica for confirmations, or ""
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = ephemeral
  int threads = 2;
  // How long a confirmation waits for its audit entry before it is refused (E_STORE).
  std::chrono::milliseconds audit_timeout{5000};
  size_t max_body_bytes = 64 * 1024 * 1024;
  // What the clinical views keep of people's rows in memory (clinical::Viewer; 0 = nothing).
  size_t view_cache_bytes = size_t{64} << 20;
  http::Limits limits;  // header size, timeouts, connections and rate per certificate
};

class Service {
 public:
  // Opens the database (`db_url`, by default the SQLite files in DIR), DIR/keys, and the
  // certificates `onshi ca init` put in DIR/ca; holds DIR/.onshi-serve.lock while it lives.
  // Refuses to start when it could not audit: on SQLite every store and audit file must be
  // writable, and on every backend the audit log's tail readable.
  // Errors: E_CA_MISSING, E_LOCKED (another service holds DIR; the message names its pid),
  // E_DB_URL, E_STORE_OPEN (unreachable, not writable, cannot be opened), E_STORE_SCHEMA,
  // E_STORE, E_KEY_MISSING, E_KEY_IO.
  static Result<std::unique_ptr<Service>> open(const ServiceOptions& options);
  ~Service();
  Status start();          // binds and serves (E_LISTEN)
  uint16_t port() const;   // bound port
  // Every route served, with the certificate roles each admits (http::Router::routes), read
  // from the running router: /healthz and /metrics included.
  std::vector<http::RouteInfo> routes() const;
  void wait();             // until SIGINT/SIGTERM or stop()
  void stop();             // stops serving and flushes the audit log

 private:
  Service();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "host:port" → parts. Errors: E_FLAG (field "listen").
Result<std::pair<std::string, uint16_t>> parse_listen(std::string_view listen);

}  // namespace onshi::serve
