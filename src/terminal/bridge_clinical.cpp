// The clinical requests the folder bridge carries (bridge_detail.h): YZKsiquc01 (薬剤情報),
// TKKsiquc01 (特定健診情報), SRJsiquc01 (診療情報) and SCJsiquc01 (処方・調剤情報), research
// §2.6 and docs/xml-interface.md. The request file goes to the service's route as it is (the
// professional account is in its header); the answer is an XML result, re-encoded into the
// terminal's encoding, or a PDF (FileCategory 1), written as `<res_prefix><tail>.pdf`.
#include "core/date.h"
#include "core/log.h"
#include "oqs/clinical.h"
#include "terminal/bridge_detail.h"

namespace onshi::terminal {
namespace {

Status check(std::string_view bytes) {
  return oqs::parse_clinical_request_xml(bytes).status();
}

Result<std::string> write_or_utf8(const oqs::ClinicalResult& r, core::Encoding encoding,
                                  const std::string& file) {
  auto doc = oqs::write_clinical_result_xml(r, encoding);
  if (doc || encoding == core::Encoding::kUtf8) return doc;
  core::log_warn("terminal.encoding", {{"file", file}, {"code", doc.error().code}});
  return oqs::write_clinical_result_xml(r, core::Encoding::kUtf8);
}

Result<Rendered> reencode(std::string_view answer, core::Encoding encoding,
                          const std::string& file) {
  if (answer.substr(0, 5) == "%PDF-") {
    Rendered out{std::string(answer), "1", "format", "pdf"};
    out.extension = ".pdf";
    return out;
  }
  auto result = oqs::parse_clinical_result_xml(answer);
  if (!result)
    return Error{"E_TERMINAL_RESPONSE", result.error().field,
                 "中央システムの回答が診療情報等の結果ではありません（" + result.error().message +
                     "）。資格確認端末の不具合として保守業者に連絡してください"};
  auto doc = write_or_utf8(*result, encoding, file);
  if (!doc) return doc.error();
  return Rendered{std::move(*doc), result->result_code, "errorCode", result->error_code};
}

Result<std::string> error(std::string_view request, const Error& e, core::Encoding encoding) {
  oqs::ClinicalResult r;
  r.process_execution_time = core::timestamp_jst();
  if (auto req = oqs::parse_clinical_request_xml(request)) {
    r.medical_institution_code = req->medical_institution_code;
    r.arbitrary_file_identifier = req->arbitrary_file_identifier;
  }
  r.result_code = "2";
  r.error_code = e.code;
  r.message_contents = e.field.empty() ? e.message : e.field + ": " + e.message;
  return write_or_utf8(r, encoding, "");
}

const Kind kClinical[] = {
    {"YZKsiquc01req_", "YZKsiquc01res_", "/xml/YZKsiquc01?via=bridge", false, check, reencode,
     error},
    {"TKKsiquc01req_", "TKKsiquc01res_", "/xml/TKKsiquc01?via=bridge", false, check, reencode,
     error},
    {"SRJsiquc01req_", "SRJsiquc01res_", "/xml/SRJsiquc01?via=bridge", false, check, reencode,
     error},
    {"SCJsiquc01req_", "SCJsiquc01res_", "/xml/SCJsiquc01?via=bridge", false, check, reencode,
     error},
};

}  // namespace

std::span<const Kind> clinical_kinds() {
  return kClinical;
}

}  // namespace onshi::terminal
