// Request counters, a latency histogram and published gauges, rendered for /metrics in the
// Prometheus text exposition format (version 0.0.4).
//
// observe() runs once per request on the I/O threads, so it must not become a point where
// threads queue up. Counters live in a few cache-line-aligned shards; each thread is pinned
// to one shard the first time it observes, so with one shard per I/O thread the shard mutex
// is never contended and costs an uncontended lock (a couple of atomic operations). render()
// is rare and simply visits every shard. Gauges are callbacks read at render time, so
// modules publish live values without pushing them on every change.
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

#include "http/server.h"

namespace onshi::http {

namespace {

constexpr std::array<double, 16> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                             1,      2.5,     5,      10};
constexpr size_t kShards = 8;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct alignas(64) Shard {
  std::mutex mu;
  // route → (status → count); the inner vector holds the handful of statuses a route returns.
  std::unordered_map<std::string, std::vector<std::pair<int, uint64_t>>, StringHash, std::equal_to<>>
      requests;
  std::array<uint64_t, kBuckets.size() + 1> buckets{};  // last = +Inf
  double sum = 0;
  uint64_t count = 0;
};

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // The shortest form that reads back as the same double ("0.00025", not 0.000250000…01).
  char buf[64];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

}  // namespace

struct Metrics::Impl {
  std::array<Shard, kShards> shards;
  std::atomic<size_t> next_shard{0};
  std::mutex gauges_mu;
  std::vector<std::pair<std::string, std::function<double()>>> gauges;

  Shard& my_shard() {
    // One slot per (thread, Metrics) pair would need a map; pinning a thread to a shard index
    // once is enough because every Metrics instance has the same number of shards.
    thread_local size_t index = SIZE_MAX;
    if (index == SIZE_MAX) index = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
    return shards[index];
  }
};

std::shared_ptr<Metrics::Impl> Metrics::make_impl() { return std::make_shared<Impl>(); }

void Metrics::observe(std::string_view route, int status, double seconds) {
  Shard& s = impl_->my_shard();
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard lock(s.mu);
  auto it = s.requests.find(route);
  if (it == s.requests.end()) it = s.requests.emplace(std::string(route), std::vector<std::pair<int, uint64_t>>{}).first;
  bool found = false;
  for (auto& [st, n] : it->second) {
    if (st == status) {
      ++n;
      found = true;
      break;
    }
  }
  if (!found) it->second.emplace_back(status, 1);
  ++s.buckets[bucket];
  s.sum += seconds;
  ++s.count;
}

void Metrics::set_gauge(std::string name, std::function<double()> read) {
  std::lock_guard lock(impl_->gauges_mu);
  for (auto& g : impl_->gauges) {
    if (g.first == name) {
      g.second = std::move(read);
      return;
    }
  }
  impl_->gauges.emplace_back(std::move(name), std::move(read));
}

std::string Metrics::render() const {
  std::map<std::pair<std::string, int>, uint64_t> requests;  // sorted for a stable output
  std::array<uint64_t, kBuckets.size() + 1> buckets{};
  double sum = 0;
  uint64_t count = 0;
  for (Shard& s : impl_->shards) {
    std::lock_guard lock(s.mu);
    for (const auto& [route, statuses] : s.requests)
      for (const auto& [st, n] : statuses) requests[{route, st}] += n;
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += s.buckets[i];
    sum += s.sum;
    count += s.count;
  }

  std::string out;
  out += "# HELP onshi_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE onshi_http_requests_total counter\n";
  for (const auto& [key, n] : requests) {
    out += "onshi_http_requests_total{route=\"" + escape_label(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP onshi_http_request_duration_seconds Time from a parsed request to its response.\n";
  out += "# TYPE onshi_http_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i];
    std::string le = i < kBuckets.size() ? format_double(kBuckets[i]) : "+Inf";
    out += "onshi_http_request_duration_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "onshi_http_request_duration_seconds_sum " + format_double(sum) + "\n";
  out += "onshi_http_request_duration_seconds_count " + std::to_string(count) + "\n";

  std::vector<std::pair<std::string, std::function<double()>>> gauges;
  {
    std::lock_guard lock(impl_->gauges_mu);
    gauges = impl_->gauges;
  }
  for (const auto& [name, read] : gauges) {
    double v = 0;
    try {
      v = read();
    } catch (...) {
      v = std::nan("");
    }
    if (name.find('{') == std::string::npos) {
      bool counter = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
      out += "# TYPE " + name + (counter ? " counter\n" : " gauge\n");
    }
    out += name + " " + format_double(v) + "\n";
  }
  return out;
}

}  // namespace onshi::http
