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

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/medical_aid.h"
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

// One MedicalTicketInfo of a 医療扶助 result (research §3.5): the ticket's elements (its
// InsurerNumber and InsuredIdentificationNumber are not written: the result carries them)
// and DesignatedMedicalInstitutionFlag (OQSCD026: 0 一致, 1 不一致), which the ticket
// itself does not have — it says whether the ticket designates the asking institution.
struct MedicalTicketInfo {
  core::MedicalTicket ticket;
  std::string designated_medical_institution_flag;
  bool operator==(const MedicalTicketInfo&) const = default;
};

// One ResultOfQualificationConfirmation. `qualification` carries the registered data in
// interface form (insurer number unpadded; the writer pads it to 8 with spaces, and writes
// NameKana in half-width). The limit certificate is written only when `include_limit`.
// A 医療扶助 result (InsuredCardClassification A1) carries its tickets in
// `medical_tickets`, written as PublicExpenseResultList after the specific-disease
// certificates (§3.3 row 34, §6.6); empty for insurance results.
struct ResultItem {
  core::Qualification qualification;
  std::string preschool_classification;  // "1" or ""
  Consents consents;
  bool include_limit = false;
  bool include_specific_diseases = true;
  std::vector<MedicalTicketInfo> medical_tickets;  // PublicExpenseResultList/MedicalTicketInfo*
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

// ---- Result headers (shared by the central service and the terminal's folder bridge) ----
// The result's MessageHeader echoing a request's: ProcessExecutionTime now (JST), the date,
// institution code and file identifier copied, SegmentOfResult 1, CharacterCodeIdentifier 0.
ResultHeader echo_header(const RequestHeader& request, std::string_view reference_classification = "2");
// A result with SegmentOfResult 9 for a request that could not be read or was refused:
// ErrorCode = error.code, ErrorMessage = "<field>: <message>" (the message alone when the
// error has no field). Pure: reads nothing, writes nothing.
ConfirmResult error_result(const RequestHeader& request, const Error& error);

// ---- Bulk inquiry (一括照会, research §2.2, §6.5) ----
// OQSmuquc01req: one header and one QualificationConfirmSearchInfo per patient
// (ArbitraryIdentifier maps the results back to the patients).
struct BulkRequest {
  RequestHeader header;
  std::vector<SearchInfo> searches;
};

// OQSmuquc01res (受付結果). The header carries ProcessExecutionTime, MedicalInstitutionCode,
// ArbitraryFileIdentifier, CharacterCodeIdentifier (and SegmentOfResult/ErrorCode/
// ErrorMessage on refusal, when the body is absent); reference_classification and
// reception_number of the header are not used here — the number travels in the body.
struct BulkReceipt {
  ResultHeader header;
  std::string reception_number;     // ReceptionNumber
  std::string reception_date_time;  // ReceptionDateTime YYYYMMDDHHmmss
  std::string processing_result_status;  // optional, "1" when accepted
  std::string processing_result_code;
  std::string processing_result_message;
};

// OQSmuquc02req (結果取得要求).
struct BulkResultRequest {
  std::string medical_institution_code;  // MessageHeader/MedicalInstitutionCode
  std::string reception_number;          // MessageBody/ReceptionNumber
};

// One BulkConfirmUnit: the per-patient result of a bulk inquiry.
struct BulkConfirmUnit {
  SearchInfo search;                      // QualificationConfirmSearchInfo echo
  std::string processing_result_status;   // OQSCD004 "1" / "2"
  std::string processing_result_code;     // the error code when the status is 2
  std::string processing_result_message;
  std::string qualification_validity;     // OQSCD006, when the status is 1
  std::vector<ResultItem> results;        // ResultList/ResultOfQualificationConfirmation*
};

// OQSmuquc02res (一括照会結果). The header uses reception_number and the three counts;
// reference_classification is not written. SegmentOfResult 9 has no body.
struct BulkResult {
  ResultHeader header;
  std::vector<BulkConfirmUnit> units;
};

// Bulk documents may be larger than single ones: up to 64 MiB. An OQSmuquc02res of 10,000
// patients is about 20 MB (about 2 KB per BulkConfirmUnit), more with many certificates.
inline constexpr size_t kMaxBulkDocumentBytes = 64u << 20;

// Parses OQSmuquc01req (Shift_JIS or UTF-8 as declared). Errors as for
// parse_confirm_request_xml; E_XML_MISSING for a missing header element required by §2.1
// (QualificationConfirmationDate, MedicalInstitutionCode) or when there is no
// QualificationConfirmSearchInfo at all. The entries themselves are not validated here (the
// service judges each one like a single request), so one bad entry does not spoil the rest.
Result<BulkRequest> parse_bulk_request_xml(std::string_view bytes);
Result<std::string> write_bulk_request_xml(const BulkRequest& request,
                                           core::Encoding encoding = core::Encoding::kShiftJis);
// OQSmuquc01res. The writer sets CharacterCodeIdentifier from `encoding`.
Result<std::string> write_bulk_receipt_xml(const BulkReceipt& receipt,
                                           core::Encoding encoding = core::Encoding::kUtf8);
Result<BulkReceipt> parse_bulk_receipt_xml(std::string_view bytes);
// OQSmuquc02req. Errors: as above; E_XML_MISSING for MedicalInstitutionCode or
// ReceptionNumber.
Result<BulkResultRequest> parse_bulk_result_request_xml(std::string_view bytes);
Result<std::string> write_bulk_result_request_xml(
    const BulkResultRequest& request, core::Encoding encoding = core::Encoding::kShiftJis);
// OQSmuquc02res. The writer sets CharacterCodeIdentifier from `encoding`; E_ENCODING when a
// character has no Shift_JIS form.
Result<std::string> write_bulk_result_xml(const BulkResult& result,
                                          core::Encoding encoding = core::Encoding::kUtf8);
// Accepts ResultOfQualificationConfirmation inside a ResultList or directly in the unit
// (§2.2 notes), with ReferenceNumber either inside it or beside it (paired by index).
Result<BulkResult> parse_bulk_result_xml(std::string_view bytes);

// ---- Bulk inquiry for 医療扶助 (research §2.3): OQSmutic01req → OQSmutic01res ----
// The request names a month; the answer is a receipt like OQSmuquc01res (BulkReceipt, written
// with write_bulk_receipt_xml), and its results come through OQSmuquc02 like every bulk
// inquiry's: one BulkConfirmUnit per recipient with a ticket of that month designating the
// institution.
struct MedicalAidBulkRequest {
  RequestHeader header;  // MedicalInstitutionCode, ArbitraryFileIdentifier (no date is sent)
  std::string
      medical_treatment_month;  // QualificationConfirmSearchInfo/MedicalTreatmentMonth YYYYMM
};
// Errors as for parse_bulk_request_xml; E_XML_MISSING for MedicalInstitutionCode or
// MedicalTreatmentMonth (its form is the service's to judge).
Result<MedicalAidBulkRequest> parse_medical_aid_bulk_request_xml(std::string_view bytes);
Result<std::string> write_medical_aid_bulk_request_xml(
    const MedicalAidBulkRequest& request, core::Encoding encoding = core::Encoding::kShiftJis);

// ---- JSON (the HTTPS API twins; lowerCamelCase keys of the element names) ----
// {"qualificationConfirmationDate":"…","medicalInstitutionCode":"…","arbitraryFileIdentifier":"…",
//  "insurerNumber":"…","insuredCardSymbol":"…","insuredIdentificationNumber":"…",
//  "insuredBranchNumber":"…","birthdate":"…","limitApplicationCertificateRelatedConsFlg":"0"}
// Errors: E_JSON_SYNTAX, E_JSON_TYPE (field = key), E_JSON_UNKNOWN_FIELD (field = key),
// E_JSON_MISSING (a required key absent or empty; field = key). null counts as absent.
Result<ConfirmRequest> parse_confirm_request_json(std::string_view body);
std::string write_confirm_result_json(const ConfirmResult& result);

}  // namespace onshi::oqs
