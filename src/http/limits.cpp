// The per-certificate connection counts and request rate of the server (http/limits.h): a
// count per certificate and a token bucket per certificate, under one mutex (a request takes
// it once, for a few arithmetic operations).
#include "http/limits.h"

#include <algorithm>
#include <cmath>

namespace onshi::http {

void PeerLimiter::configure(const Limits& limits) {
  std::lock_guard lock(mu_);
  limits_ = limits;
}

bool PeerLimiter::open(const std::string& peer) {
  if (peer.empty()) return true;
  std::lock_guard lock(mu_);
  int& n = open_[peer];
  if (limits_.max_connections_per_peer > 0 && n >= limits_.max_connections_per_peer) {
    if (n == 0) open_.erase(peer);
    return false;
  }
  ++n;
  return true;
}

void PeerLimiter::close(const std::string& peer) {
  if (peer.empty()) return;
  std::lock_guard lock(mu_);
  auto it = open_.find(peer);
  if (it != open_.end() && --it->second <= 0) open_.erase(it);
}

int PeerLimiter::take(const std::string& peer) {
  if (peer.empty()) return 0;
  std::lock_guard lock(mu_);
  const double rate = limits_.rate_per_peer;
  if (rate <= 0) return 0;
  const double burst = std::max(1.0, limits_.burst_per_peer > 0 ? limits_.burst_per_peer : 2 * rate);
  auto now = std::chrono::steady_clock::now();
  Bucket& b = buckets_[peer];
  if (!b.started) {
    b = {burst, now, true};
  } else {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + elapsed * rate);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate)));
}

}  // namespace onshi::http
