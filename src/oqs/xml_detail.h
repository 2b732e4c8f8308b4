// Internal XML helpers of the oqs module, shared by the single-inquiry codecs (xml.cpp) and
// the bulk-inquiry codecs (bulk.cpp); not part of the module's public contract.
//
// Reading: load_xml turns the bytes into UTF-8 per the declaration and parses them with the
// same refusals as every interface document (size limit, DOCTYPE, root <XmlMsg>). Writing:
// small appenders that emit the same two-space-indented text as the result writer, driven
// by the tables of layout.h, so bulk documents carry exactly the elements single ones do.
#pragma once

#include <pugixml.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/text.h"
#include "oqs/messages.h"

namespace onshi::oqs::detail {

// A parsed document; a converted (Shift_JIS) text is parsed in place inside `storage`,
// which is declared first to outlive `doc`.
struct ParsedXml {
  std::string storage;
  pugi::xml_document doc;
};

inline constexpr size_t kMaxSingleDocumentBytes = 1 << 20;  // 1 MiB

// Parses `bytes` into `p`. Errors: E_XML_SYNTAX (also for more than max_bytes),
// E_XML_ENCODING, E_XML_STRUCTURE (root is not <XmlMsg>).
Status load_xml(std::string_view bytes, ParsedXml& p, size_t max_bytes = kMaxSingleDocumentBytes);
// The trimmed text content of an element (InsurerNumber keeps its leading spaces).
std::string xml_text(pugi::xml_node e);
// Reads the known children of a QualificationConfirmSearchInfo / MessageHeader of a result.
void read_search_info_xml(SearchInfo& s, pugi::xml_node node);
void read_result_header_xml(ResultHeader& h, pugi::xml_node node);
// Reads one ResultOfQualificationConfirmation; a PrescriptionIssueSelect found inside it is
// stored in `prescription_issue_select` when that is still empty.
void read_result_item_xml(ResultItem& item, std::string& prescription_issue_select,
                          pugi::xml_node node);

// The XML declaration for `encoding`.
const char* xml_declaration(core::Encoding encoding);
// <name>value</name> at `depth` (always written, even when empty).
void append_xml_text(std::string& out, int depth, std::string_view name, std::string_view value);
void append_xml_open(std::string& out, int depth, std::string_view name);
void append_xml_close(std::string& out, int depth, std::string_view name);
// The non-empty fields of a result MessageHeader in layout order (without the tags).
void append_result_header_fields_xml(std::string& out, int depth, const ResultHeader& h);
// <QualificationConfirmSearchInfo> with its non-empty fields, values as sent.
void append_search_info_xml(std::string& out, int depth, const SearchInfo& s);
// <ResultList><ResultOfQualificationConfirmation>…</ResultList>; nothing when empty.
void append_result_list_xml(std::string& out, int depth, const std::vector<ResultItem>& results);
// Converts a finished UTF-8 document to `encoding`. Errors: E_ENCODING.
Result<std::string> encode_xml(std::string&& utf8, core::Encoding encoding);

}  // namespace onshi::oqs::detail
