// Today's confirmations at this terminal (受付履歴), kept on disk so a restart keeps them.
//
// One file per day, OQS/history/YYYYMMDD.jsonl: one JSON object per confirmation, appended
// and flushed before the screen sees the result —
//   {"id":3,"time":"10:15:22","route":"card","method":"pin","file":"face/…xml","document":"<?xml …"}
// where `document` is the result document (OQSsiquc01res, UTF-8) exactly as the central
// service answered it, so the View and a re-sent face file can be rebuilt at any time. Ids
// count from 1 per day. A line that cannot be read (a crash mid-write) is skipped. The folder
// holds patients' data like res/ and face/ do; it lives in the same protected OQS folder.
// Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/status.h"

namespace onshi::terminal {

struct HistoryEntry {
  int64_t id = 0;
  std::string time;      // "10:15:22" (JST)
  std::string route;     // "card" | "numbers" | "folder"
  std::string method;    // "pin" | "face" | "visual" | ""
  std::string file;      // "face/…" (relative to the OQS folder) or ""
  std::string document;  // the result document, UTF-8
};

class History {
 public:
  // Creates `folder` when missing. Errors: E_TERMINAL_IO.
  static Result<std::unique_ptr<History>> open(std::filesystem::path folder);

  // Appends an entry for today (id and time are assigned). Errors: E_TERMINAL_IO.
  Result<HistoryEntry> append(std::string route, std::string method, std::string file, std::string document);
  // Today's entries, newest first.
  std::vector<HistoryEntry> today();
  std::optional<HistoryEntry> find(int64_t id);
  core::Date date();  // the day the entries belong to (JST today)

 private:
  explicit History(std::filesystem::path folder) : folder_(std::move(folder)) {}
  void load_locked(core::Date day);
  std::filesystem::path file_for(core::Date day) const;

  std::mutex mu_;
  std::filesystem::path folder_;
  core::Date day_;
  bool loaded_ = false;
  std::vector<HistoryEntry> entries_;  // oldest first
};

}  // namespace onshi::terminal
