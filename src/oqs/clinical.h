// The clinical information requests and results of the interface (research onshi-interface
// §2.6): 薬剤情報 YZKsiquc01req/res and 特定健診情報 TKKsiquc01req/res as the public clients
// send them, and onshi's two of the same pattern, 診療情報 SRJsiquc01 and 処方・調剤情報
// SCJsiquc01 (docs/xml-interface.md). Shared by the central service and the terminal's folder
// bridge, so it depends on core only.
//
// The request keeps §2.6's layout (no QualificationConfirmSearchInfo):
//   MessageHeader { MedicalInstitutionCode, InsurerNumber, InsuranceCardSymbol,
//                   InsuredPersonIdentificationNumber, BranchNumber, ArbitraryFileIdentifier,
//                   ProfessionalAccountIdentifier }
//   MessageBody   { StartDate, EndDate (YYYYMM), FileCategory (1 PDF, 2 XML),
//                   PrDiInfClassification, MedicalTreatmentFlag (OQSCD028) }
// ProfessionalAccountIdentifier is onshi's: the professional account the request is made for
// (docs/clinical.md); without it the service refuses (E_ACCOUNT_MISSING, audited).
//
// A result is a small element tree: MessageHeader { ProcessExecutionTime,
// MedicalInstitutionCode, ArbitraryFileIdentifier, ResultCode (1 OK, 2 error), ErrorCode,
// MessageContents, CharacterCodeIdentifier, then the patient element } and MessageBody { the
// kind's elements }. The writer takes the tree as the views build it; the reader gives it back
// (the bridge re-encodes results with it). Parsing follows the rules of messages.h: size limit,
// no DOCTYPE, Shift_JIS or UTF-8 per the declaration, elements looked up by name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/text.h"

namespace onshi::oqs {

// The four message types: their three-letter prefixes ("YZK", "TKK", "SRJ", "SCJ").
enum class ClinicalMessage { kMedication, kCheckup, kTreatment, kPrescription };
std::string_view clinical_prefix(ClinicalMessage m);  // "YZK" …
std::optional<ClinicalMessage> parse_clinical_prefix(std::string_view prefix);

struct ClinicalRequest {
  // MessageHeader
  std::string medical_institution_code;
  std::string insurer_number;  // as sent (may be space-padded)
  std::string insurance_card_symbol;
  std::string insured_person_identification_number;
  std::string branch_number;
  std::string arbitrary_file_identifier;
  std::string professional_account;  // ProfessionalAccountIdentifier
  // MessageBody
  std::string start_date, end_date;      // YYYYMM or ""
  std::string file_category = "2";       // "1" PDF, "2" XML
  std::string pr_di_inf_classification;  // as sent (the public clients send "1")
  std::string medical_treatment_flag;    // OQSCD028 or ""
};

// Parses a request of any of the four types (the root is <XmlMsg>; the route or the file name
// says which type it is). Errors: E_XML_ENCODING, E_XML_SYNTAX, E_XML_STRUCTURE, E_XML_MISSING
// (MedicalInstitutionCode, InsurerNumber, InsuredPersonIdentificationNumber, FileCategory),
// E_CODE (FileCategory not 1/2, MedicalTreatmentFlag not 1–4; field = element),
// E_DATE_FORMAT (StartDate/EndDate not YYYYMM).
Result<ClinicalRequest> parse_clinical_request_xml(std::string_view bytes);
// Writes a request (terminal, tests, benchmarks); empty optional elements are left out.
Result<std::string> write_clinical_request_xml(const ClinicalRequest& request,
                                               core::Encoding encoding = core::Encoding::kShiftJis);

// One element of a result: text or children.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;
  XmlElement& add(std::string child, std::string value = "");  // appends, returns the child
  const XmlElement* find(std::string_view child) const;        // first child of that name
};

struct ClinicalResult {
  std::string process_execution_time;  // YYYYMMDDHHmmss
  std::string medical_institution_code;
  std::string arbitrary_file_identifier;
  std::string result_code = "1";     // 1 OK, 2 error
  std::string error_code;            // onshi's stable code when result_code is 2
  std::string message_contents;      // the Japanese message when result_code is 2
  std::optional<XmlElement> person;  // QuaInf (YZK, SRJ, SCJ) or QualificationsInfo (TKK)
  std::vector<XmlElement> body;      // the MessageBody's children
};

// Writes a result; CharacterCodeIdentifier and the declaration follow `encoding`.
// Errors: E_ENCODING (a character without a Shift_JIS form).
Result<std::string> write_clinical_result_xml(const ClinicalResult& result,
                                              core::Encoding encoding = core::Encoding::kUtf8);
// Reads a result back (the header fields and the trees). Errors as for the request, and
// E_XML_MISSING when ResultCode is absent.
Result<ClinicalResult> parse_clinical_result_xml(std::string_view bytes);

}  // namespace onshi::oqs
