// JSON-lines logger. A single fwrite per line under a mutex keeps lines whole when several
// threads log at once; logs are rare (start, stop, errors), so the lock costs nothing.
#include "core/log.h"

#include "core/json_text.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace onshi::core {
namespace {

std::mutex g_mu;


void emit(std::string_view level, std::string_view event, std::initializer_list<LogField> fields) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t t = static_cast<std::time_t>(ms / 1000 + 9 * 3600);  // JST
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[40];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+09:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  std::string line = "{\"time\":\"";
  line += ts;
  line += "\",\"level\":\"";
  line += level;
  line += "\",\"event\":\"";
  append_json_escaped(line, event);
  line += '"';
  for (const auto& [k, v] : fields) {
    line += ",\"";
    append_json_escaped(line, k);
    line += "\":\"";
    append_json_escaped(line, v);
    line += '"';
  }
  line += "}\n";
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_info(std::string_view e, std::initializer_list<LogField> f) { emit("info", e, f); }
void log_warn(std::string_view e, std::initializer_list<LogField> f) { emit("warn", e, f); }
void log_error(std::string_view e, std::initializer_list<LogField> f) { emit("error", e, f); }

}  // namespace onshi::core
