// JSON string escaping, the one implementation every hand-built JSON text in onshi uses (logs,
// reports, audit details, the interface's JSON twins).
//
// It escapes exactly what RFC 8259 requires (quote, backslash, control characters) and copies
// everything else — UTF-8 included — in runs, because it sits on hot paths (confirmation
// results, import reports of millions of rows).
#pragma once

#include <string>
#include <string_view>

namespace onshi::core {

// Appends `s` as the content of a JSON string (without the quotes).
inline void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(u, sizeof u);
      }
    }
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

// Appends `s` as a quoted JSON string.
inline void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_json_escaped(out, s);
  out.push_back('"');
}

// `s` as the content of a JSON string (without the quotes).
inline std::string json_escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_json_escaped(out, s);
  return out;
}

}  // namespace onshi::core
