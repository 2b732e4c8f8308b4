// The XML codecs of the 資格確認 messages: OQSsiquc01req (parse, write) and OQSsiquc01res
// (write, parse), research onshi-interface §1.2, §2.1, §3, §6.
//
// Reading goes through detail::load_xml (xml_load.cpp): the bytes turned into UTF-8 from the
// XML declaration (Shift_JIS converted by core), so pugixml only ever sees UTF-8, and the
// refusals of untrusted input from the network — a size limit, a DOCTYPE (pugixml never
// expands entities, but a document that declares any is not an interface message), control
// characters XML 1.0 forbids. Elements are looked up by name, never by position. Writing the result is on the service's hot path, so it builds
// the text directly into one string with escaping instead of going through a DOM; the
// element order comes from layout.h, shared with the JSON writer.
#include <cstring>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/numbers.h"
#include "core/text.h"
#include "oqs/codec_text.h"
#include "oqs/layout.h"
#include "oqs/messages.h"
#include "oqs/xml_detail.h"

namespace onshi::oqs {
namespace {


Error xml_error(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
}


// The text content of an element (all character-data children joined), trimmed per the
// element's rule.
std::string text_of(pugi::xml_node e) {
  std::string_view first;
  std::string joined;
  int parts = 0;
  for (pugi::xml_node c : e.children()) {
    if (c.type() != pugi::node_pcdata && c.type() != pugi::node_cdata) continue;
    if (parts++ == 0) {
      first = c.value();
    } else {
      if (parts == 2) joined.assign(first);
      joined.append(c.value());
    }
  }
  std::string_view all = parts > 1 ? std::string_view(joined) : first;
  return std::string(detail::trim_value(e.name(), all));
}

// Assigns element `e` to the matching member of `s`; false when `e` is not in the table.
template <class S, size_t N>
bool read_field(S& s, const std::array<layout::Field<S>, N>& table, pugi::xml_node e) {
  const std::string_view name = e.name();
  for (const auto& f : table) {
    if (f.name == name) {
      s.*(f.member) = text_of(e);
      return true;
    }
  }
  return false;
}

template <class S, size_t N>
void read_all(S& s, const std::array<layout::Field<S>, N>& table, pugi::xml_node parent) {
  for (pugi::xml_node e : parent.children())
    if (e.type() == pugi::node_element) read_field(s, table, e);
}

Status require(pugi::xml_node parent, std::string_view name, const std::string& value) {
  if (!value.empty() && value.find_first_not_of(' ') != std::string::npos) return Status::Ok();
  return Status::Fail("E_XML_MISSING", std::string(name),
                      "必須の要素 <" + std::string(name) + "> が <" + parent.name() + "> にないか空です");
}

// ---- result writer ----

// Builds the XML text of a walk (see layout.h) with two-space indentation.
class XmlSink {
 public:
  explicit XmlSink(std::string& out, int depth) : out_(out), depth_(depth) {}

  void text(std::string_view name, std::string_view value) {
    indent();
    out_.push_back('<');
    out_.append(name);
    out_.push_back('>');
    detail::append_xml_escaped(out_, value);
    out_.append("</");
    out_.append(name);
    out_.append(">\n");
  }
  void insurer_number(std::string_view name, std::string_view digits) {
    text(name, core::pad_insurer_number(digits));
  }
  void open(std::string_view name) {
    indent();
    out_.push_back('<');
    out_.append(name);
    out_.append(">\n");
    ++depth_;
  }
  void close(std::string_view name) {
    --depth_;
    indent();
    out_.append("</");
    out_.append(name);
    out_.append(">\n");
  }
  void open_list(std::string_view list, std::string_view) { open(list); }
  void close_list(std::string_view list, std::string_view) { close(list); }
  void item_open(std::string_view item) { open(item); }
  void item_close(std::string_view item) { close(item); }
  void result_list(const std::vector<ResultItem>& results) {
    if (results.empty()) return;
    open("ResultList");
    for (const auto& item : results) {
      open("ResultOfQualificationConfirmation");
      layout::walk_result_item(*this, item);
      close("ResultOfQualificationConfirmation");
    }
    close("ResultList");
  }

 private:
  void indent() { out_.append(static_cast<size_t>(depth_) * 2, ' '); }
  std::string& out_;
  int depth_;
};

// Walks like XmlSink but only remembers the first element whose value has no Shift_JIS
// form; used to name the field when a Shift_JIS conversion failed.
class ShiftJisProbe {
 public:
  std::string field;
  void text(std::string_view name, std::string_view value) {
    if (field.empty() && !core::representable_in_shift_jis(value)) field = std::string(name);
  }
  void insurer_number(std::string_view name, std::string_view digits) { text(name, digits); }
  void open(std::string_view) {}
  void close(std::string_view) {}
  void open_list(std::string_view, std::string_view) {}
  void close_list(std::string_view, std::string_view) {}
  void item_open(std::string_view) {}
  void item_close(std::string_view) {}
  void result_list(const std::vector<ResultItem>& results) {
    for (const auto& item : results) layout::walk_result_item(*this, item);
  }
};

const char* declaration(core::Encoding encoding) {
  return encoding == core::Encoding::kShiftJis
             ? "<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\n"
             : "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
}

// Converts a finished UTF-8 document to Shift_JIS; `probe` names the offending element.
template <class Probe>
Result<std::string> encode(std::string&& utf8, core::Encoding encoding, Probe&& probe) {
  if (encoding == core::Encoding::kUtf8) return std::move(utf8);
  auto sjis = core::utf8_to_shift_jis(utf8);
  if (sjis) return std::move(*sjis);
  return Error{"E_ENCODING", probe(),
               "Shift_JIS で書けない文字があります: " + sjis.error().message};
}

// ---- result reader ----

template <size_t N>
bool read_qualification_field(core::Qualification& q,
                              const std::array<layout::QualificationField, N>& table,
                              pugi::xml_node e) {
  const std::string_view name = e.name();
  for (const auto& f : table) {
    if (f.name != name) continue;
    std::string v = text_of(e);
    // Results carry InsurerNumber space-padded; the Qualification holds the digits.
    q.*(f.member) =
        f.form == layout::Form::kInsurerNumber ? core::trim_insurer_number(v) : std::move(v);
    return true;
  }
  return false;
}

// SpecificDiseasesCertificateList: List > Info* (§3.4), or the fields directly under the
// List as one SmartKarte DTO models it.
void read_specific_diseases(core::Qualification& q, pugi::xml_node list) {
  core::SpecificDiseasesCertificate direct;
  bool has_direct = false;
  for (pugi::xml_node e : list.children()) {
    if (e.type() != pugi::node_element) continue;
    if (std::strcmp(e.name(), "SpecificDiseasesCertificateInfo") == 0) {
      core::SpecificDiseasesCertificate c;
      read_all(c, layout::kSpecificDiseases, e);
      q.specific_diseases.push_back(std::move(c));
    } else if (read_field(direct, layout::kSpecificDiseases, e)) {
      has_direct = true;
    }
  }
  if (has_direct) q.specific_diseases.push_back(std::move(direct));
}

// PublicExpenseResultList > MedicalTicketInfo* (§3.5).
void read_medical_tickets(ResultItem& item, pugi::xml_node list) {
  for (pugi::xml_node info : list.children("MedicalTicketInfo")) {
    MedicalTicketInfo& t = item.medical_tickets.emplace_back();
    for (pugi::xml_node e : info.children()) {
      if (e.type() != pugi::node_element) continue;
      if (std::strcmp(e.name(), "DesignatedMedicalInstitutionFlag") == 0)
        t.designated_medical_institution_flag = text_of(e);
      else if (!read_field(t.ticket, layout::kMedicalTicketHead, e))
        read_field(t.ticket, layout::kMedicalTicketTail, e);
    }
  }
}

void read_result_item(ConfirmResult& r, ResultItem& item, pugi::xml_node node) {
  core::Qualification& q = item.qualification;
  item.include_limit = false;
  for (pugi::xml_node e : node.children()) {
    if (e.type() != pugi::node_element) continue;
    const std::string_view name = e.name();
    if (read_qualification_field(q, layout::kQualificationHead, e) ||
        read_qualification_field(q, layout::kQualificationTail, e) ||
        read_field(item.consents, layout::kLimitConsent, e) ||
        read_field(item.consents, layout::kSpecificDiseasesConsent, e) ||
        read_field(item.consents, layout::kOtherConsents, e))
      continue;
    if (name == "PreschoolClassification") {
      item.preschool_classification = text_of(e);
    } else if (name == "ElderlyRecipientCertificateInfo") {
      q.elderly_recipient.emplace();
      read_all(*q.elderly_recipient, layout::kElderly, e);
    } else if (name == "LimitApplicationCertificateRelatedInfo") {
      q.limit_application.emplace();
      read_all(*q.limit_application, layout::kLimit, e);
      item.include_limit = true;
    } else if (name == "SpecificDiseasesCertificateList") {
      read_specific_diseases(q, e);
    } else if (name == "PublicExpenseResultList") {
      read_medical_tickets(item, e);
    } else if (name == "ArbitraryIdentifier") {
      item.arbitrary_identifier = text_of(e);
    } else if (name == "ReferenceNumber") {
      item.reference_number = text_of(e);
    } else if (name == "PrescriptionIssueSelect") {
      // One DTO places it here rather than in MessageBody (§3.2); accept both.
      if (r.prescription_issue_select.empty()) r.prescription_issue_select = text_of(e);
    }
  }
}

}  // namespace

Result<ConfirmRequest> parse_confirm_request_xml(std::string_view bytes) {
  detail::ParsedXml parsed;
  if (Status s = detail::load_xml(bytes, parsed); !s) return s;
  pugi::xml_node root = parsed.doc.document_element();
  pugi::xml_node header = root.child("MessageHeader");
  pugi::xml_node body = root.child("MessageBody");
  if (!header)
    return xml_error("E_XML_STRUCTURE", "MessageHeader", "<XmlMsg> に <MessageHeader> がありません");
  if (!body) return xml_error("E_XML_STRUCTURE", "MessageBody", "<XmlMsg> に <MessageBody> がありません");
  pugi::xml_node search = body.child("QualificationConfirmSearchInfo");
  if (!search)
    return xml_error("E_XML_MISSING", "QualificationConfirmSearchInfo",
                     "必須の要素 <QualificationConfirmSearchInfo> がありません");

  ConfirmRequest req;
  read_all(req.header, layout::kRequestHeader, header);
  read_all(req.search, layout::kSearchInfo, search);

  // §2.1 required elements, reported in document order of the layout.
  const RequestHeader& h = req.header;
  const SearchInfo& si = req.search;
  if (Status s =
          require(header, "QualificationConfirmationDate", h.qualification_confirmation_date);
      !s)
    return s;
  if (Status s = require(header, "MedicalInstitutionCode", h.medical_institution_code); !s)
    return s;
  if (Status s = require(search, "InsurerNumber", si.insurer_number); !s) return s;
  if (Status s = require(search, "InsuredIdentificationNumber", si.insured_identification_number);
      !s)
    return s;
  if (Status s = require(search, "Birthdate", si.birthdate); !s) return s;
  if (Status s = require(search, "LimitApplicationCertificateRelatedConsFlg",
                         si.limit_application_certificate_related_cons_flg);
      !s)
    return s;
  return req;
}

Result<std::string> write_confirm_result_xml(const ConfirmResult& result, core::Encoding encoding) {
  std::string out;
  out.reserve(4096);
  out.append(declaration(encoding));
  out.append("<XmlMsg>\n");
  XmlSink sink(out, 1);

  ResultHeader header = result.header;
  header.character_code_identifier = encoding == core::Encoding::kShiftJis ? "1" : "0";
  sink.open("MessageHeader");
  layout::walk_fields(sink, header, layout::kResultHeader);
  sink.close("MessageHeader");
  if (!layout::abnormal_end(result)) {  // §6.4b: an abnormal end has no MessageBody
    sink.open("MessageBody");
    layout::walk_result_body(sink, result);
    sink.close("MessageBody");
  }
  out.append("</XmlMsg>\n");
  return encode(std::move(out), encoding, [&] {
    ShiftJisProbe probe;
    layout::walk_fields(probe, result.header, layout::kResultHeader);
    if (!layout::abnormal_end(result)) layout::walk_result_body(probe, result);
    return probe.field;
  });
}

Result<ConfirmResult> parse_confirm_result_xml(std::string_view bytes) {
  detail::ParsedXml parsed;
  if (Status s = detail::load_xml(bytes, parsed); !s) return s;
  pugi::xml_node root = parsed.doc.document_element();
  pugi::xml_node header = root.child("MessageHeader");
  if (!header)
    return xml_error("E_XML_STRUCTURE", "MessageHeader", "<XmlMsg> に <MessageHeader> がありません");

  ConfirmResult r;
  r.header.reference_classification.clear();
  r.header.segment_of_result.clear();
  r.header.character_code_identifier.clear();
  read_all(r.header, layout::kResultHeader, header);

  pugi::xml_node body = root.child("MessageBody");
  if (!body) {
    if (r.header.segment_of_result == "9") return r;  // §6.4b
    return xml_error("E_XML_STRUCTURE", "MessageBody", "<XmlMsg> に <MessageBody> がありません");
  }
  for (pugi::xml_node e : body.children()) {
    if (e.type() != pugi::node_element) continue;
    const std::string_view name = e.name();
    if (name == "QualificationConfirmSearchInfo") {
      r.search_echo.emplace();
      read_all(*r.search_echo, layout::kSearchInfo, e);
    } else if (name == "ProcessingResultStatus") {
      r.processing_result_status = text_of(e);
    } else if (name == "ProcessingResultCode") {
      r.processing_result_code = text_of(e);
    } else if (name == "ProcessingResultMessage") {
      r.processing_result_message = text_of(e);
    } else if (name == "QualificationValidity") {
      r.qualification_validity = text_of(e);
    } else if (name == "PrescriptionIssueSelect") {
      r.prescription_issue_select = text_of(e);
    } else if (name == "ResultList") {
      for (pugi::xml_node item : e.children("ResultOfQualificationConfirmation"))
        read_result_item(r, r.results.emplace_back(), item);
    } else if (name == "ResultOfQualificationConfirmation") {  // without a ResultList
      read_result_item(r, r.results.emplace_back(), e);
    }
  }
  return r;
}

Result<std::string> write_confirm_request_xml(const ConfirmRequest& request,
                                              core::Encoding encoding) {
  std::string out;
  out.reserve(1024);
  out.append(declaration(encoding));
  out.append("<XmlMsg>\n");
  XmlSink sink(out, 1);

  // Required elements are written even when empty so the receiver reports them by name;
  // optional ones are omitted when empty (§2.1: "omit the element when empty").
  const RequestHeader& h = request.header;
  sink.open("MessageHeader");
  sink.text("QualificationConfirmationDate", h.qualification_confirmation_date);
  sink.text("MedicalInstitutionCode", h.medical_institution_code);
  if (!h.arbitrary_file_identifier.empty())
    sink.text("ArbitraryFileIdentifier", h.arbitrary_file_identifier);
  sink.close("MessageHeader");

  const SearchInfo& s = request.search;
  // InsurerNumber is space-padded to 8, never zero-padded (§2.1).
  std::string insurer = s.insurer_number;
  if (!insurer.empty() && insurer.size() < 8 && core::all_digits(insurer))
    insurer = core::pad_insurer_number(insurer);
  sink.open("MessageBody");
  sink.open("QualificationConfirmSearchInfo");
  sink.text("InsurerNumber", insurer);
  if (!s.insured_card_symbol.empty()) sink.text("InsuredCardSymbol", s.insured_card_symbol);
  sink.text("InsuredIdentificationNumber", s.insured_identification_number);
  if (!s.insured_branch_number.empty()) sink.text("InsuredBranchNumber", s.insured_branch_number);
  sink.text("Birthdate", s.birthdate);
  sink.text("LimitApplicationCertificateRelatedConsFlg",
            s.limit_application_certificate_related_cons_flg);
  if (!s.arbitrary_identifier.empty()) sink.text("ArbitraryIdentifier", s.arbitrary_identifier);
  sink.close("QualificationConfirmSearchInfo");
  sink.close("MessageBody");
  out.append("</XmlMsg>\n");
  return encode(std::move(out), encoding, [&] {
    ShiftJisProbe probe;
    layout::walk_fields(probe, request.header, layout::kRequestHeader);
    layout::walk_fields(probe, request.search, layout::kSearchInfo);
    return probe.field;
  });
}

// ---- internal helpers shared with bulk.cpp (xml_detail.h) ----
namespace detail {

std::string xml_text(pugi::xml_node e) { return text_of(e); }
void read_search_info_xml(SearchInfo& s, pugi::xml_node node) {
  read_all(s, layout::kSearchInfo, node);
}
void read_result_header_xml(ResultHeader& h, pugi::xml_node node) {
  read_all(h, layout::kResultHeader, node);
}
void read_result_item_xml(ResultItem& item, std::string& prescription_issue_select,
                          pugi::xml_node node) {
  ConfirmResult holder;
  holder.prescription_issue_select = prescription_issue_select;
  read_result_item(holder, item, node);
  prescription_issue_select = std::move(holder.prescription_issue_select);
}

const char* xml_declaration(core::Encoding encoding) { return declaration(encoding); }
void append_xml_text(std::string& out, int depth, std::string_view name, std::string_view value) {
  XmlSink(out, depth).text(name, value);
}
void append_xml_open(std::string& out, int depth, std::string_view name) {
  XmlSink(out, depth).open(name);
}
void append_xml_close(std::string& out, int depth, std::string_view name) {
  XmlSink(out, depth + 1).close(name);
}
void append_result_header_fields_xml(std::string& out, int depth, const ResultHeader& h) {
  XmlSink sink(out, depth);
  layout::walk_fields(sink, h, layout::kResultHeader);
}
void append_search_info_xml(std::string& out, int depth, const SearchInfo& s) {
  XmlSink sink(out, depth);
  sink.open("QualificationConfirmSearchInfo");
  layout::walk_fields(sink, s, layout::kSearchInfo);
  sink.close("QualificationConfirmSearchInfo");
}
void append_result_list_xml(std::string& out, int depth, const std::vector<ResultItem>& results) {
  XmlSink(out, depth).result_list(results);
}
Result<std::string> encode_xml(std::string&& utf8, core::Encoding encoding) {
  return encode(std::move(utf8), encoding, [] { return std::string(); });
}

}  // namespace detail
}  // namespace onshi::oqs
