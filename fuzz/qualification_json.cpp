// Fuzz target: a qualification as JSON (core/qualification_json.h) — the form of the member
// view and of the JSON API's qualification objects. A qualification that parses is written
// and parsed again.
#include "core/qualification_json.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto q = onshi::core::qualification_from_json(text))
    (void)onshi::core::qualification_from_json(onshi::core::qualification_to_json(*q));
  return 0;
}
