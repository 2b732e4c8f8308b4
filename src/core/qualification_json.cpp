// Qualification ⇄ JSON (the store's payload and the JSON API's member view).
//
// One table maps each interface element's lowerCamelCase key to the struct member that holds
// it; writing walks the table and reading looks keys up in it, so adding an element is one
// line and the two directions cannot drift apart. An absent optional certificate is an absent
// key, a present one is always an object (possibly empty), so the round trip is exact. Writing
// builds the object on a stack-backed monotonic arena and serialises once, because the store
// encodes one of these per member on bulk imports.
#include "core/qualification_json.h"

#include <boost/json.hpp>
#include <unordered_map>

namespace onshi::core {
namespace {

namespace json = boost::json;

template <class T>
struct Field {
  std::string_view key;
  std::string T::*member;
};

constexpr Field<Qualification> kQualificationFields[] = {
    {"insurerNumber", &Qualification::insurer_number},
    {"insuredCardSymbol", &Qualification::insured_card_symbol},
    {"insuredIdentificationNumber", &Qualification::insured_identification_number},
    {"insuredBranchNumber", &Qualification::insured_branch_number},
    {"insurerName", &Qualification::insurer_name},
    {"insuredCardClassification", &Qualification::insured_card_classification},
    {"personalFamilyClassification", &Qualification::personal_family_classification},
    {"insuredName", &Qualification::insured_name},
    {"name", &Qualification::name},
    {"nameOfOther", &Qualification::name_of_other},
    {"nameKana", &Qualification::name_kana},
    {"nameOfOtherKana", &Qualification::name_of_other_kana},
    {"sex1", &Qualification::sex1},
    {"sex2", &Qualification::sex2},
    {"birthdate", &Qualification::birthdate},
    {"postNumber", &Qualification::post_number},
    {"address", &Qualification::address},
    {"qualificationDate", &Qualification::qualification_date},
    {"disqualificationDate", &Qualification::disqualification_date},
    {"reasonOfLoss", &Qualification::reason_of_loss},
    {"insuredCertificateIssuanceDate", &Qualification::insured_certificate_issuance_date},
    {"insuredCardValidDate", &Qualification::insured_card_valid_date},
    {"insuredCardExpirationDate", &Qualification::insured_card_expiration_date},
    {"insuredPartialContributionRatio", &Qualification::insured_partial_contribution_ratio},
};

constexpr Field<ElderlyRecipientCertificate> kElderlyFields[] = {
    {"elderlyRecipientCertificateDate", &ElderlyRecipientCertificate::certificate_date},
    {"elderlyRecipientValidStartDate", &ElderlyRecipientCertificate::valid_start_date},
    {"elderlyRecipientValidEndDate", &ElderlyRecipientCertificate::valid_end_date},
    {"elderlyRecipientContributionRatio", &ElderlyRecipientCertificate::contribution_ratio},
};

constexpr Field<LimitApplicationCertificate> kLimitFields[] = {
    {"limitApplicationCertificateClassification", &LimitApplicationCertificate::classification},
    {"limitApplicationCertificateClassificationFlag",
     &LimitApplicationCertificate::classification_flag},
    {"limitApplicationCertificateDate", &LimitApplicationCertificate::certificate_date},
    {"limitApplicationCertificateValidStartDate", &LimitApplicationCertificate::valid_start_date},
    {"limitApplicationCertificateValidEndDate", &LimitApplicationCertificate::valid_end_date},
    {"limitApplicationCertificateLongTermDate", &LimitApplicationCertificate::long_term_date},
};

constexpr Field<SpecificDiseasesCertificate> kDiseaseFields[] = {
    {"specificDiseasesDiseaseCategory", &SpecificDiseasesCertificate::disease_category},
    {"specificDiseasesCertificateDate", &SpecificDiseasesCertificate::certificate_date},
    {"specificDiseasesValidStartDate", &SpecificDiseasesCertificate::valid_start_date},
    {"specificDiseasesValidEndDate", &SpecificDiseasesCertificate::valid_end_date},
    {"specificDiseasesSelfPay", &SpecificDiseasesCertificate::self_pay},
};

constexpr std::string_view kElderlyKey = "elderlyRecipient";
constexpr std::string_view kLimitKey = "limitApplication";
constexpr std::string_view kDiseasesKey = "specificDiseases";

template <class T, size_t N>
void put_fields(json::object& obj, const T& value, const Field<T> (&fields)[N]) {
  for (const auto& f : fields) {
    const std::string& v = value.*(f.member);
    if (!v.empty()) obj.emplace(f.key, json::string_view(v.data(), v.size()));
  }
}

Error type_error(std::string_view key, const char* expected) {
  return Error{"E_JSON_TYPE", std::string(key),
               "JSON の「" + std::string(key) + "」は" + expected + "である必要があります"};
}

// Reads the string members of `obj` into `out`; unknown keys are ignored (a newer writer
// may add elements), wrong types are errors.
template <class T, size_t N>
Status read_fields(const json::object& obj, T& out, const Field<T> (&fields)[N]) {
  static const auto* index = [&fields] {
    auto* m = new std::unordered_map<std::string_view, std::string T::*>();
    for (const auto& f : fields) m->emplace(f.key, f.member);
    return m;
  }();
  for (const auto& kv : obj) {
    std::string_view key(kv.key().data(), kv.key().size());
    auto it = index->find(key);
    if (it == index->end()) continue;
    if (kv.value().is_null()) continue;
    const json::string* s = kv.value().if_string();
    if (!s) return type_error(key, "文字列");
    (out.*(it->second)).assign(s->data(), s->size());
  }
  return Status::Ok();
}

template <class T, size_t N>
Result<T> read_object(const json::value& v, std::string_view key, const Field<T> (&fields)[N]) {
  const json::object* o = v.if_object();
  if (!o) return type_error(key, "オブジェクト");
  T out;
  if (Status st = read_fields(*o, out, fields); !st) return st.error();
  return out;
}

}  // namespace

std::string qualification_to_json(const Qualification& q) {
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::object obj(&arena);
  obj.reserve(std::size(kQualificationFields) + 3);
  put_fields(obj, q, kQualificationFields);
  if (q.elderly_recipient) {
    json::object e(&arena);
    put_fields(e, *q.elderly_recipient, kElderlyFields);
    obj.emplace(kElderlyKey, std::move(e));
  }
  if (q.limit_application) {
    json::object l(&arena);
    put_fields(l, *q.limit_application, kLimitFields);
    obj.emplace(kLimitKey, std::move(l));
  }
  if (!q.specific_diseases.empty()) {
    json::array list(&arena);
    list.reserve(q.specific_diseases.size());
    for (const auto& d : q.specific_diseases) {
      json::object o(&arena);
      put_fields(o, d, kDiseaseFields);
      list.emplace_back(std::move(o));
    }
    obj.emplace(kDiseasesKey, std::move(list));
  }
  return json::serialize(obj);
}

Result<Qualification> qualification_from_json(std::string_view text) {
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, &arena);
  if (ec) {
    return Error{"E_JSON_SYNTAX", "", "JSON の構文が正しくありません: " + ec.message()};
  }
  const json::object* obj = v.if_object();
  if (!obj) return Error{"E_JSON_TYPE", "", "資格情報の JSON はオブジェクトである必要があります"};

  Qualification q;
  if (Status st = read_fields(*obj, q, kQualificationFields); !st) return st.error();
  if (const json::value* e = obj->if_contains(kElderlyKey); e && !e->is_null()) {
    auto r = read_object(*e, kElderlyKey, kElderlyFields);
    if (!r) return r.error();
    q.elderly_recipient = std::move(*r);
  }
  if (const json::value* l = obj->if_contains(kLimitKey); l && !l->is_null()) {
    auto r = read_object(*l, kLimitKey, kLimitFields);
    if (!r) return r.error();
    q.limit_application = std::move(*r);
  }
  if (const json::value* d = obj->if_contains(kDiseasesKey); d && !d->is_null()) {
    const json::array* list = d->if_array();
    if (!list) return type_error(kDiseasesKey, "配列");
    q.specific_diseases.reserve(list->size());
    for (const json::value& item : *list) {
      auto r = read_object(item, kDiseasesKey, kDiseaseFields);
      if (!r) return r.error();
      q.specific_diseases.push_back(std::move(*r));
    }
  }
  return q;
}

}  // namespace onshi::core
