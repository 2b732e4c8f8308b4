// Fuzz target: the request documents a receipt computer sends (OQSsiquc01req, OQSmuquc01req,
// OQSmuquc02req, OQSmutic01req), in UTF-8 or Shift_JIS as their declaration says — the bytes
// the central service's XML routes and the terminal's folder bridge read first. Each parser
// must answer any input with a document or an E_XML_* error; a request that parses is also
// written back, as is the SegmentOfResult 9 answer the bridge writes for it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oqs/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto r = onshi::oqs::parse_confirm_request_xml(bytes)) {
    (void)onshi::oqs::write_confirm_request_xml(*r, onshi::core::Encoding::kShiftJis);
    onshi::Error e{"E_XML_MISSING", "InsurerNumber", "必須の要素がありません"};
    (void)onshi::oqs::write_confirm_result_xml(onshi::oqs::error_result(r->header, e),
                                               onshi::core::Encoding::kShiftJis);
  }
  if (auto r = onshi::oqs::parse_bulk_request_xml(bytes))
    (void)onshi::oqs::write_bulk_request_xml(*r, onshi::core::Encoding::kUtf8);
  (void)onshi::oqs::parse_bulk_result_request_xml(bytes);
  if (auto r = onshi::oqs::parse_medical_aid_bulk_request_xml(bytes))
    (void)onshi::oqs::write_medical_aid_bulk_request_xml(*r, onshi::core::Encoding::kShiftJis);
  return 0;
}
