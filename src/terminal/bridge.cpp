// The folder bridge (terminal/bridge.h): scanning req/, the completeness rule, the move into
// work/, the call to POST /xml/OQSsiquc01, re-encoding the answer into res/, error results,
// retry with backoff, and recovery of work/ at start.
#include "terminal/bridge.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "core/date.h"
#include "core/log.h"
#include "oqs/messages.h"

namespace onshi::terminal {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kReqPrefix = "OQSsiquc01req_";
constexpr std::string_view kResPrefix = "OQSsiquc01res_";
constexpr std::string_view kTmpPrefix = ".tmp-";

// The tail of `OQSsiquc01req_<tail>.xml`, or "" when the name does not match.
std::string request_tail(const std::string& name) {
  if (name.size() <= kReqPrefix.size() + 4 || name.compare(0, kReqPrefix.size(), kReqPrefix) != 0 ||
      name.compare(name.size() - 4, 4, ".xml") != 0)
    return "";
  return name.substr(kReqPrefix.size(), name.size() - kReqPrefix.size() - 4);
}

std::string result_name(const std::string& tail) {
  return std::string(kResPrefix) + tail + ".xml";
}

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return false;
  out = s.str();
  return true;
}

// Errors a retry can cure: the service not reachable or failing on its side.
bool transient(const Error& e) {
  return e.code == "E_CONNECT" || e.code == "E_TLS" || e.code == "E_HTTP";
}

// The "code" member of a problem+json body, or "".
std::string problem_code(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const auto* c = v.as_object().if_contains("code");
  return c && c->is_string() ? std::string(c->as_string()) : "";
}

}  // namespace

Result<std::pair<std::string, uint16_t>> parse_server_url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Error{"E_FLAG", "server", "--server must be https://HOST:PORT (" + why + ")"};
  };
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme) return bad("scheme is not https");
  std::string_view rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad("no port");
  std::string host(rest.substr(0, colon));
  std::string port(rest.substr(colon + 1));
  if (!core::all_digits(port) || port.size() > 5) return bad("port is not a number");
  int p = std::stoi(port);
  if (p < 1 || p > 65535) return bad("port out of range");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, static_cast<uint16_t>(p));
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

Bridge::Bridge(BridgeOptions options) : options_(std::move(options)), client_(options_.client) {}
Bridge::~Bridge() = default;

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
    const std::string tail = request_tail(name);
    if (tail.empty()) continue;
    // Stopped between "result renamed into res/" and "request removed": already answered.
    std::error_code e1, e2;
    auto res_time = fs::last_write_time(res / result_name(tail), e1);
    auto req_time = fs::last_write_time(e.path(), e2);
    if (!e1 && !e2 && res_time >= req_time) {
      fs::remove(e.path(), ec);
      core::log_info("terminal.recovered", {{"file", name}, {"state", "answered"}});
    } else {
      core::log_info("terminal.recovered", {{"file", name}, {"state", "pending"}});
    }
  }
  std::unique_ptr<Bridge> b(new Bridge(std::move(options)));
  core::log_info("terminal.started", {{"folder", b->options_.folder.string()}});
  return b;
}

bool Bridge::write_result(const std::string& tail, const std::string& document) {
  const fs::path tmp = options_.folder / "work" / (std::string(kTmpPrefix) + result_name(tail));
  const fs::path dst = options_.folder / "res" / result_name(tail);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(document.data(), static_cast<std::streamsize>(document.size()));
    out.flush();
    if (!out) {
      core::log_error("terminal.error", {{"file", dst.filename().string()}, {"code", "E_TERMINAL_IO"}});
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, dst, ec);
  if (ec) {
    core::log_error("terminal.error", {{"file", dst.filename().string()}, {"code", "E_TERMINAL_IO"},
                                       {"reason", ec.message()}});
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

bool Bridge::write_error(const std::string& tail, std::string_view request_bytes, const Error& error) {
  oqs::ConfirmResult r;
  r.header.process_execution_time = core::timestamp_jst();
  if (auto req = oqs::parse_confirm_request_xml(request_bytes)) {
    r.header.qualification_confirmation_date = req->header.qualification_confirmation_date;
    r.header.medical_institution_code = req->header.medical_institution_code;
    r.header.arbitrary_file_identifier = req->header.arbitrary_file_identifier;
  }
  r.header.segment_of_result = "9";
  r.header.error_code = error.code;
  r.header.error_message = error.field.empty() ? error.message : error.field + ": " + error.message;
  auto doc = oqs::write_confirm_result_xml(r, options_.encoding);
  if (!doc) doc = oqs::write_confirm_result_xml(r, core::Encoding::kUtf8);
  if (!doc) return false;
  core::log_warn("terminal.result", {{"file", result_name(tail)}, {"segment", "9"}, {"code", error.code}});
  return write_result(tail, *doc);
}

bool Bridge::process(const fs::path& work_file) {
  const std::string name = work_file.filename().string();
  const std::string tail = request_tail(name);
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
  if (auto parsed = oqs::parse_confirm_request_xml(bytes); !parsed)
    return finish(write_error(tail, bytes, parsed.error()));

  auto answer = client_.request("POST", "/xml/OQSsiquc01", bytes, "application/xml");
  std::string code;
  if (!answer) {
    if (!transient(answer.error())) return finish(write_error(tail, bytes, answer.error()));
    code = answer.error().code;
  } else if (answer->status >= 500) {
    code = "E_TERMINAL_HTTP";
  } else if (answer->status != 200) {
    std::string c = problem_code(answer->body);
    return finish(write_error(
        tail, bytes,
        Error{"E_TERMINAL_HTTP", "", "the central service refused the request (HTTP " +
                                         std::to_string(answer->status) + (c.empty() ? "" : ", " + c) + ")"}));
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

  auto result = oqs::parse_confirm_result_xml(answer->body);
  if (!result)
    return finish(write_error(tail, bytes,
                              Error{"E_TERMINAL_RESPONSE", result.error().field,
                                    "the central service's answer is not a result: " + result.error().message}));
  auto doc = oqs::write_confirm_result_xml(*result, options_.encoding);
  if (!doc) {
    // A registered character with no Shift_JIS form: UTF-8 says so in CharacterCodeIdentifier.
    core::log_warn("terminal.encoding", {{"file", name}, {"code", doc.error().code}});
    doc = oqs::write_confirm_result_xml(*result, core::Encoding::kUtf8);
    if (!doc) return finish(write_error(tail, bytes, doc.error()));
  }
  core::log_info("terminal.result", {{"file", result_name(tail)},
                                     {"segment", result->header.segment_of_result},
                                     {"validity", result->qualification_validity}});
  return finish(write_result(tail, *doc));
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
    if (request_tail(name).empty() || !e.is_regular_file(ec)) continue;
    auto it = retry_.find(name);
    if (it == retry_.end() || it->second.due <= now) due.push_back(e.path());
  }
  for (const auto& p : due) written += process(p) ? 1 : 0;

  // 2. Complete requests in req/.
  std::map<std::string, Seen> next;
  std::vector<std::string> take;
  for (const auto& e : fs::directory_iterator(req, ec)) {
    const std::string name = e.path().filename().string();
    if (request_tail(name).empty() || !e.is_regular_file(ec)) continue;
    std::error_code e1, e2;
    Seen s{fs::file_size(e.path(), e1), fs::last_write_time(e.path(), e2), now};
    if (e1 || e2) continue;  // vanished or unreadable for now; look again next time
    auto prev = seen_.find(name);
    if (prev == seen_.end() || prev->second.size != s.size || prev->second.mtime != s.mtime) {
      next[name] = s;  // new or still growing
      continue;
    }
    s.since = prev->second.since;
    next[name] = s;
    std::error_code we;
    if (fs::exists(work / name, we)) continue;  // the same name is still being processed
    std::string bytes;
    if (!read_file(e.path(), bytes)) continue;
    bool readable = oqs::parse_confirm_request_xml(bytes).ok();
    if (!readable && now - s.since < std::chrono::milliseconds(options_.settle_ms)) continue;
    take.push_back(name);
  }
  seen_ = std::move(next);
  for (const auto& name : take) {
    std::error_code re;
    fs::rename(req / name, work / name, re);
    seen_.erase(name);
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
    for (int waited = 0; waited < options_.poll_ms && !stop.load(); waited += 20)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20, options_.poll_ms - waited)));
  }
}

}  // namespace onshi::terminal
