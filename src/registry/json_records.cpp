// The records of a registration body (POST /v1/registrations) as field maps: JSON keys in
// lowerCamelCase are mapped to the interface's element names, and the certificate blocks the
// member view writes ("elderlyRecipient", "limitApplication", the "specificDiseases" array)
// are read back into the '|'-joined values of the CSV, so both inputs meet in one
// validate_record. A record of the wrong shape is reported with its row and left empty; the
// others go on to the registrar.
#include <boost/json.hpp>
#include <set>

#include "registry/registry.h"

namespace onshi::registry {
namespace json = boost::json;

namespace {

// The records of a registration body: the array itself, or its "records"; nullptr when
// neither.
const json::array* records_array(const json::value& doc) {
  const json::array* arr = doc.if_array();
  if (!arr && doc.is_object()) {
    if (auto* r = doc.as_object().if_contains("records")) arr = r->if_array();
  }
  return arr;
}

// "specificDiseases": an array of certificate objects. Several certificates travel as
// '|'-joined values per element, like the CSV. False when it is not an array of objects of
// strings.
bool add_specific_diseases(const json::array& list, registry::FieldMap& fm) {
  std::vector<const json::object*> certs;
  std::set<std::string> keys;
  bool bad = false;
  for (const auto& cert : list) {
    const auto* co = cert.if_object();
    if (!co) return false;
    for (const auto& [ck, cv] : *co) {
      if (!cv.is_string()) bad = true;
      keys.insert(std::string(ck));
    }
    certs.push_back(co);
  }
  if (bad) return false;
  for (const auto& key : keys) {
    std::string joined;
    for (size_t c = 0; c < certs.size(); ++c) {
      if (c) joined += '|';
      if (const auto* cv = certs[c]->if_contains(key)) joined += std::string(cv->as_string());
    }
    fm.emplace_back(registry::element_name_from_json_key(key), joined);
  }
  return true;
}

// A string value of `row` under `key` (an element name in lowerCamelCase); a value of another
// type is a shape error.
bool add_string(const json::value& v, std::string_view key, int64_t row, registry::FieldMap& fm,
                std::vector<registry::RecordError>& shape_errors) {
  if (!v.is_string()) {
    shape_errors.push_back({row, std::string(key), "E_JSON_TYPE", "値は文字列で送ってください"});
    return false;
  }
  fm.emplace_back(registry::element_name_from_json_key(key), std::string(v.as_string()));
  return true;
}

// The fields of one record of a registration body; empty when it has a shape error, which
// is added to `shape_errors` with its row.
registry::FieldMap record_fields(const json::value& value, int64_t row,
                                 std::vector<registry::RecordError>& shape_errors) {
  registry::FieldMap fm;
  const size_t errors_before = shape_errors.size();
  const auto* obj = value.if_object();
  if (!obj) {
    shape_errors.push_back({row, "", "E_JSON_TYPE", "オブジェクトではありません"});
    return {};
  }
  bool bad = false;
  for (const auto& [k, v] : *obj) {
    if (k == "specificDiseases" && v.is_array()) {
      if (!add_specific_diseases(v.as_array(), fm)) bad = true;
    } else if (const auto* nested = v.if_object();
               nested && (k == "elderlyRecipient" || k == "limitApplication")) {
      // A certificate block: its keys are element names themselves.
      for (const auto& [ck, cv] : *nested)
        if (!add_string(cv, ck, row, fm, shape_errors)) bad = true;
    } else if (!add_string(v, k, row, fm, shape_errors)) {
      bad = true;
    }
  }
  if (bad && shape_errors.size() == errors_before)
    shape_errors.push_back({row, "specificDiseases", "E_JSON_TYPE",
                            "specificDiseasesは文字列値のオブジェクトの配列です"});
  return bad ? registry::FieldMap{} : fm;
}

}  // namespace

Result<JsonRecords> records_from_json(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  const json::array* arr = records_array(doc);
  if (!arr)
    return Error{"E_JSON_TYPE", "records", "登録データは配列か {\"records\":[…]} で送ってください"};
  if (arr->size() > kMaxJsonRecords)
    return Error{"E_TOO_MANY", "records", "1回に送れるのは100,000件までです"};
  JsonRecords out;
  out.records.reserve(arr->size());
  for (size_t i = 0; i < arr->size(); ++i)
    out.records.push_back(record_fields((*arr)[i], static_cast<int64_t>(i), out.shape_errors));
  return out;
}

}  // namespace onshi::registry
