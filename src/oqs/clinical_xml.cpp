// The XML codecs of the clinical requests and results (oqs/clinical.h): YZK/TKK/SRJ/SCJ
// siquc01req read and written with §2.6's header and body, and the results as element trees.
// Reading goes through the module's shared loader (xml_detail.h), so the same refusals hold as
// for every interface document; writing uses the shared appenders and encoder.
#include <pugixml.hpp>

#include "core/numbers.h"
#include "oqs/clinical.h"
#include "oqs/xml_detail.h"

namespace onshi::oqs {
namespace {

constexpr std::string_view kPrefixes[] = {"YZK", "TKK", "SRJ", "SCJ"};

Error missing(std::string_view parent, std::string_view name) {
  return Error{
      "E_XML_MISSING", std::string(name),
      "必須の要素 <" + std::string(name) + "> が <" + std::string(parent) + "> にないか空です"};
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// StartDate / EndDate: YYYYMM with a month 01–12, or empty.
Status check_month(std::string_view name, const std::string& v) {
  if (v.empty()) return {};
  if (v.size() == 6 && all_digits(v)) {
    const int m = std::stoi(v.substr(4));
    if (m >= 1 && m <= 12) return {};
  }
  return Status::Fail("E_DATE_FORMAT", std::string(name), "年月は YYYYMM の6桁で指定してください");
}

Status check_request(const ClinicalRequest& r) {
  if (r.medical_institution_code.empty()) return missing("MessageHeader", "MedicalInstitutionCode");
  if (r.insurer_number.find_first_not_of(' ') == std::string::npos)
    return missing("MessageHeader", "InsurerNumber");
  if (r.insured_person_identification_number.empty())
    return missing("MessageHeader", "InsuredPersonIdentificationNumber");
  if (r.file_category.empty()) return missing("MessageBody", "FileCategory");
  if (r.file_category != "1" && r.file_category != "2")
    return Status::Fail("E_CODE", "FileCategory", "FileCategory は 1（PDF）か 2（XML）です");
  if (!r.medical_treatment_flag.empty() &&
      (r.medical_treatment_flag.size() != 1 || r.medical_treatment_flag[0] < '1' ||
       r.medical_treatment_flag[0] > '4'))
    return Status::Fail("E_CODE", "MedicalTreatmentFlag",
                        "MedicalTreatmentFlag は 1〜4（OQSCD028 診療区分）です");
  if (Status st = check_month("StartDate", r.start_date); !st) return st;
  return check_month("EndDate", r.end_date);
}

void read_tree(XmlElement& out, pugi::xml_node node) {
  out.name = node.name();
  bool any_child = false;
  for (pugi::xml_node c : node.children()) {
    if (c.type() != pugi::node_element) continue;
    any_child = true;
    read_tree(out.children.emplace_back(), c);
  }
  if (!any_child) out.text = detail::xml_text(node);
}

void write_tree(std::string& out, int depth, const XmlElement& e) {
  if (e.children.empty()) return detail::append_xml_text(out, depth, e.name, e.text);
  detail::append_xml_open(out, depth, e.name);
  for (const auto& c : e.children) write_tree(out, depth + 1, c);
  detail::append_xml_close(out, depth, e.name);
}

}  // namespace

std::string_view clinical_prefix(ClinicalMessage m) {
  return kPrefixes[static_cast<int>(m)];
}

std::optional<ClinicalMessage> parse_clinical_prefix(std::string_view prefix) {
  for (int i = 0; i < 4; ++i)
    if (kPrefixes[i] == prefix) return static_cast<ClinicalMessage>(i);
  return std::nullopt;
}

XmlElement& XmlElement::add(std::string child, std::string value) {
  children.push_back(XmlElement{std::move(child), std::move(value), {}});
  return children.back();
}

const XmlElement* XmlElement::find(std::string_view child) const {
  for (const auto& c : children)
    if (c.name == child) return &c;
  return nullptr;
}

Result<ClinicalRequest> parse_clinical_request_xml(std::string_view bytes) {
  detail::ParsedXml parsed;
  if (Status s = detail::load_xml(bytes, parsed); !s) return s.error();
  pugi::xml_node root = parsed.doc.document_element();
  pugi::xml_node header = root.child("MessageHeader");
  pugi::xml_node body = root.child("MessageBody");
  if (!header)
    return Error{"E_XML_STRUCTURE", "MessageHeader", "<XmlMsg> に <MessageHeader> がありません"};
  if (!body)
    return Error{"E_XML_STRUCTURE", "MessageBody", "<XmlMsg> に <MessageBody> がありません"};
  auto h = [&](const char* name) { return detail::xml_text(header.child(name)); };
  auto b = [&](const char* name) { return detail::xml_text(body.child(name)); };
  ClinicalRequest r;
  r.medical_institution_code = h("MedicalInstitutionCode");
  r.insurer_number = h("InsurerNumber");
  r.insurance_card_symbol = h("InsuranceCardSymbol");
  r.insured_person_identification_number = h("InsuredPersonIdentificationNumber");
  r.branch_number = h("BranchNumber");
  r.arbitrary_file_identifier = h("ArbitraryFileIdentifier");
  r.professional_account = h("ProfessionalAccountIdentifier");
  r.start_date = b("StartDate");
  r.end_date = b("EndDate");
  r.file_category = b("FileCategory");
  r.pr_di_inf_classification = b("PrDiInfClassification");
  r.medical_treatment_flag = b("MedicalTreatmentFlag");
  if (Status st = check_request(r); !st) return st.error();
  return r;
}

Result<std::string> write_clinical_request_xml(const ClinicalRequest& r, core::Encoding encoding) {
  std::string out = detail::xml_declaration(encoding);
  out.append("<XmlMsg>\n");
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_xml_text(out, 2, "MedicalInstitutionCode", r.medical_institution_code);
  std::string insurer = r.insurer_number;
  if (!insurer.empty() && insurer.size() < 8 && core::all_digits(insurer))
    insurer = core::pad_insurer_number(insurer);
  detail::append_xml_text(out, 2, "InsurerNumber", insurer);
  auto optional = [&](int depth, std::string_view name, const std::string& v) {
    if (!v.empty()) detail::append_xml_text(out, depth, name, v);
  };
  optional(2, "InsuranceCardSymbol", r.insurance_card_symbol);
  detail::append_xml_text(out, 2, "InsuredPersonIdentificationNumber",
                          r.insured_person_identification_number);
  optional(2, "BranchNumber", r.branch_number);
  optional(2, "ArbitraryFileIdentifier", r.arbitrary_file_identifier);
  optional(2, "ProfessionalAccountIdentifier", r.professional_account);
  detail::append_xml_close(out, 1, "MessageHeader");
  detail::append_xml_open(out, 1, "MessageBody");
  optional(2, "StartDate", r.start_date);
  optional(2, "EndDate", r.end_date);
  detail::append_xml_text(out, 2, "FileCategory", r.file_category);
  optional(2, "PrDiInfClassification", r.pr_di_inf_classification);
  optional(2, "MedicalTreatmentFlag", r.medical_treatment_flag);
  detail::append_xml_close(out, 1, "MessageBody");
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<std::string> write_clinical_result_xml(const ClinicalResult& r, core::Encoding encoding) {
  std::string out = detail::xml_declaration(encoding);
  out.reserve(16384);
  out.append("<XmlMsg>\n");
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_xml_text(out, 2, "ProcessExecutionTime", r.process_execution_time);
  detail::append_xml_text(out, 2, "MedicalInstitutionCode", r.medical_institution_code);
  if (!r.arbitrary_file_identifier.empty())
    detail::append_xml_text(out, 2, "ArbitraryFileIdentifier", r.arbitrary_file_identifier);
  detail::append_xml_text(out, 2, "ResultCode", r.result_code);
  if (!r.error_code.empty()) detail::append_xml_text(out, 2, "ErrorCode", r.error_code);
  if (!r.message_contents.empty())
    detail::append_xml_text(out, 2, "MessageContents", r.message_contents);
  detail::append_xml_text(out, 2, "CharacterCodeIdentifier",
                          encoding == core::Encoding::kShiftJis ? "1" : "0");
  if (r.person) write_tree(out, 2, *r.person);
  detail::append_xml_close(out, 1, "MessageHeader");
  detail::append_xml_open(out, 1, "MessageBody");
  for (const auto& e : r.body) write_tree(out, 2, e);
  detail::append_xml_close(out, 1, "MessageBody");
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<ClinicalResult> parse_clinical_result_xml(std::string_view bytes) {
  detail::ParsedXml parsed;
  if (Status s = detail::load_xml(bytes, parsed, 64u << 20); !s) return s.error();
  pugi::xml_node root = parsed.doc.document_element();
  pugi::xml_node header = root.child("MessageHeader");
  if (!header)
    return Error{"E_XML_STRUCTURE", "MessageHeader", "<XmlMsg> に <MessageHeader> がありません"};
  ClinicalResult r;
  auto h = [&](const char* name) { return detail::xml_text(header.child(name)); };
  r.process_execution_time = h("ProcessExecutionTime");
  r.medical_institution_code = h("MedicalInstitutionCode");
  r.arbitrary_file_identifier = h("ArbitraryFileIdentifier");
  r.result_code = h("ResultCode");
  r.error_code = h("ErrorCode");
  r.message_contents = h("MessageContents");
  if (r.result_code.empty()) return missing("MessageHeader", "ResultCode");
  for (const char* p : {"QuaInf", "QualificationsInfo"})
    if (pugi::xml_node n = header.child(p)) read_tree(r.person.emplace(), n);
  for (pugi::xml_node c : root.child("MessageBody").children())
    if (c.type() == pugi::node_element) read_tree(r.body.emplace_back(), c);
  return r;
}

}  // namespace onshi::oqs
