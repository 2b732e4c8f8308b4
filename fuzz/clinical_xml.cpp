// Fuzz target: the clinical information requests and results (oqs/clinical.h) — 薬剤情報
// YZKsiquc01req, 特定健診情報 TKKsiquc01req, 診療情報 SRJsiquc01req, 処方・調剤情報
// SCJsiquc01req as a receipt computer sends them (to the central service's /xml/…siquc01
// routes, or through the terminal's folder bridge), in UTF-8 or Shift_JIS, and the results
// the terminal reads back from the service and re-encodes for res/. Every input ends in a
// document or an E_XML_* / E_CODE / E_DATE_FORMAT error; what parses is written again in both
// encodings and, for a request, parsed again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oqs/clinical.h"

using namespace onshi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto r = oqs::parse_clinical_request_xml(bytes)) {
    for (auto enc : {core::Encoding::kShiftJis, core::Encoding::kUtf8})
      if (auto w = oqs::write_clinical_request_xml(*r, enc))
        if (!oqs::parse_clinical_request_xml(*w)) std::abort();  // onshi reads what it writes
  }
  if (auto r = oqs::parse_clinical_result_xml(bytes)) {
    (void)oqs::write_clinical_result_xml(*r, core::Encoding::kShiftJis);
    (void)oqs::write_clinical_result_xml(*r, core::Encoding::kUtf8);
  }
  (void)oqs::parse_clinical_prefix(bytes.substr(0, 3));
  return 0;
}
