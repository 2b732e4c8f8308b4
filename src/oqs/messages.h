// The messages of the オンライン資格確認 interface (research onshi-interface §2, §3) and
// their codecs: the XML documents receipt computers exchange (OQSsiquc01req/res, the bulk
// OQSmuquc01/02 pair) and the JSON twins of the HTTPS API.
//
// This module is shared by the central service and the institution terminal, so it depends
// on core only. Parsing is order-independent and tolerates absent optional elements (real
// files order elements freely); a malformed document is an Error (code E_XML_*, E_JSON_*,
// with the element name as field), never a crash. Writers emit the element order of the
// public DTOs and the declared encoding.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/qualification.h"
#include "core/status.h"
#include "core/text.h"

namespace onshi::oqs {

// MessageHeader of a request.
struct RequestHeader {
  std::string qualification_confirmation_date;  // QualificationConfirmationDate YYYYMMDD
  std::string medical_institution_code;         // MedicalInstitutionCode (10 digits)
  std::string arbitrary_file_identifier;        // ArbitraryFileIdentifier (≤ 50, optional)
};

// QualificationConfirmSearchInfo: the typed card data of one patient.
struct SearchInfo {
  std::string insurer_number;                  // as sent (may be space-padded to 8)
  std::string insured_card_symbol;
  std::string insured_identification_number;
  std::string insured_branch_number;
  std::string birthdate;
  std::string limit_application_certificate_related_cons_flg;  // "0" / "1"
  std::string arbitrary_identifier;
};

// OQSsiquc01req.
struct ConfirmRequest {
  RequestHeader header;
  SearchInfo search;
};

// The MessageHeader of a result.
struct ResultHeader {
  std::string process_execution_time;  // YYYYMMDDHHmmss
  std::string qualification_confirmation_date;
  std::string medical_institution_code;
  std::string arbitrary_file_identifier;
  std::string reference_classification = "2";  // OQSCD002
  std::string segment_of_result = "1";         // OQSCD003
  std::string error_code;                      // when segment_of_result = 9
  std::string error_message;
  std::string character_code_identifier = "0";  // OQSCD005 0 UTF-8, 1 Shift_JIS
  // Bulk results only:
  std::string reception_number;
  std::string number_of_processing_result, number_of_normal_processing, number_of_error;
};

// Consent flags and times that travel with a result (R-CONF-4, R-CONF-5).
struct Consents {
  std::string limit_flg, limit_time;              // LimitApplicationCertificateRelatedCons*
  std::string specific_diseases_flg, specific_diseases_time;
  std::string health_checkups_flg, health_checkups_time, health_checkups_available;
  std::string pharmacists_flg, pharmacists_time, pharmacists_available;
  std::string diagnosis_flg, diagnosis_time, diagnosis_available;
  std::string operation_flg, operation_time, operation_available;
};

// One ResultOfQualificationConfirmation. `qualification` carries the registered data in
// interface form (insurer number unpadded; the writer pads it to 8 with spaces, and writes
// NameKana in half-width). The limit certificate is written only when `include_limit`.
struct ResultItem {
  core::Qualification qualification;
  std::string preschool_classification;  // "1" or ""
  Consents consents;
  bool include_limit = false;
  bool include_specific_diseases = true;
  std::string arbitrary_identifier;
  std::string reference_number;
};

// OQSsiquc01res (also the face file with reference_classification 1).
struct ConfirmResult {
  ResultHeader header;
  std::optional<SearchInfo> search_echo;   // for ReferenceClassification 2
  std::string processing_result_status;    // OQSCD004 "1"/"2"
  std::string processing_result_code;
  std::string processing_result_message;
  std::string qualification_validity;      // OQSCD006 "1".."6"
  std::vector<ResultItem> results;
  std::string prescription_issue_select;
};

// ---- XML ----
// Parses an OQSsiquc01req document. The bytes may be Shift_JIS or UTF-8 per the XML
// declaration (a UTF-8 BOM is honoured). Errors: E_XML_ENCODING, E_XML_SYNTAX,
// E_XML_STRUCTURE (wrong root or missing MessageHeader/MessageBody), E_XML_MISSING (a
// required element absent; field = element name).
Result<ConfirmRequest> parse_confirm_request_xml(std::string_view bytes);
// Writes an OQSsiquc01res document in `encoding` (declaration and CharacterCodeIdentifier
// follow it). Errors only when a character cannot be encoded in Shift_JIS (E_ENCODING).
Result<std::string> write_confirm_result_xml(const ConfirmResult& result,
                                             core::Encoding encoding = core::Encoding::kUtf8);
// Parses a result document (terminal, tests).
Result<ConfirmResult> parse_confirm_result_xml(std::string_view bytes);
// Writes a request document (terminal, tests, benchmarks).
Result<std::string> write_confirm_request_xml(const ConfirmRequest& request,
                                              core::Encoding encoding = core::Encoding::kShiftJis);

// ---- JSON (the HTTPS API twins; lowerCamelCase keys of the element names) ----
// {"qualificationConfirmationDate":"…","medicalInstitutionCode":"…","arbitraryFileIdentifier":"…",
//  "insurerNumber":"…","insuredCardSymbol":"…","insuredIdentificationNumber":"…",
//  "insuredBranchNumber":"…","birthdate":"…","limitApplicationCertificateRelatedConsFlg":"0"}
// Errors: E_JSON_SYNTAX, E_JSON_TYPE (field = key), E_JSON_UNKNOWN_FIELD (field = key),
// E_JSON_MISSING (a required key absent or empty; field = key). null counts as absent.
Result<ConfirmRequest> parse_confirm_request_json(std::string_view body);
std::string write_confirm_result_json(const ConfirmResult& result);

}  // namespace onshi::oqs
