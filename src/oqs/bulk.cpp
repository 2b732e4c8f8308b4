// The XML codecs of the bulk inquiry (一括照会, research onshi-interface §2.2, §6.5):
// OQSmuquc01req (the patients), OQSmuquc01res (受付結果 with the ReceptionNumber),
// OQSmuquc02req (結果取得要求) and OQSmuquc02res (the BulkConfirmUnits); and the 医療扶助
// bulk request OQSmutic01req (research §2.3), whose receipt and results share those shapes.
//
// Reading and writing go through the same helpers as the single inquiry (xml_detail.h), so
// encodings, refusals, trimming and element tables are shared; only the document shapes
// live here. Bulk documents get a larger size limit (kMaxBulkDocumentBytes).
#include <pugixml.hpp>

#include <cstring>
#include <string>

#include "core/numbers.h"
#include "oqs/messages.h"
#include "oqs/xml_detail.h"

namespace onshi::oqs {
namespace {

Status require(pugi::xml_node parent, std::string_view name, const std::string& value) {
  if (!value.empty() && value.find_first_not_of(' ') != std::string::npos) return Status::Ok();
  return Status::Fail("E_XML_MISSING", std::string(name),
                      "必須の要素 <" + std::string(name) + "> が <" + parent.name() + "> にないか空です");
}

// Loads a document and returns its MessageHeader (and MessageBody when `need_body`).
struct Frame {
  detail::ParsedXml parsed;
  pugi::xml_node header, body;
};

Status frame(std::string_view bytes, Frame& f, bool need_body) {
  if (Status s = detail::load_xml(bytes, f.parsed, kMaxBulkDocumentBytes); !s) return s;
  pugi::xml_node root = f.parsed.doc.document_element();
  f.header = root.child("MessageHeader");
  f.body = root.child("MessageBody");
  if (!f.header) return Status::Fail("E_XML_STRUCTURE", "MessageHeader", "<XmlMsg> に <MessageHeader> がありません");
  if (need_body && !f.body)
    return Status::Fail("E_XML_STRUCTURE", "MessageBody", "<XmlMsg> に <MessageBody> がありません");
  return Status::Ok();
}

void begin(std::string& out, core::Encoding encoding) {
  out.append(detail::xml_declaration(encoding));
  out.append("<XmlMsg>\n");
}

void text_if(std::string& out, int depth, std::string_view name, const std::string& value) {
  if (!value.empty()) detail::append_xml_text(out, depth, name, value);
}

// A result header with the bulk documents' conventions: no ReferenceClassification, and
// CharacterCodeIdentifier from the encoding.
ResultHeader bulk_header(const ResultHeader& h, core::Encoding encoding) {
  ResultHeader out = h;
  out.reference_classification.clear();
  out.character_code_identifier = encoding == core::Encoding::kShiftJis ? "1" : "0";
  return out;
}

ResultHeader empty_header() {
  ResultHeader h;
  h.reference_classification.clear();
  h.segment_of_result.clear();
  h.character_code_identifier.clear();
  return h;
}

}  // namespace

Result<BulkRequest> parse_bulk_request_xml(std::string_view bytes) {
  Frame f;
  if (Status s = frame(bytes, f, true); !s) return s.error();
  BulkRequest req;
  for (pugi::xml_node e : f.header.children()) {
    if (e.type() != pugi::node_element) continue;
    const std::string_view name = e.name();
    if (name == "QualificationConfirmationDate")
      req.header.qualification_confirmation_date = detail::xml_text(e);
    else if (name == "MedicalInstitutionCode")
      req.header.medical_institution_code = detail::xml_text(e);
    else if (name == "ArbitraryFileIdentifier")
      req.header.arbitrary_file_identifier = detail::xml_text(e);
  }
  if (Status s = require(f.header, "QualificationConfirmationDate",
                         req.header.qualification_confirmation_date);
      !s)
    return s.error();
  if (Status s = require(f.header, "MedicalInstitutionCode", req.header.medical_institution_code); !s)
    return s.error();
  for (pugi::xml_node e : f.body.children("QualificationConfirmSearchInfo"))
    detail::read_search_info_xml(req.searches.emplace_back(), e);
  if (req.searches.empty())
    return Error{"E_XML_MISSING", "QualificationConfirmSearchInfo",
                 "必須の要素 <QualificationConfirmSearchInfo> がありません"};
  return req;
}

Result<std::string> write_bulk_request_xml(const BulkRequest& request, core::Encoding encoding) {
  std::string out;
  out.reserve(256 + request.searches.size() * 400);
  begin(out, encoding);
  const RequestHeader& h = request.header;
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_xml_text(out, 2, "QualificationConfirmationDate", h.qualification_confirmation_date);
  detail::append_xml_text(out, 2, "MedicalInstitutionCode", h.medical_institution_code);
  text_if(out, 2, "ArbitraryFileIdentifier", h.arbitrary_file_identifier);
  detail::append_xml_close(out, 1, "MessageHeader");
  detail::append_xml_open(out, 1, "MessageBody");
  for (const SearchInfo& s : request.searches) {
    SearchInfo padded = s;  // InsurerNumber is space-padded to 8, never zero-padded (§2.1)
    if (!padded.insurer_number.empty() && padded.insurer_number.size() < 8 &&
        core::all_digits(padded.insurer_number))
      padded.insurer_number = core::pad_insurer_number(padded.insurer_number);
    detail::append_search_info_xml(out, 2, padded);
  }
  detail::append_xml_close(out, 1, "MessageBody");
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<std::string> write_bulk_receipt_xml(const BulkReceipt& receipt, core::Encoding encoding) {
  std::string out;
  begin(out, encoding);
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_result_header_fields_xml(out, 2, bulk_header(receipt.header, encoding));
  detail::append_xml_close(out, 1, "MessageHeader");
  if (receipt.header.segment_of_result != "9") {
    detail::append_xml_open(out, 1, "MessageBody");
    text_if(out, 2, "ReceptionNumber", receipt.reception_number);
    text_if(out, 2, "ReceptionDateTime", receipt.reception_date_time);
    text_if(out, 2, "ProcessingResultStatus", receipt.processing_result_status);
    text_if(out, 2, "ProcessingResultCode", receipt.processing_result_code);
    text_if(out, 2, "ProcessingResultMessage", receipt.processing_result_message);
    detail::append_xml_close(out, 1, "MessageBody");
  }
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<BulkReceipt> parse_bulk_receipt_xml(std::string_view bytes) {
  Frame f;
  if (Status s = frame(bytes, f, false); !s) return s.error();
  BulkReceipt r;
  r.header = empty_header();
  detail::read_result_header_xml(r.header, f.header);
  if (!f.body) {
    if (r.header.segment_of_result == "9") return r;
    return Error{"E_XML_STRUCTURE", "MessageBody", "<XmlMsg> に <MessageBody> がありません"};
  }
  for (pugi::xml_node e : f.body.children()) {
    if (e.type() != pugi::node_element) continue;
    const std::string_view name = e.name();
    if (name == "ReceptionNumber") r.reception_number = detail::xml_text(e);
    else if (name == "ReceptionDateTime") r.reception_date_time = detail::xml_text(e);
    else if (name == "ProcessingResultStatus") r.processing_result_status = detail::xml_text(e);
    else if (name == "ProcessingResultCode") r.processing_result_code = detail::xml_text(e);
    else if (name == "ProcessingResultMessage") r.processing_result_message = detail::xml_text(e);
  }
  return r;
}

Result<BulkResultRequest> parse_bulk_result_request_xml(std::string_view bytes) {
  Frame f;
  if (Status s = frame(bytes, f, true); !s) return s.error();
  BulkResultRequest r;
  if (pugi::xml_node e = f.header.child("MedicalInstitutionCode"))
    r.medical_institution_code = detail::xml_text(e);
  if (pugi::xml_node e = f.body.child("ReceptionNumber")) r.reception_number = detail::xml_text(e);
  if (Status s = require(f.header, "MedicalInstitutionCode", r.medical_institution_code); !s)
    return s.error();
  if (Status s = require(f.body, "ReceptionNumber", r.reception_number); !s) return s.error();
  return r;
}

Result<std::string> write_bulk_result_request_xml(const BulkResultRequest& request,
                                                  core::Encoding encoding) {
  std::string out;
  begin(out, encoding);
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_xml_text(out, 2, "MedicalInstitutionCode", request.medical_institution_code);
  detail::append_xml_close(out, 1, "MessageHeader");
  detail::append_xml_open(out, 1, "MessageBody");
  detail::append_xml_text(out, 2, "ReceptionNumber", request.reception_number);
  detail::append_xml_close(out, 1, "MessageBody");
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<std::string> write_bulk_result_xml(const BulkResult& result, core::Encoding encoding) {
  std::string out;
  out.reserve(512 + result.units.size() * 2048);
  begin(out, encoding);
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_result_header_fields_xml(out, 2, bulk_header(result.header, encoding));
  detail::append_xml_close(out, 1, "MessageHeader");
  if (result.header.segment_of_result != "9") {
    detail::append_xml_open(out, 1, "MessageBody");
    for (const BulkConfirmUnit& u : result.units) {
      detail::append_xml_open(out, 2, "BulkConfirmUnit");
      detail::append_search_info_xml(out, 3, u.search);
      text_if(out, 3, "ProcessingResultStatus", u.processing_result_status);
      text_if(out, 3, "ProcessingResultCode", u.processing_result_code);
      text_if(out, 3, "ProcessingResultMessage", u.processing_result_message);
      text_if(out, 3, "QualificationValidity", u.qualification_validity);
      detail::append_result_list_xml(out, 3, u.results);
      detail::append_xml_close(out, 2, "BulkConfirmUnit");
    }
    detail::append_xml_close(out, 1, "MessageBody");
  }
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<MedicalAidBulkRequest> parse_medical_aid_bulk_request_xml(std::string_view bytes) {
  Frame f;
  if (Status s = frame(bytes, f, true); !s) return s.error();
  MedicalAidBulkRequest req;
  if (pugi::xml_node e = f.header.child("MedicalInstitutionCode"))
    req.header.medical_institution_code = detail::xml_text(e);
  if (pugi::xml_node e = f.header.child("ArbitraryFileIdentifier"))
    req.header.arbitrary_file_identifier = detail::xml_text(e);
  pugi::xml_node search = f.body.child("QualificationConfirmSearchInfo");
  if (pugi::xml_node e = search.child("MedicalTreatmentMonth"))
    req.medical_treatment_month = detail::xml_text(e);
  if (Status s = require(f.header, "MedicalInstitutionCode", req.header.medical_institution_code);
      !s)
    return s.error();
  if (!search)
    return Error{"E_XML_MISSING", "QualificationConfirmSearchInfo",
                 "必須の要素 <QualificationConfirmSearchInfo> がありません"};
  if (Status s = require(search, "MedicalTreatmentMonth", req.medical_treatment_month); !s)
    return s.error();
  return req;
}

Result<std::string> write_medical_aid_bulk_request_xml(const MedicalAidBulkRequest& request,
                                                       core::Encoding encoding) {
  std::string out;
  begin(out, encoding);
  detail::append_xml_open(out, 1, "MessageHeader");
  detail::append_xml_text(out, 2, "MedicalInstitutionCode",
                          request.header.medical_institution_code);
  text_if(out, 2, "ArbitraryFileIdentifier", request.header.arbitrary_file_identifier);
  detail::append_xml_close(out, 1, "MessageHeader");
  detail::append_xml_open(out, 1, "MessageBody");
  detail::append_xml_open(out, 2, "QualificationConfirmSearchInfo");
  detail::append_xml_text(out, 3, "MedicalTreatmentMonth", request.medical_treatment_month);
  detail::append_xml_close(out, 2, "QualificationConfirmSearchInfo");
  detail::append_xml_close(out, 1, "MessageBody");
  out.append("</XmlMsg>\n");
  return detail::encode_xml(std::move(out), encoding);
}

Result<BulkResult> parse_bulk_result_xml(std::string_view bytes) {
  Frame f;
  if (Status s = frame(bytes, f, false); !s) return s.error();
  BulkResult r;
  r.header = empty_header();
  detail::read_result_header_xml(r.header, f.header);
  if (!f.body) {
    if (r.header.segment_of_result == "9") return r;
    return Error{"E_XML_STRUCTURE", "MessageBody", "<XmlMsg> に <MessageBody> がありません"};
  }
  for (pugi::xml_node node : f.body.children("BulkConfirmUnit")) {
    BulkConfirmUnit& u = r.units.emplace_back();
    std::string prescription;  // not part of a unit; read and dropped
    std::vector<std::string> references;  // ReferenceNumber beside the results (§2.2 notes)
    for (pugi::xml_node e : node.children()) {
      if (e.type() != pugi::node_element) continue;
      const std::string_view name = e.name();
      if (name == "QualificationConfirmSearchInfo") {
        detail::read_search_info_xml(u.search, e);
      } else if (name == "ProcessingResultStatus") {
        u.processing_result_status = detail::xml_text(e);
      } else if (name == "ProcessingResultCode") {
        u.processing_result_code = detail::xml_text(e);
      } else if (name == "ProcessingResultMessage") {
        u.processing_result_message = detail::xml_text(e);
      } else if (name == "QualificationValidity") {
        u.qualification_validity = detail::xml_text(e);
      } else if (name == "ResultList") {
        for (pugi::xml_node item : e.children("ResultOfQualificationConfirmation"))
          detail::read_result_item_xml(u.results.emplace_back(), prescription, item);
      } else if (name == "ResultOfQualificationConfirmation") {
        detail::read_result_item_xml(u.results.emplace_back(), prescription, e);
      } else if (name == "ReferenceNumber") {
        references.push_back(detail::xml_text(e));
      }
    }
    for (size_t i = 0; i < references.size() && i < u.results.size(); ++i)
      if (u.results[i].reference_number.empty()) u.results[i].reference_number = references[i];
  }
  return r;
}

}  // namespace onshi::oqs
