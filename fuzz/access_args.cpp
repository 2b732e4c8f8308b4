// Fuzz target: the values the operator's consent and disaster commands read (onshi clinical
// consents …, onshi clinical disaster …: access/access.h) — prefecture lists ("13,14"),
// information categories, professional roles, care settings and person links in hex. Each
// input is tried as every one of them; each must end in a value or its stable error code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "access/access.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace onshi::access;
  (void)parse_prefectures(text);
  (void)parse_category(text);
  if (auto r = parse_role(text)) (void)role_label(*r);
  (void)consent_window_us(text);
  if (auto link = parse_person_link_hex(text)) (void)person_link_hex(*link);
  (void)is_pharmacy(text);
  return 0;
}
