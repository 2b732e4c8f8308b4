// Small text helpers shared by the XML and JSON codecs of the oqs module (internal): the
// whitespace trimming rules for received values and the escaping used by the writers.
//
// Received values are trimmed of surrounding ASCII whitespace, except that InsurerNumber
// keeps its leading spaces exactly as sent: the interface pads 6-digit numbers with spaces
// to 8 and the confirmation service, not the codec, decides what that padding means.
#pragma once

#include "core/json_text.h"

#include <string>
#include <string_view>

namespace onshi::oqs::detail {

inline bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_xml_space(s[b])) ++b;
  while (e > b && is_xml_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// InsurerNumber: trailing whitespace and leading line breaks/tabs go, leading spaces stay.
inline std::string_view trim_keep_leading_spaces(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_xml_space(s[b]) && s[b] != ' ') ++b;
  while (e > b && is_xml_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

inline std::string_view trim_value(std::string_view element, std::string_view s) {
  return element == "InsurerNumber" ? trim_keep_leading_spaces(s) : trim(s);
}

// Appends `s` as XML character data: & < > " become references, CR becomes &#13; (so it
// survives end-of-line normalisation), other C0 controls (not allowed in XML 1.0) are
// dropped. Runs of ordinary bytes are appended in one go.
inline void append_xml_escaped(std::string& out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const char* rep = nullptr;
    switch (c) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = "&quot;";
        break;
      case '\r':
        rep = "&#13;";
        break;
      case '\t':
      case '\n':
        continue;
      default:
        if (c >= 0x20) continue;
        rep = "";  // a control character XML 1.0 cannot carry
    }
    out.append(s.data() + run, i - run);
    out.append(rep);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

// JSON string escaping lives in core/json_text.h.
using core::append_json_escaped;

// Appends an element name in lowerCamelCase (InsurerNumber → insurerNumber).
inline void append_lower_camel(std::string& out, std::string_view name) {
  if (name.empty()) return;
  char first = name[0];
  if (first >= 'A' && first <= 'Z') first = static_cast<char>(first - 'A' + 'a');
  out.push_back(first);
  out.append(name.substr(1));
}

// Whether `key` is the lowerCamelCase form of `element`.
inline bool is_lower_camel_of(std::string_view key, std::string_view element) {
  if (key.size() != element.size() || key.empty()) return false;
  char first = element[0];
  if (first >= 'A' && first <= 'Z') first = static_cast<char>(first - 'A' + 'a');
  return key[0] == first && key.substr(1) == element.substr(1);
}

}  // namespace onshi::oqs::detail
