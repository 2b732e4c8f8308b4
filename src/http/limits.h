// The server's limits against exhaustion (ServerOptions::limits, `onshi serve` flags): how
// large a request's header may be, how long a handshake and an idle connection may take,
// how many connections may be open in total and per client certificate, and how many
// requests a second one certificate may send. PeerLimiter keeps the per-certificate counts;
// it is thread-safe and knows nothing of sockets.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace onshi::http {

struct Limits {
  unsigned max_header_bytes = 16 * 1024;  // request line and headers; over it 431
  int handshake_timeout_s = 30;           // TLS handshake, from the accept
  // A connection waiting for a request, and the time a request's header and body may take
  // to arrive (a slowloris is cut after it); also the time to write an answer.
  int idle_timeout_s = 120;
  int max_connections = 10000;          // open connections in total; over it closed at once
  int max_connections_per_peer = 1000;  // per client certificate; over it 503 E_TOO_MANY_CONNECTIONS
  double rate_per_peer = 0;   // requests a second per certificate, 0 = no limit; over it 429
  double burst_per_peer = 0;  // requests at once before the rate counts (0 = 2 × rate, ≥ 1)
};

class PeerLimiter {
 public:
  void configure(const Limits& limits);
  // A connection of `peer` (role:id; "" = no certificate, never limited) is open: false
  // when it is one over max_connections_per_peer (then it was not counted).
  bool open(const std::string& peer);
  void close(const std::string& peer);
  // A request of `peer`: 0 when it may go on, else the whole seconds until it may
  // (Retry-After). /healthz and /metrics are not counted by the server.
  int take(const std::string& peer);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
    bool started = false;
  };
  std::mutex mu_;
  Limits limits_;
  std::unordered_map<std::string, int> open_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace onshi::http
