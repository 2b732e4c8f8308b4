// Reading an interface document (oqs/xml_detail.h load_xml): the bytes turned into UTF-8 per
// the XML declaration (or a UTF-8 BOM; Shift_JIS converted by core, UTF-16 refused), then
// parsed by pugixml with the refusals every interface document gets — the size limit, a
// DOCTYPE or entity declaration, a control character XML 1.0 does not allow, text outside the
// root, more than one root, a root other than <XmlMsg>. Used by every reader in src/oqs/.
#include <cstring>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/text.h"
#include "oqs/codec_text.h"
#include "oqs/xml_detail.h"

namespace onshi::oqs {
namespace {

Error xml_error(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
}

using core::ascii_iequals;

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
  for (std::string_view name :
       {"Shift_JIS", "Shift-JIS", "Windows-31J", "CP932", "SJIS", "MS932", "x-sjis"})
    if (ascii_iequals(e, name)) return true;
  return false;
}

bool is_utf8_name(std::string_view e) {
  return ascii_iequals(e, "UTF-8") || ascii_iequals(e, "UTF8");
}

// A document turned into UTF-8, ready for pugixml. `owned` holds converted text when a
// conversion was needed; otherwise `text` points into the caller's bytes.
struct Utf8Document {
  std::string owned;
  std::string_view text;
};

Result<Utf8Document> to_utf8(std::string_view bytes, size_t max_bytes) {
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
  // Also a reference past U+10FFFF (pugixml wraps a long number), whose bytes are no UTF-8.
  auto bad = [](const char* v) {
    return control_character_at(v) != std::string_view::npos || !core::is_valid_utf8(v);
  };
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

}  // namespace

namespace detail {

// Parses `bytes` into `p`, enforcing encoding, syntax and the XmlMsg root.
Status load_xml(std::string_view bytes, ParsedXml& p, size_t max_bytes) {
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
    return Status::Fail("E_XML_SYNTAX", "", "XML で使えない文字（制御文字、U+10FFFF を超える番号）が文字参照で書かれています");
  if (std::strcmp(doc.document_element().name(), "XmlMsg") != 0)
    return Status::Fail(
        "E_XML_STRUCTURE", "XmlMsg",
        std::string("ルート要素が <") + doc.document_element().name() + "> です（<XmlMsg> が必要です）");
  return Status::Ok();
}

}  // namespace detail
}  // namespace onshi::oqs
