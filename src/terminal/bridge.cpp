// The folder bridge (terminal/bridge.h): watching (inotify) and scanning req/, the
// completeness rule, the move into work/, the call to the service's route of the request's
// kind (OQSsiquc01, OQSmuquc01, OQSmuquc02), re-encoding the answer into res/, error results,
// retry with backoff, and recovery of work/ at start.
#include "terminal/bridge.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

#include "core/log.h"
#include "oqs/messages.h"
#include "terminal/bridge_detail.h"

#if defined(__linux__)
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>
#endif

namespace onshi::terminal {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kTmpPrefix = ".tmp-";
// A bulk inquiry of 10,000 patients is confirmed while the service answers OQSmuquc01, and
// its OQSmuquc02res is large: their calls wait at least this long before giving up (a
// timeout would send the upload again and allocate a second reception number).
constexpr int kBulkTimeoutMs = 300000;

// Errors a retry can cure: the service not reachable or failing on its side.
bool transient(const Error& e) {
  return e.code == "E_CONNECT" || e.code == "E_TLS" || e.code == "E_HTTP";
}

}  // namespace

Result<std::pair<std::string, uint16_t>> parse_server_url(std::string_view url) {
  auto parsed = http::parse_url(url, "https");
  if (!parsed)
    return Error{"E_FLAG", "server", "--server must be https://HOST:PORT (" + parsed.error().message + ")"};
  return parsed;
}

Result<http::ClientOptions> client_options_from_cert_dir(const fs::path& cert_dir, std::string host,
                                                         uint16_t port) {
  http::ClientOptions o;
  o.host = std::move(host);
  o.port = port;
  for (const char* f : {"cert.pem", "key.pem", "ca.pem"}) {
    std::error_code ec;
    if (!fs::is_regular_file(cert_dir / f, ec))
      return Error{"E_FILE", f, "証明書ファイル " + (cert_dir / f).string() + " がありません"};
  }
  o.cert_file = (cert_dir / "cert.pem").string();
  o.key_file = (cert_dir / "key.pem").string();
  o.ca_file = (cert_dir / "ca.pem").string();
  return o;
}

namespace {
http::ClientOptions bulk_client_options(http::ClientOptions o) {
  o.timeout_ms = std::max(o.timeout_ms, kBulkTimeoutMs);
  return o;
}
}  // namespace

Bridge::Bridge(BridgeOptions options)
    : options_(std::move(options)),
      client_(options_.client),
      bulk_client_(bulk_client_options(options_.client)) {}
Bridge::~Bridge() {
#if defined(__linux__)
  if (watch_fd_ >= 0) ::close(watch_fd_);
#endif
}

Result<std::unique_ptr<Bridge>> Bridge::open(BridgeOptions options) {
  for (const char* sub : {"req", "res", "face", "work"}) {
    std::error_code ec;
    fs::create_directories(options.folder / sub, ec);
    if (ec || !fs::is_directory(options.folder / sub))
      return Error{"E_TERMINAL_IO", (options.folder / sub).string(),
                   "cannot create folder: " + ec.message()};
  }
  const fs::path work = options.folder / "work";
  const fs::path res = options.folder / "res";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(work, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, kTmpPrefix.size(), kTmpPrefix) == 0) {
      fs::remove(e.path(), ec);  // a result that was never renamed; the request is still here
      continue;
    }
    const Match m = match(name);
    if (!m.kind) continue;
    // Stopped between "result renamed into res/" and "request removed": already answered.
    std::error_code e1, e2;
    auto res_time = fs::last_write_time(res / result_name(m), e1);
    auto req_time = fs::last_write_time(e.path(), e2);
    if (!e1 && !e2 && res_time >= req_time) {
      fs::remove(e.path(), ec);
      core::log_info("terminal.recovered", {{"file", name}, {"state", "answered"}});
    } else {
      core::log_info("terminal.recovered", {{"file", name}, {"state", "pending"}});
    }
  }
  std::unique_ptr<Bridge> b(new Bridge(std::move(options)));
  // The watch is set up before the first scan, so no file renamed in after it is missed.
  if (!b->options_.watch) {
    b->unwatch("disabled");
  } else {
#if defined(__linux__)
    b->watch_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (b->watch_fd_ < 0) {
      b->unwatch(std::string("inotify_init1: ") + std::strerror(errno));
    } else if (::inotify_add_watch(b->watch_fd_, (b->options_.folder / "req").c_str(),
                                   IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY |
                                       IN_ONLYDIR) < 0) {
      b->unwatch(std::string("inotify_add_watch: ") + std::strerror(errno));
    }
#else
    b->unwatch("no inotify on this system");
#endif
  }
  core::log_info("terminal.started", {{"folder", b->options_.folder.string()},
                                      {"watch", b->watching() ? "inotify" : "poll"}});
  return b;
}

void Bridge::unwatch(const std::string& reason) {
#if defined(__linux__)
  if (watch_fd_ >= 0) ::close(watch_fd_);
#endif
  watch_fd_ = -1;
  closed_.clear();
  if (watch_logged_) return;
  watch_logged_ = true;
  // Switched off on purpose (--no-watch) is no fault: info; a watch that failed: warn.
  auto log = options_.watch ? core::log_warn : core::log_info;
  log("terminal.watch_unavailable", {{"folder", (options_.folder / "req").string()},
                                     {"reason", reason},
                                     {"poll_ms", std::to_string(options_.poll_ms)}});
}

void Bridge::drain_events() {
#if defined(__linux__)
  alignas(inotify_event) char buf[16384];
  while (watch_fd_ >= 0) {
    const ssize_t n = ::read(watch_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: nothing more pending
    for (const char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        // Events were lost, possibly a write after a close: every file waits for the
        // stability rule again.
        closed_.clear();
        core::log_warn("terminal.watch_overflow", {{"folder", (options_.folder / "req").string()}});
        continue;
      }
      if (ev->mask & IN_IGNORED) {  // req/ was removed or its file system unmounted
        unwatch("req/ is no longer watched");
        return;
      }
      if (ev->len == 0 || (ev->mask & IN_ISDIR)) continue;
      const std::string name(ev->name);  // NUL-padded to ev->len
      if (!match(name).kind) continue;
      // Events come in order: a write after a close withdraws the close.
      if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
        closed_.insert(name);
      else
        closed_.erase(name);
      // The bytes may have changed even if size and mtime did not: read them again.
      if (auto it = seen_.find(name); it != seen_.end()) it->second.unreadable = false;
    }
  }
#endif
}

void Bridge::wait(const std::atomic<bool>& stop) {
  const auto until = Clock::now() + std::chrono::milliseconds(options_.poll_ms);
  while (!stop.load()) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return;
    const int slice = static_cast<int>(std::min<long long>(20, left));
#if defined(__linux__)
    if (watch_fd_ >= 0) {
      pollfd p{watch_fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, slice);
      if (r > 0) return;  // events pending: poll_once() reads them and scans
      if (r < 0 && errno != EINTR) unwatch(std::string("poll: ") + std::strerror(errno));
      continue;
    }
#endif
    std::this_thread::sleep_for(std::chrono::milliseconds(slice));
  }
}

bool Bridge::write_result(const std::string& name, const std::string& document) {
  const fs::path tmp = options_.folder / "work" / (std::string(kTmpPrefix) + name);
  const fs::path dst = options_.folder / "res" / name;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(document.data(), static_cast<std::streamsize>(document.size()));
    out.flush();
    if (!out) {
      core::log_error("terminal.error", {{"file", name}, {"code", "E_TERMINAL_IO"}});
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, dst, ec);
  if (ec) {
    core::log_error("terminal.error", {{"file", name}, {"code", "E_TERMINAL_IO"}, {"reason", ec.message()}});
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

bool Bridge::process(const fs::path& work_file) {
  const std::string name = work_file.filename().string();
  const Match m = match(name);
  if (!m.kind) return false;
  const Kind& kind = *m.kind;
  const std::string res_name = result_name(m);
  std::string bytes;
  if (!read_file(work_file, bytes)) {
    core::log_error("terminal.error", {{"file", name}, {"code", "E_TERMINAL_IO"}});
    return false;
  }
  auto finish = [&](bool written) {
    if (!written) return false;
    std::error_code ec;
    fs::remove(work_file, ec);
    retry_.erase(name);
    return true;
  };
  // Every request that cannot be answered by the service gets a result of its own type.
  auto answer_error = [&](const Error& error) {
    auto doc = kind.error(bytes, error, options_.encoding);
    if (!doc) {
      core::log_error("terminal.error", {{"file", res_name}, {"code", doc.error().code}});
      return false;
    }
    core::log_warn("terminal.result", {{"file", res_name}, {"segment", "9"}, {"code", error.code}});
    return finish(write_result(res_name, *doc));
  };
  if (Status st = kind.check(bytes); !st) return answer_error(st.error());

  http::Client& client = kind.bulk ? bulk_client_ : client_;
  auto answer = client.request("POST", std::string(kind.route), bytes, "application/xml");
  std::string code;
  if (!answer) {
    if (!transient(answer.error())) return answer_error(answer.error());
    code = answer.error().code;
  } else if (answer->status >= 500) {
    code = "E_TERMINAL_HTTP";
  } else if (answer->status != 200) {
    std::string c = problem_code(answer->body);
    return answer_error(Error{"E_TERMINAL_HTTP", "",
                              "中央システムが要求を受け付けませんでした（HTTP " +
                                  std::to_string(answer->status) + (c.empty() ? "" : ", " + c) +
                                  "）。資格確認端末の証明書が医療機関のものか確認してください"});
  }
  if (!code.empty()) {
    Retry& r = retry_[name];
    r.backoff_ms = r.backoff_ms == 0 ? std::max(options_.poll_ms, 100)
                                     : std::min(r.backoff_ms * 2, options_.max_backoff_ms);
    r.due = Clock::now() + std::chrono::milliseconds(r.backoff_ms);
    core::log_warn("terminal.retry", {{"file", name}, {"code", code},
                                      {"backoff_ms", std::to_string(r.backoff_ms)}});
    return false;
  }

  auto rendered = kind.reencode(answer->body, options_.encoding, name);
  if (!rendered) return answer_error(rendered.error());
  const std::string out_name = res_name.substr(0, res_name.size() - 4) + rendered->extension;
  core::log_info("terminal.result", {{"file", out_name},
                                     {"segment", rendered->segment},
                                     {rendered->detail_key, rendered->detail_value}});
  return finish(write_result(out_name, rendered->document));
}

int Bridge::poll_once() {
  int written = 0;
  const auto now = Clock::now();
  const fs::path req = options_.folder / "req";
  const fs::path work = options_.folder / "work";
  std::error_code ec;

  // 1. Requests already in work/ (left by a restart, or waiting for a retry).
  std::vector<fs::path> due;
  for (const auto& e : fs::directory_iterator(work, ec)) {
    const std::string name = e.path().filename().string();
    if (!match(name).kind || !e.is_regular_file(ec)) continue;
    auto it = retry_.find(name);
    if (it == retry_.end() || it->second.due <= now) due.push_back(e.path());
  }
  for (const auto& p : due) written += process(p) ? 1 : 0;

  // 2. Complete requests in req/ (bridge.h: a completion event, or unchanged across scans
  // at least poll_ms apart; and a whole document, or unchanged for settle_ms). Events are
  // read first, so a file renamed in before this scan is taken by it.
  drain_events();
  const auto scan = Clock::now();  // step 1 may have taken long (a bulk call)
  const auto poll_interval = std::chrono::milliseconds(options_.poll_ms);
  const auto settle = std::chrono::milliseconds(options_.settle_ms);
  std::map<std::string, Seen> next;
  std::vector<std::string> take;
  for (const auto& e : fs::directory_iterator(req, ec)) {
    const std::string name = e.path().filename().string();
    const Match m = match(name);
    if (!m.kind || !e.is_regular_file(ec)) continue;
    std::error_code e1, e2;
    Seen s{fs::file_size(e.path(), e1), fs::last_write_time(e.path(), e2), scan};
    if (e1 || e2) continue;  // vanished or unreadable for now; look again next time
    auto prev = seen_.find(name);
    const bool unchanged = prev != seen_.end() && prev->second.size == s.size &&
                           prev->second.mtime == s.mtime;
    if (unchanged) {
      s.since = prev->second.since;
      s.unreadable = prev->second.unreadable;
    }
    Seen& kept = next[name] = s;
    const bool closed = closed_.count(name) > 0;
    const auto quiet = scan - kept.since;
    if (!closed && (!unchanged || quiet < poll_interval)) continue;  // new or still growing
    std::error_code we;
    if (fs::exists(work / name, we)) continue;  // the same name is still being processed
    bool readable = false;
    if (!kept.unreadable) {
      std::string bytes;
      if (!read_file(e.path(), bytes)) continue;
      readable = m.kind->check(bytes).ok();
      kept.unreadable = !readable;  // not read again until it changes or an event names it
    }
    if (!readable && quiet < settle) continue;
    take.push_back(name);
  }
  seen_ = std::move(next);
  for (auto it = closed_.begin(); it != closed_.end();)  // events of files no longer in req/
    it = seen_.count(*it) ? std::next(it) : closed_.erase(it);
  for (const auto& name : take) {
    std::error_code re;
    fs::rename(req / name, work / name, re);
    seen_.erase(name);
    closed_.erase(name);
    if (re) {
      core::log_error("terminal.error", {{"file", name}, {"code", "E_TERMINAL_IO"}, {"reason", re.message()}});
      continue;
    }
    written += process(work / name) ? 1 : 0;
  }
  return written;
}

void Bridge::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    poll_once();
    wait(stop);
  }
}

}  // namespace onshi::terminal
