// Fuzz target: the JSON confirmation body (POST /v1/qualification-confirmations), the JSON
// twin of OQSsiquc01req. Any input must end in a request or an E_JSON_* error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oqs/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto r = onshi::oqs::parse_confirm_request_json(body))
    (void)onshi::oqs::write_confirm_request_xml(*r, onshi::core::Encoding::kShiftJis);
  return 0;
}
