// bench_loadgen: an HTTPS load generator that presents a client certificate, for measuring
// `onshi serve` (wrk and most other generators cannot do mutual TLS).
//
// A fixed number of keep-alive connections run on one io_context; each connection sends a
// request, waits for its response, and sends the next one (closed loop), cycling through
// the request bodies read from a file. Requests are built once and shared read-only by all
// connections, so the generator spends its CPU on TLS and sockets, not on copying bodies —
// it shares the machine with the server it measures. Latencies are kept per connection
// (no shared state on the hot path) and merged at the end into one JSON line:
//   {"requests":N,"seconds":S,"rps":R,"p50_ms":…,"p99_ms":…,"errors":E,"non2xx":K,
//    "body_bytes":B (the answers' mean body length)}
//
// The streams run on their connection's strand as their own executor type, not Beast's
// type-erased tcp_stream: a large answer takes several reads, and each would copy and
// destroy a type-erased executor.
//
// Every answer is read whole and checked — its status, and that its body has the length its
// header announced (else it counts as an error) — but the body is only counted, never copied
// into a string: a 33 KB clinical view costs the generator its TLS and parsing, no more.
//
// Usage:
//   bench_loadgen --host 127.0.0.1 --port P --ca CA --cert C --key K --path /xml/OQSsiquc01
//     --method POST --content-type application/xml --bodies FILE --connections 32
//     --duration 10 [--threads 1] [--one-per-line] [--paths FILE] [--header 'Name: value']…
// FILE holds request bodies separated by lines containing a single form feed, or one body
// per line with --one-per-line. With --method GET and no --bodies the path is hit as is;
// --paths names a file of paths, one a line, cycled through instead of --path (one person
// after another for the clinical views); --header adds a header to every request (e.g.
// "Accept-Encoding: gzip", as a browser sends it: the body is then counted as it came, not
// decompressed).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ca, cert, key;
  std::string path = "/healthz";
  std::string method = "GET";
  std::string content_type = "application/json";
  std::string bodies_file;
  std::string paths_file;
  std::vector<std::string> headers;  // "Name: value", added to every request
  bool one_per_line = false;
  int connections = 32;
  double duration = 10;
  int threads = 1;
};

using Request = bhttp::request<bhttp::string_body>;

// A response body that is counted, not kept: `value_type` is the number of body bytes read.
// finish() fails when the body is shorter or longer than its Content-Length.
struct CountedBody {
  struct value_type {
    uint64_t bytes = 0;
    std::optional<uint64_t> expected;
  };
  static uint64_t size(const value_type& v) { return v.bytes; }

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& v) : v_(v) {}
    void init(const boost::optional<uint64_t>& length, error_code& ec) {
      v_.bytes = 0;
      v_.expected.reset();
      if (length) v_.expected = *length;
      ec = {};
    }
    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      const size_t n = net::buffer_size(buffers);
      v_.bytes += n;
      ec = {};
      return n;
    }
    void finish(error_code& ec) {
      ec = v_.expected && *v_.expected != v_.bytes ? bhttp::error::partial_message : error_code{};
    }

   private:
    value_type& v_;
  };
};

std::vector<std::string> read_bodies(const std::string& file, bool one_per_line) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::vector<std::string> bodies;
  std::string line, current;
  bool has_current = false;
  auto flush = [&] {
    if (has_current && !current.empty()) bodies.push_back(current);
    current.clear();
    has_current = false;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (one_per_line) {
      if (!line.empty()) bodies.push_back(line);
      continue;
    }
    if (line == "\f") {
      flush();
      continue;
    }
    if (has_current) current.push_back('\n');
    current += line;
    has_current = true;
  }
  flush();
  return bodies;
}

struct Shared {
  const Options& options;
  ssl::context& tls;
  tcp::resolver::results_type endpoints;
  std::vector<Request> requests;
  Clock::time_point deadline;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, Shared& shared, size_t first)
      : shared_(shared), strand_(net::make_strand(ioc)), next_(first) {
    latencies_us_.reserve(1 << 16);
    // Room for whole TLS records: Beast reads at most the buffer's free capacity at a time, so
    // an unreserved buffer reads a large answer (a 33 KB clinical view) a few hundred bytes
    // per read, and the generator, on the same cores as the server, pays for it.
    buffer_.reserve(64 * 1024);
  }

  void start() { connect(); }

  const std::vector<uint32_t>& latencies_us() const { return latencies_us_; }
  uint64_t errors() const { return errors_; }
  uint64_t non2xx() const { return non2xx_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  void connect() {
    if (Clock::now() >= shared_.deadline) return;
    stream_.emplace(strand_, shared_.tls);
    if (!shared_.options.host.empty()) {
      error_code not_ip;
      net::ip::make_address(shared_.options.host, not_ip);
      if (not_ip) SSL_set_tlsext_host_name(stream_->native_handle(), shared_.options.host.c_str());
    }
    stream_->set_verify_callback(ssl::host_name_verification(shared_.options.host));
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(*stream_).async_connect(
        shared_.endpoints, [self = shared_from_this()](error_code ec, const tcp::endpoint&) {
          if (ec) return self->fail();
          error_code ignored;
          beast::get_lowest_layer(*self->stream_).socket().set_option(tcp::no_delay(true), ignored);
          self->stream_->async_handshake(ssl::stream_base::client, [self](error_code ec) {
            if (ec) return self->fail();
            self->send();
          });
        });
  }

  void send() {
    if (Clock::now() >= shared_.deadline) return close();
    const Request& req = shared_.requests[next_ % shared_.requests.size()];
    ++next_;
    sent_at_ = Clock::now();
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(30));
    bhttp::async_write(*stream_, req, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->fail();
      self->response_ = {};
      bhttp::async_read(*self->stream_, self->buffer_, self->response_, [self](error_code ec, size_t) {
        if (ec) return self->fail();
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - self->sent_at_).count();
        self->latencies_us_.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
        self->body_bytes_ += self->response_.body().bytes;
        unsigned status = self->response_.result_int();
        if (status < 200 || status >= 300) ++self->non2xx_;
        if (!self->response_.keep_alive()) {
          self->drop();
          return self->connect();
        }
        self->send();
      });
    });
  }

  void fail() {
    if (Clock::now() < shared_.deadline) ++errors_;
    drop();
    // Back off briefly so a refusing server does not turn the generator into a spin loop.
    auto timer = std::make_shared<net::steady_timer>(strand_, std::chrono::milliseconds(50));
    timer->async_wait([self = shared_from_this(), timer](error_code) { self->connect(); });
  }

  void drop() {
    if (stream_) {
      error_code ec;
      beast::get_lowest_layer(*stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(*stream_).close();
    }
    buffer_.clear();
  }

  void close() { drop(); }

  Shared& shared_;
  net::strand<net::io_context::executor_type> strand_;
  // The stream on the connection's strand itself, not a type-erased executor: each of the
  // several reads of a large answer then costs no executor copies.
  using Stream = beast::basic_stream<tcp, net::strand<net::io_context::executor_type>>;
  std::optional<beast::ssl_stream<Stream>> stream_;
  beast::flat_buffer buffer_;
  bhttp::response<CountedBody> response_;
  size_t next_;
  Clock::time_point sent_at_;
  std::vector<uint32_t> latencies_us_;
  uint64_t errors_ = 0, non2xx_ = 0, body_bytes_ = 0;
};

double percentile_ms(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"HTTPS load generator with client certificates"};
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--ca", o.ca, "CA file for the server certificate")->required();
  app.add_option("--cert", o.cert, "client certificate (PEM)");
  app.add_option("--key", o.key, "client key (PEM)");
  app.add_option("--path", o.path);
  app.add_option("--method", o.method);
  app.add_option("--content-type", o.content_type);
  app.add_option("--bodies", o.bodies_file, "bodies separated by a line holding a form feed");
  app.add_option("--paths", o.paths_file, "paths, one a line, cycled through instead of --path");
  app.add_option("--header", o.headers, "a request header \"Name: value\" (repeatable)")
      ->check([](const std::string& h) {
        return h.find(':') == std::string::npos || h.find(':') == 0 ? "expected Name: value" : "";
      });
  app.add_flag("--one-per-line", o.one_per_line, "one body per line in --bodies");
  app.add_option("--connections", o.connections)->check(CLI::PositiveNumber);
  app.add_option("--duration", o.duration, "seconds")->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    std::vector<std::string> bodies;
    if (!o.bodies_file.empty()) {
      bodies = read_bodies(o.bodies_file, o.one_per_line);
      if (bodies.empty()) throw std::runtime_error("no bodies in " + o.bodies_file);
    } else {
      bodies.emplace_back();
    }
    std::vector<std::string> paths{o.path};
    if (!o.paths_file.empty()) {
      paths = read_bodies(o.paths_file, true);
      if (paths.empty()) throw std::runtime_error("no paths in " + o.paths_file);
    }

    ssl::context tls(ssl::context::tls_client);
    tls.load_verify_file(o.ca);
    tls.set_verify_mode(ssl::verify_peer);
    if (!o.cert.empty()) {
      tls.use_certificate_chain_file(o.cert);
      tls.use_private_key_file(o.key, ssl::context::pem);
    }

    net::io_context ioc(o.threads);
    tcp::resolver resolver(ioc);
    Shared shared{o, tls, resolver.resolve(o.host, std::to_string(o.port)), {}, {}};
    std::string host_header = o.host + ":" + std::to_string(o.port);
    for (size_t i = 0; i < std::max(bodies.size(), paths.size()); ++i) {
      const std::string& body = bodies[i % bodies.size()];
      Request req;
      req.version(11);
      bhttp::verb verb = bhttp::string_to_verb(o.method);
      if (verb == bhttp::verb::unknown) req.method_string(o.method);
      else req.method(verb);
      req.target(paths[i % paths.size()]);
      req.set(bhttp::field::host, host_header);
      req.set(bhttp::field::user_agent, "onshi-loadgen");
      for (const std::string& h : o.headers) {
        const size_t colon = h.find(':');
        const size_t value = h.find_first_not_of(' ', colon + 1);
        req.set(h.substr(0, colon), value == std::string::npos ? "" : h.substr(value));
      }
      if (!body.empty() || verb == bhttp::verb::post) {
        req.set(bhttp::field::content_type, o.content_type);
        req.body() = body;
      }
      req.keep_alive(true);
      req.prepare_payload();
      shared.requests.push_back(std::move(req));
    }

    auto t0 = Clock::now();
    shared.deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
    std::vector<std::shared_ptr<Connection>> connections;
    for (int i = 0; i < o.connections; ++i) {
      connections.push_back(std::make_shared<Connection>(ioc, shared, static_cast<size_t>(i)));
      connections.back()->start();
    }
    std::vector<std::thread> threads;
    for (int i = 1; i < o.threads; ++i) threads.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

    std::vector<uint32_t> all;
    uint64_t errors = 0, non2xx = 0, body_bytes = 0;
    for (auto& c : connections) {
      all.insert(all.end(), c->latencies_us().begin(), c->latencies_us().end());
      errors += c->errors();
      non2xx += c->non2xx();
      body_bytes += c->body_bytes();
    }
    size_t n = all.size();
    double p50 = percentile_ms(all, 0.50), p99 = percentile_ms(all, 0.99);
    char line[512];
    std::snprintf(line, sizeof line,
                  "{\"requests\":%zu,\"seconds\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                  "\"errors\":%llu,\"non2xx\":%llu,\"body_bytes\":%.0f}",
                  n, seconds, n / seconds, p50, p99, static_cast<unsigned long long>(errors),
                  static_cast<unsigned long long>(non2xx),
                  n ? static_cast<double>(body_bytes) / static_cast<double>(n) : 0.0);
    std::cout << line << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_loadgen: " << e.what() << std::endl;
    return 1;
  }
}
