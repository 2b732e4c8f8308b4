// Fuzz target: an insurer's registration body (POST /v1/registrations) — the JSON records
// (registry::records_from_json) and the rules every well-shaped record meets next
// (registry::validate_record), the same as the service runs before the registrar writes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = onshi::registry::records_from_json(body);
  if (!parsed) return 0;
  const auto today = onshi::core::Date::from_ymd(2025, 4, 15);
  for (const auto& record : parsed->records)
    if (!record.empty()) (void)onshi::registry::validate_record(record, today);
  return 0;
}
