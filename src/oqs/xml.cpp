// The XML codecs of the 資格確認 messages: OQSsiquc01req (parse, write) and OQSsiquc01res
// (write, parse), research onshi-interface §1.2, §2.1, §3, §6.
//
// Reading goes through pugixml after the bytes have been turned into UTF-8: the encoding is
// taken from the XML declaration (or a UTF-8 BOM) and Shift_JIS is converted by core before
// parsing, so pugixml only ever sees UTF-8. Documents are untrusted input from the network:
// they are size-limited, a DOCTYPE is refused outright (pugixml never expands entities, but
// a document that declares any is not an interface message) and elements are looked up by
// name, never by position. Writing the result is on the service's hot path, so it builds
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

constexpr size_t kMaxDocumentBytes = detail::kMaxSingleDocumentBytes;

Error xml_error(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The value of encoding="…" in a leading XML declaration; "" when there is none.
// The declaration is ASCII in every encoding we accept, so the raw bytes can be read.
std::string_view declared_encoding(std::string_view text) {
  size_t p = 0;
  while (p < text.size() && detail::is_xml_space(text[p])) ++p;
  if (text.compare(p, 5, "<?xml") != 0) return {};
  const size_t end = text.find("?>", p);
  if (end == std::string_view::npos) return {};
  std::string_view decl = text.substr(p + 5, end - p - 5);
  const size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return {};
  size_t i = at + 8;
  while (i < decl.size() && detail::is_xml_space(decl[i])) ++i;
  if (i >= decl.size() || decl[i] != '=') return {};
  ++i;
  while (i < decl.size() && detail::is_xml_space(decl[i])) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return {};
  const char quote = decl[i++];
  const size_t close = decl.find(quote, i);
  if (close == std::string_view::npos) return {};
  return decl.substr(i, close - i);
}

bool is_shift_jis_name(std::string_view e) {
  return iequals(e, "Shift_JIS") || iequals(e, "Shift-JIS") || iequals(e, "Windows-31J") ||
         iequals(e, "CP932") || iequals(e, "SJIS") || iequals(e, "MS932") || iequals(e, "x-sjis");
}

bool is_utf8_name(std::string_view e) {
  return iequals(e, "UTF-8") || iequals(e, "UTF8");
}

// A document turned into UTF-8, ready for pugixml. `owned` holds converted text when a
// conversion was needed; otherwise `text` points into the caller's bytes.
struct Utf8Document {
  std::string owned;
  std::string_view text;
};

Result<Utf8Document> to_utf8(std::string_view bytes, size_t max_bytes = kMaxDocumentBytes) {
  if (bytes.size() > max_bytes)
    return xml_error("E_XML_SYNTAX", "",
                     "文書が大きすぎます（" + std::to_string(max_bytes >> 20) + " MiB まで）");
  if (bytes.size() >= 2 &&
      ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF')))
    return xml_error("E_XML_ENCODING", "", "UTF-16 の文書は受け付けません（Shift_JIS または UTF-8 で送ってください）");
  const bool bom = bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0;
  std::string_view body = bom ? bytes.substr(3) : bytes;
  const std::string_view declared = declared_encoding(body);

  Utf8Document doc;
  if (!declared.empty() && is_shift_jis_name(declared)) {
    if (bom)
      return xml_error("E_XML_ENCODING", "",
                       "UTF-8 の BOM がありますが、宣言された文字コードは Shift_JIS です");
    auto converted = core::shift_jis_to_utf8(body);
    if (!converted)
      return xml_error("E_XML_ENCODING", "",
                       "Shift_JIS として読めないバイトがあります: " + converted.error().message);
    doc.owned = std::move(*converted);
    doc.text = doc.owned;
    return doc;
  }
  if (!declared.empty() && !is_utf8_name(declared))
    return xml_error("E_XML_ENCODING", "",
                     "文字コード「" + std::string(declared) + "」には対応していません（Shift_JIS または UTF-8）");
  // Declared UTF-8, or no declaration (XML's default): the bytes must really be UTF-8.
  if (!core::is_valid_utf8(body))
    return xml_error("E_XML_ENCODING", "", "UTF-8 として読めないバイトがあります");
  doc.text = body;
  return doc;
}

// A parsed document (see xml_detail.h).
using Parsed = detail::ParsedXml;

// XML 1.0 allows no C0 control character but tab, line feed and carriage return, even as a
// character reference; pugixml does not check, so a value could carry one that no writer
// can put back (a document read, re-written and read again must say the same). The offset of
// the first, or npos. In UTF-8 such a byte is never part of a longer character.
size_t control_character_at(std::string_view utf8) {
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return i;
  }
  return std::string_view::npos;
}

// Whether a text or attribute value anywhere under `root` holds such a character (from a
// character reference such as `&#25;`: the raw bytes were checked before parsing). Walked
// without recursion, however deep the document.
bool holds_control_character(pugi::xml_node root) {
  auto bad = [](const char* v) { return control_character_at(v) != std::string_view::npos; };
  pugi::xml_node n = root;
  while (n) {
    for (pugi::xml_attribute a : n.attributes())
      if (bad(a.value())) return true;
    if ((n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) && bad(n.value()))
      return true;
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && n != root && !n.next_sibling()) n = n.parent();
    if (!n || n == root) break;
    n = n.next_sibling();
  }
  return false;
}

// Parses `bytes` into `p`, enforcing encoding, syntax and the XmlMsg root.
Status load(std::string_view bytes, Parsed& p, size_t max_bytes = kMaxDocumentBytes) {
  auto utf8 = to_utf8(bytes, max_bytes);
  if (!utf8) return utf8.status();
  if (size_t at = control_character_at(utf8->text); at != std::string_view::npos)
    return Status::Fail("E_XML_SYNTAX", "",
                        "XML で使えない制御文字があります（UTF-8 で " + std::to_string(at) +
                            " バイト目）");
  const unsigned options = pugi::parse_default | pugi::parse_doctype;
  pugi::xml_document& doc = p.doc;
  pugi::xml_parse_result r;
  if (utf8->owned.empty()) {
    r = doc.load_buffer(utf8->text.data(), utf8->text.size(), options, pugi::encoding_utf8);
  } else {
    p.storage = std::move(utf8->owned);
    r = doc.load_buffer_inplace(p.storage.data(), p.storage.size(), options, pugi::encoding_utf8);
  }
  if (!r)
    return Status::Fail("E_XML_SYNTAX", "",
                        "XML の形式が正しくありません（" + std::to_string(r.offset) + " バイト目: " +
                            r.description() + "）");
  int elements = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_doctype)
      return Status::Fail("E_XML_SYNTAX", "", "DOCTYPE・実体宣言は受け付けません");
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata)
      return Status::Fail("E_XML_SYNTAX", "", "ルート要素の外に文字があります");
    if (n.type() == pugi::node_element) ++elements;
  }
  if (elements != 1)
    return Status::Fail("E_XML_SYNTAX", "", "ルート要素は1つだけにしてください");
  if (holds_control_character(doc.document_element()))
    return Status::Fail("E_XML_SYNTAX", "", "XML で使えない制御文字が文字参照で書かれています");
  if (std::strcmp(doc.document_element().name(), "XmlMsg") != 0)
    return Status::Fail(
        "E_XML_STRUCTURE", "XmlMsg",
        std::string("ルート要素が <") + doc.document_element().name() + "> です（<XmlMsg> が必要です）");
  return Status::Ok();
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
  Parsed parsed;
  if (Status s = load(bytes, parsed); !s) return s;
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
  Parsed parsed;
  if (Status s = load(bytes, parsed); !s) return s;
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

Status load_xml(std::string_view bytes, ParsedXml& p, size_t max_bytes) {
  return load(bytes, p, max_bytes);
}
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
