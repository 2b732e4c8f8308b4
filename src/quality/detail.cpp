// Helpers of the quality module (see detail.h): JSON appended by hand, JST times, and the
// member named by its card numbers. Kept dependency-free so the hot loops of the report
// and the overlap list pay for nothing but string appends.
#include "quality/detail.h"

#include <cstdio>

#include "core/date.h"
#include "core/numbers.h"
#include "core/json_text.h"
#include "core/text.h"

namespace onshi::quality::detail {

void json_string(std::string& out, std::string_view s) { core::append_json_string(out, s); }

void json_key(std::string& out, std::string_view key) {
  if (!out.empty() && out.back() != '{' && out.back() != '[') out.push_back(',');
  json_string(out, key);
  out.push_back(':');
}

void json_field(std::string& out, std::string_view key, std::string_view value) {
  json_key(out, key);
  json_string(out, value);
}

void json_field(std::string& out, std::string_view key, int64_t value) {
  json_key(out, key);
  out += std::to_string(value);
}

std::string iso_jst(int64_t unix_us) {
  // timestamp_jst gives YYYYMMDDHHmmss in JST; the milliseconds come from the same instant.
  std::string t = core::timestamp_jst(unix_us);
  int64_t ms = ((unix_us % 1000000) + 1000000) % 1000000 / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%03d+09:00", t.c_str(),
                t.c_str() + 4, t.c_str() + 6, t.c_str() + 8, t.c_str() + 10, t.c_str() + 12,
                static_cast<int>(ms));
  return buf;
}

void member_fields(std::string& out, const core::Qualification& q) {
  json_field(out, "insurerNumber", q.insurer_number);
  json_field(out, "insuredCardSymbol", q.insured_card_symbol);
  json_field(out, "insuredIdentificationNumber", q.insured_identification_number);
  json_field(out, "insuredBranchNumber", q.insured_branch_number);
}

Result<std::string> checked_insurer(std::string_view raw) {
  std::string n = core::trim_insurer_number(core::normalize_card_field(raw));
  if (n.empty()) return Error{"E_INSURER_NUMBER", "insurerNumber", "保険者番号を指定してください"};
  if (auto st = core::check_insurer_number(n); !st)
    return Error{"E_INSURER_NUMBER", "insurerNumber", "保険者番号が不正です: " + st.error().message};
  return n;
}

std::string without_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') continue;
    if (s.compare(i, 3, "\xE3\x80\x80") == 0) {  // U+3000
      i += 2;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace onshi::quality::detail
