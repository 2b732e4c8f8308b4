// The field length limits of core/limits.h: the table and the one check every input path
// calls, so the code (E_LENGTH) and the message are the same wherever a value is refused.
#include "core/limits.h"

#include <string>

#include "core/text.h"

namespace onshi::core {

const std::vector<FieldLimit>& field_limits() {
  static const std::vector<FieldLimit> all{
      kInsuredCardSymbolLimit, kInsuredIdentificationNumberLimit, kArbitraryFileIdentifierLimit};
  return all;
}

size_t length_in(const FieldLimit& limit, std::string_view value) {
  return limit.unit == LengthUnit::kBytes ? value.size() : codepoint_count(value);
}

Status check_length(const FieldLimit& limit, std::string_view value) {
  const size_t n = length_in(limit, value);
  if (n <= limit.max) return Status::Ok();
  const char* unit = limit.unit == LengthUnit::kBytes ? "バイト" : "文字";
  return Status::Fail("E_LENGTH", std::string(limit.element),
                      std::string(limit.label) + "が長すぎます（" + std::to_string(limit.max) +
                          unit + "以内、入力は" + std::to_string(n) + unit + "）");
}

}  // namespace onshi::core
