// The kinds of request file the folder bridge carries (bridge_detail.h): OQSsiquc01 (one
// patient by card data), OQSmuquc01 (bulk upload → 受付結果), OQSmuquc02 (bulk results) and
// OQSmutic01 (医療扶助 bulk inquiry for a month → 受付結果; its results come by OQSmuquc02).
// For each: whether a file reads as a request of its kind, the service's answer re-encoded
// into the terminal's encoding, and the SegmentOfResult 9 result that answers a request the
// bridge cannot send. A result is written in UTF-8 rather than altered when a character has
// no Shift_JIS form.
#include <boost/json.hpp>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/log.h"
#include "oqs/messages.h"
#include "terminal/bridge_detail.h"

namespace onshi::terminal {

namespace fs = std::filesystem;

namespace {

// Writes `value` with `write` in `encoding`; when a character has no Shift_JIS form the
// document is written in UTF-8 instead (CharacterCodeIdentifier 0 says so) rather than altered.
template <typename T, typename W>
Result<std::string> write_or_utf8(const T& value, W write, core::Encoding encoding,
                                  const std::string& file) {
  auto doc = write(value, encoding);
  if (doc || encoding == core::Encoding::kUtf8) return doc;
  core::log_warn("terminal.encoding", {{"file", file}, {"code", doc.error().code}});
  return write(value, core::Encoding::kUtf8);
}

Error not_a_result(const Error& e, std::string_view kind) {
  return Error{"E_TERMINAL_RESPONSE", e.field,
               "中央システムの回答が " + std::string(kind) + "res ではありません（" + e.message +
                   "）。資格確認端末の不具合として保守業者に連絡してください"};
}

// ---- OQSsiquc01: individual inquiry by card data (R-CONF-2) ----

Status siquc_check(std::string_view bytes) {
  auto r = oqs::parse_confirm_request_xml(bytes);
  return r.status();
}

Result<Rendered> siquc_reencode(std::string_view answer, core::Encoding encoding,
                                const std::string& file) {
  auto result = oqs::parse_confirm_result_xml(answer);
  if (!result) return not_a_result(result.error(), "OQSsiquc01");
  auto doc = write_or_utf8(*result, oqs::write_confirm_result_xml, encoding, file);
  if (!doc) return doc.error();
  return Rendered{std::move(*doc), result->header.segment_of_result, "validity",
                  result->qualification_validity};
}

Result<std::string> siquc_error(std::string_view request, const Error& e, core::Encoding encoding) {
  oqs::RequestHeader h;
  if (auto req = oqs::parse_confirm_request_xml(request)) h = req->header;
  return write_or_utf8(oqs::error_result(h, e), oqs::write_confirm_result_xml, encoding, "");
}

// ---- OQSmuquc01: bulk inquiry upload → 受付結果 with the ReceptionNumber (research §2.2) ----

Status muquc01_check(std::string_view bytes) {
  auto r = oqs::parse_bulk_request_xml(bytes);
  return r.status();
}

Result<Rendered> muquc01_reencode(std::string_view answer, core::Encoding encoding,
                                  const std::string& file) {
  auto receipt = oqs::parse_bulk_receipt_xml(answer);
  if (!receipt) return not_a_result(receipt.error(), "OQSmuquc01");
  if (receipt->header.segment_of_result != "9" && receipt->reception_number.empty())
    return not_a_result(Error{"", "ReceptionNumber", "受付番号がありません"}, "OQSmuquc01");
  auto doc = write_or_utf8(*receipt, oqs::write_bulk_receipt_xml, encoding, file);
  if (!doc) return doc.error();
  return Rendered{std::move(*doc), receipt->header.segment_of_result, "reception",
                  receipt->reception_number};
}

Result<std::string> muquc01_error(std::string_view request, const Error& e,
                                  core::Encoding encoding) {
  oqs::RequestHeader h;
  if (auto req = oqs::parse_bulk_request_xml(request)) {
    h.medical_institution_code = req->header.medical_institution_code;
    h.arbitrary_file_identifier = req->header.arbitrary_file_identifier;
  }
  oqs::BulkReceipt r;
  r.header = oqs::error_result(h, e).header;
  return write_or_utf8(r, oqs::write_bulk_receipt_xml, encoding, "");
}

// ---- OQSmutic01: 医療扶助 bulk inquiry for a month → 受付結果 (research §2.3) ----

Status mutic01_check(std::string_view bytes) {
  auto r = oqs::parse_medical_aid_bulk_request_xml(bytes);
  return r.status();
}

Result<Rendered> mutic01_reencode(std::string_view answer, core::Encoding encoding,
                                  const std::string& file) {
  auto rendered = muquc01_reencode(answer, encoding, file);
  if (!rendered && rendered.error().code == "E_TERMINAL_RESPONSE")
    return Error{"E_TERMINAL_RESPONSE", rendered.error().field,
                 "中央システムの回答が OQSmutic01res ではありません。資格確認端末の不具合として"
                 "保守業者に連絡してください"};
  return rendered;
}

Result<std::string> mutic01_error(std::string_view request, const Error& e,
                                  core::Encoding encoding) {
  oqs::RequestHeader h;
  if (auto req = oqs::parse_medical_aid_bulk_request_xml(request)) h = req->header;
  oqs::BulkReceipt r;
  r.header = oqs::error_result(h, e).header;
  return write_or_utf8(r, oqs::write_bulk_receipt_xml, encoding, "");
}

// ---- OQSmuquc02: bulk inquiry result download → BulkConfirmUnit* (research §2.2) ----

Status muquc02_check(std::string_view bytes) {
  auto r = oqs::parse_bulk_result_request_xml(bytes);
  return r.status();
}

// The text of the first <name> element in `doc`, or nullopt.
std::optional<std::string_view> element_text(std::string_view doc, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  auto b = doc.find(open);
  if (b == std::string_view::npos) return std::nullopt;
  b += open.size();
  auto e = doc.find(close, b);
  if (e == std::string_view::npos) return std::nullopt;
  return doc.substr(b, e - b);
}

// An OQSmuquc02res of 10,000 patients is about 20 MB; parsing and rewriting it only to change
// the encoding would cost more than the rest of the round trip, so it is re-encoded as text:
// the service writes it in UTF-8 with the oqs declaration, and only the declaration and the
// header's CharacterCodeIdentifier change. What is checked: the declaration, valid UTF-8, the
// XmlMsg/MessageHeader frame, SegmentOfResult, and ReceptionNumber unless SegmentOfResult is 9.
Result<Rendered> muquc02_reencode(std::string_view answer, core::Encoding encoding,
                                  const std::string& file) {
  constexpr std::string_view kDeclaration =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
  constexpr std::string_view kUtf8Code = "<CharacterCodeIdentifier>0</CharacterCodeIdentifier>";
  auto bad = [](std::string field, std::string why) {
    return not_a_result(Error{"", std::move(field), std::move(why)}, "OQSmuquc02");
  };
  if (answer.substr(0, kDeclaration.size()) != kDeclaration)
    return bad("", "UTF-8 の XML 宣言がありません");
  if (!core::is_valid_utf8(answer)) return bad("", "UTF-8 として読めません");
  std::string_view rest = answer.substr(kDeclaration.size());
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == ' '))
    rest.remove_suffix(1);
  constexpr std::string_view kEnd = "</XmlMsg>";
  if (rest.substr(0, 8) != "<XmlMsg>" || rest.size() < kEnd.size() ||
      rest.substr(rest.size() - kEnd.size()) != kEnd)
    return bad("XmlMsg", "<XmlMsg> の文書ではありません");
  const auto header_end = answer.find("</MessageHeader>");
  if (header_end == std::string_view::npos)
    return bad("MessageHeader", "<MessageHeader> がありません");
  const std::string_view header = answer.substr(0, header_end);
  const auto segment = element_text(header, "SegmentOfResult");
  if (!segment || segment->empty()) return bad("SegmentOfResult", "SegmentOfResult がありません");
  const auto reception = element_text(header, "ReceptionNumber");
  if (*segment != "9" && (!reception || reception->empty()))
    return bad("ReceptionNumber", "受付番号がありません");
  const auto code_at = header.find(kUtf8Code);
  if (code_at == std::string_view::npos)
    return bad("CharacterCodeIdentifier", "CharacterCodeIdentifier が 0 ではありません");
  size_t units = 0;
  for (auto at = answer.find("<BulkConfirmUnit>", header_end); at != std::string_view::npos;
       at = answer.find("<BulkConfirmUnit>", at + 1))
    ++units;
  Rendered out{std::string(answer), std::string(*segment), "units", std::to_string(units)};
  if (encoding == core::Encoding::kShiftJis) {
    std::string text = "<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\n";
    text.reserve(answer.size());
    text.append(answer.substr(kDeclaration.size(), code_at - kDeclaration.size()));
    text.append("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>");
    text.append(answer.substr(code_at + kUtf8Code.size()));
    if (auto sjis = core::utf8_to_shift_jis(text)) {
      out.document = std::move(*sjis);
    } else {
      // A registered character with no Shift_JIS form: UTF-8, as CharacterCodeIdentifier 0 says.
      core::log_warn("terminal.encoding", {{"file", file}, {"code", sjis.error().code}});
    }
  }
  return out;
}

Result<std::string> muquc02_error(std::string_view request, const Error& e,
                                  core::Encoding encoding) {
  oqs::RequestHeader h;
  std::string reception_number;
  if (auto req = oqs::parse_bulk_result_request_xml(request)) {
    h.medical_institution_code = req->medical_institution_code;
    reception_number = req->reception_number;
  }
  oqs::BulkResult r;
  r.header = oqs::error_result(h, e).header;
  r.header.reception_number = std::move(reception_number);
  return write_or_utf8(r, oqs::write_bulk_result_xml, encoding, "");
}

}  // namespace

const Kind kKinds[] = {
    {"OQSsiquc01req_", "OQSsiquc01res_", "/xml/OQSsiquc01", false, siquc_check, siquc_reencode,
     siquc_error},
    {"OQSmuquc01req_", "OQSmuquc01res_", "/xml/OQSmuquc01", true, muquc01_check, muquc01_reencode,
     muquc01_error},
    {"OQSmuquc02req_", "OQSmuquc02res_", "/xml/OQSmuquc02", true, muquc02_check, muquc02_reencode,
     muquc02_error},
    {"OQSmutic01req_", "OQSmutic01res_", "/xml/OQSmutic01", true, mutic01_check, mutic01_reencode,
     mutic01_error},
};

Match match(const std::string& name) {
  if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".xml") != 0) return {};
  for (std::span<const Kind> kinds : {std::span<const Kind>(kKinds), clinical_kinds()})
    for (const Kind& k : kinds) {
      if (name.size() <= k.req_prefix.size() + 4 ||
          name.compare(0, k.req_prefix.size(), k.req_prefix) != 0)
        continue;
      return {&k, name.substr(k.req_prefix.size(), name.size() - k.req_prefix.size() - 4)};
    }
  return {};
}

std::string result_name(const Match& m) {
  return std::string(m.kind->res_prefix) + m.tail + ".xml";
}

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return false;
  out = s.str();
  return true;
}

// The "code" member of a problem+json body, or "".
std::string problem_code(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const auto* c = v.as_object().if_contains("code");
  return c && c->is_string() ? std::string(c->as_string()) : "";
}

}  // namespace onshi::terminal
