// The JSON twins of the 資格確認 messages for the HTTPS API: a flat request object and the
// result object, with keys that are the interface element names in lowerCamelCase
// (InsurerNumber → "insurerNumber").
//
// The request is parsed with Boost.JSON into a small stack-backed arena and then checked
// strictly: every value must be a string (a number would silently lose leading zeros such
// as "01" or "06139999"), unknown keys are refused so a client's typo does not go unnoticed,
// and the §2.1 required keys must be present. The result is written directly into one
// string by walking the same layout as the XML writer (layout.h), so both formats carry the
// same elements; JSON differs only in syntax, in InsurerNumber (digits, no padding) and in
// always being UTF-8.
#include <array>
#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/numbers.h"
#include "oqs/codec_text.h"
#include "oqs/layout.h"
#include "oqs/messages.h"

namespace onshi::oqs {
namespace {

constexpr size_t kMaxBodyBytes = 1 << 20;  // 1 MiB

// Finds the field whose element name is `key` in lowerCamelCase.
template <class S, size_t N>
const layout::Field<S>* find_key(const std::array<layout::Field<S>, N>& table,
                                 std::string_view key) {
  for (const auto& f : table)
    if (detail::is_lower_camel_of(key, f.name)) return &f;
  return nullptr;
}

// Builds the JSON text of a walk (see layout.h). Commas are decided by the last byte
// written: no whitespace is emitted, so '{' or '[' means "first member".
class JsonSink {
 public:
  explicit JsonSink(std::string& out) : out_(out) {}

  void text(std::string_view name, std::string_view value) {
    key(name);
    out_.push_back('"');
    // The search echo carries InsurerNumber as sent (perhaps space-padded); JSON has digits.
    if (name == "InsurerNumber")
      detail::append_json_escaped(out_, core::trim_insurer_number(value));
    else
      detail::append_json_escaped(out_, value);
    out_.push_back('"');
  }
  void insurer_number(std::string_view name, std::string_view digits) { text(name, digits); }
  void open(std::string_view name) {
    key(name);
    out_.push_back('{');
  }
  void close(std::string_view) { out_.push_back('}'); }
  void open_list(std::string_view list, std::string_view) {
    key(list);
    out_.push_back('[');
  }
  void close_list(std::string_view, std::string_view) { out_.push_back(']'); }
  void item_open(std::string_view) {
    comma();
    out_.push_back('{');
  }
  void item_close(std::string_view) { out_.push_back('}'); }
  void result_list(const std::vector<ResultItem>& results) {
    open_list("ResultList", "ResultOfQualificationConfirmation");
    for (const auto& item : results) {
      item_open("ResultOfQualificationConfirmation");
      layout::walk_result_item(*this, item);
      item_close("ResultOfQualificationConfirmation");
    }
    close_list("ResultList", "ResultOfQualificationConfirmation");
  }

 private:
  void comma() {
    const char last = out_.back();
    if (last != '{' && last != '[') out_.push_back(',');
  }
  void key(std::string_view name) {
    comma();
    out_.push_back('"');
    detail::append_lower_camel(out_, name);
    out_.append("\":");
  }
  std::string& out_;
};

}  // namespace

Result<ConfirmRequest> parse_confirm_request_json(std::string_view body) {
  if (body.size() > kMaxBodyBytes)
    return Error{"E_JSON_SYNTAX", "", "要求の本文が大きすぎます（1 MiB まで）"};
  unsigned char arena[4096];
  boost::json::monotonic_resource mr(arena, sizeof arena);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, &mr);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります: " + ec.message()};
  const boost::json::object* obj = v.if_object();
  if (!obj) return Error{"E_JSON_TYPE", "", "JSONオブジェクトで送ってください"};

  ConfirmRequest req;
  for (const auto& kv : *obj) {
    const std::string_view k(kv.key().data(), kv.key().size());
    std::string* target = nullptr;
    std::string_view element;
    if (const auto* f = find_key(layout::kRequestHeader, k)) {
      target = &(req.header.*(f->member));
      element = f->name;
    } else if (const auto* g = find_key(layout::kSearchInfo, k)) {
      target = &(req.search.*(g->member));
      element = g->name;
    } else {
      return Error{"E_JSON_UNKNOWN_FIELD", std::string(k),
                   "不明なキー「" + std::string(k) + "」です"};
    }
    if (kv.value().is_null()) continue;  // null = absent
    const boost::json::string* s = kv.value().if_string();
    if (!s)
      return Error{"E_JSON_TYPE", std::string(k), "「" + std::string(k) + "」は文字列で送ってください"};
    *target = std::string(detail::trim_value(element, std::string_view(s->data(), s->size())));
  }

  // §2.1 required elements (field = key).
  const std::pair<const char*, const std::string*> required[] = {
      {"qualificationConfirmationDate", &req.header.qualification_confirmation_date},
      {"medicalInstitutionCode", &req.header.medical_institution_code},
      {"insurerNumber", &req.search.insurer_number},
      {"insuredIdentificationNumber", &req.search.insured_identification_number},
      {"birthdate", &req.search.birthdate},
      {"limitApplicationCertificateRelatedConsFlg",
       &req.search.limit_application_certificate_related_cons_flg},
  };
  for (const auto& [key, value] : required) {
    if (value->find_first_not_of(' ') == std::string::npos)
      return Error{"E_JSON_MISSING", key,
                   std::string("必須のキー「") + key + "」がないか空です"};
  }
  return req;
}

std::string write_confirm_result_json(const ConfirmResult& result) {
  std::string out;
  out.reserve(2048);
  out.push_back('{');
  JsonSink sink(out);
  ResultHeader header = result.header;
  header.character_code_identifier = "0";  // JSON is always UTF-8
  layout::walk_fields(sink, header, layout::kResultHeader);
  if (!layout::abnormal_end(result)) layout::walk_result_body(sink, result);
  out.push_back('}');
  return out;
}

}  // namespace onshi::oqs
