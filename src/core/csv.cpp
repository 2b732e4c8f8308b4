// CSV records and fields (csv.h): memchr scans for the record end, and a field splitter that
// copies only fields with doubled quotes.
#include "core/csv.h"

#include <cstring>

namespace onshi::core {

const char* csv_record_end(const char* scan, const char* end, bool& in_quotes) {
  while (scan < end) {
    if (!in_quotes) {
      const char* nl = static_cast<const char*>(std::memchr(scan, '\n', end - scan));
      const char* lim = nl ? nl : end;
      const char* q = static_cast<const char*>(std::memchr(scan, '"', lim - scan));
      if (!q) return nl;  // no quote before the newline: the record ends there
      in_quotes = true;
      scan = q + 1;
    } else {
      const char* q = static_cast<const char*>(std::memchr(scan, '"', end - scan));
      if (!q) return nullptr;
      in_quotes = false;  // a doubled quote re-enters quotes on the next byte
      scan = q + 1;
    }
  }
  return nullptr;
}

std::string_view csv_chop_cr(std::string_view record) {
  if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
  return record;
}

bool csv_split(std::string_view rec, std::vector<std::string_view>& out,
               std::deque<std::string>& scratch, bool strict) {
  out.clear();
  size_t i = 0;
  const size_t n = rec.size();
  for (;;) {
    if (i < n && rec[i] == '"') {
      size_t j = i + 1;
      bool doubled = false;
      size_t close = std::string_view::npos;
      while (j < n) {
        size_t q = rec.find('"', j);
        if (q == std::string_view::npos) break;
        if (q + 1 < n && rec[q + 1] == '"') {
          doubled = true;
          j = q + 2;
          continue;
        }
        close = q;
        break;
      }
      if (close == std::string_view::npos) return false;  // unterminated
      std::string_view inner = rec.substr(i + 1, close - i - 1);
      if (doubled) {
        std::string& s = scratch.emplace_back();
        s.reserve(inner.size());
        for (size_t k = 0; k < inner.size(); ++k) {
          s.push_back(inner[k]);
          if (inner[k] == '"') ++k;
        }
        out.push_back(s);
      } else {
        out.push_back(inner);
      }
      i = close + 1;
      if (i == n) return true;
      if (rec[i] != ',') return false;  // text after the closing quote
      ++i;
    } else {
      size_t c = rec.find(',', i);
      std::string_view field = rec.substr(i, c == std::string_view::npos ? n - i : c - i);
      if (strict && field.find('"') != std::string_view::npos) return false;
      out.push_back(field);
      if (c == std::string_view::npos) return true;
      i = c + 1;
    }
  }
}

std::vector<std::string> csv_fields(std::string_view record) {
  std::vector<std::string_view> views;
  std::deque<std::string> scratch;
  csv_split(csv_chop_cr(record), views, scratch);
  return {views.begin(), views.end()};
}

}  // namespace onshi::core
