// The day's confirmation history (history.h): JSON lines appended per confirmation, read back
// when the day's file is first needed (after a restart, or when the date changes).
#include "terminal/history.h"

#include <boost/json.hpp>

#include <fstream>
#include <memory>

#include "core/json_read.h"
#include "core/log.h"

namespace onshi::terminal {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using core::json_string;

}  // namespace

Result<std::unique_ptr<History>> History::open(fs::path folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec || !fs::is_directory(folder))
    return Error{"E_TERMINAL_IO", folder.string(), "履歴フォルダを作成できません: " + ec.message()};
  return std::unique_ptr<History>(new History(std::move(folder)));
}

fs::path History::file_for(core::Date day) const { return folder_ / (day.yyyymmdd() + ".jsonl"); }

void History::load_locked(core::Date day) {
  entries_.clear();
  day_ = day;
  loaded_ = true;
  std::ifstream in(file_for(day), std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object()) {
      core::log_warn("terminal.history_skipped", {{"file", file_for(day).filename().string()}});
      continue;
    }
    const auto& o = v.as_object();
    HistoryEntry e;
    const auto* id = o.if_contains("id");
    if (!id || !id->is_int64()) continue;
    e.id = id->as_int64();
    e.time = json_string(o, "time");
    e.route = json_string(o, "route");
    e.method = json_string(o, "method");
    e.file = json_string(o, "file");
    e.document = json_string(o, "document");
    entries_.push_back(std::move(e));
  }
}

core::Date History::date() {
  std::lock_guard lock(mu_);
  core::Date today = core::Date::today_jst();
  if (!loaded_ || today != day_) load_locked(today);
  return day_;
}

Result<HistoryEntry> History::append(std::string route, std::string method, std::string file,
                                     std::string document) {
  std::lock_guard lock(mu_);
  std::string ts = core::timestamp_jst();  // YYYYMMDDHHmmss
  auto today = core::Date::parse(ts.substr(0, 8));
  if (!today) return today.error();
  if (!loaded_ || *today != day_) load_locked(*today);
  HistoryEntry e;
  e.id = 1;
  for (const auto& x : entries_) e.id = std::max(e.id, x.id + 1);
  e.time = ts.substr(8, 2) + ":" + ts.substr(10, 2) + ":" + ts.substr(12, 2);
  e.route = std::move(route);
  e.method = std::move(method);
  e.file = std::move(file);
  e.document = std::move(document);
  json::object o;
  o["id"] = e.id;
  o["time"] = e.time;
  o["route"] = e.route;
  o["method"] = e.method;
  o["file"] = e.file;
  o["document"] = e.document;
  std::string line = json::serialize(o) + "\n";
  {
    std::ofstream out(file_for(day_), std::ios::binary | std::ios::app);
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
    out.flush();
    if (!out) return Error{"E_TERMINAL_IO", file_for(day_).string(), "履歴を書き込めません"};
  }
  entries_.push_back(e);
  return e;
}

std::vector<HistoryEntry> History::today() {
  std::lock_guard lock(mu_);
  core::Date today = core::Date::today_jst();
  if (!loaded_ || today != day_) load_locked(today);
  return {entries_.rbegin(), entries_.rend()};
}

std::optional<HistoryEntry> History::find(int64_t id) {
  std::lock_guard lock(mu_);
  core::Date today = core::Date::today_jst();
  if (!loaded_ || today != day_) load_locked(today);
  for (const auto& e : entries_)
    if (e.id == id) return e;
  return std::nullopt;
}

}  // namespace onshi::terminal
