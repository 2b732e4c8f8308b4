// Fuzz target: the result documents the terminal reads (OQSsiquc01res — also the face file
// with ReferenceClassification 1 —, OQSmuquc01res, OQSmuquc02res), UTF-8 or Shift_JIS. The
// terminal re-encodes each answer of the central service into its configured encoding before
// it writes res/ or face/, so a result that parses is written again in both encodings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oqs/messages.h"

using onshi::core::Encoding;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto r = onshi::oqs::parse_confirm_result_xml(bytes)) {
    (void)onshi::oqs::write_confirm_result_xml(*r, Encoding::kShiftJis);
    (void)onshi::oqs::write_confirm_result_xml(*r, Encoding::kUtf8);
    (void)onshi::oqs::write_confirm_result_json(*r);
  }
  if (auto r = onshi::oqs::parse_bulk_receipt_xml(bytes))
    (void)onshi::oqs::write_bulk_receipt_xml(*r, Encoding::kShiftJis);
  if (auto r = onshi::oqs::parse_bulk_result_xml(bytes))
    (void)onshi::oqs::write_bulk_result_xml(*r, Encoding::kShiftJis);
  return 0;
}
