// The JSON of a view and of a refusal (views.h), as docs/clinical.md § "見る (views)" shows
// them: lowerCamelCase names, every value a string but the years, counts and flags.
#include <boost/json.hpp>

#include "clinical/views.h"

namespace onshi::clinical {
namespace {
namespace json = boost::json;

json::object person_json(const PersonInfo& p) {
  return {{"name", p.name},
          {"nameKana", p.name_kana},
          {"birthdate", p.birthdate},
          {"sex", p.sex},
          {"insurerNumber", p.insurer_number},
          {"symbol", p.symbol},
          {"number", p.number},
          {"branch", p.branch},
          {"cardClassification", p.card_classification}};
}

json::array drugs_json(const std::vector<Drug>& drugs, bool with_rp) {
  json::array out;
  for (const auto& d : drugs) {
    json::object o{{"code", d.code},         {"name", d.name},   {"quantity", d.quantity},
                   {"unit", d.unit},         {"usage", d.usage}, {"times", d.times}};
    if (with_rp) o["rp"] = d.rp;
    out.push_back(std::move(o));
  }
  return out;
}

json::array medication_json(const View& v) {
  json::array out;
  for (const auto& d : v.medication)
    out.push_back(json::object{{"date", d.date},
                               {"institutionCode", d.institution_code},
                               {"institutionName", d.institution_name},
                               {"institutionKind", d.institution_kind},
                               {"drugs", drugs_json(d.drugs, false)}});
  return out;
}

json::array checkup_years_json(const View& v) {
  json::array years;
  for (const auto& y : v.checkups) {
    json::array checks;
    for (const auto& c : y.checkups) {
      json::array items;
      for (const auto& i : c.items)
        items.push_back(json::object{{"code", i.code},           {"name", i.name},
                                     {"dataType", i.data_type},  {"value", i.value},
                                     {"unit", i.unit},           {"valueName", i.value_name},
                                     {"rangeLow", i.range_low},  {"rangeHigh", i.range_high},
                                     {"judgement", i.judgement}});
      checks.push_back(json::object{{"date", c.date},
                                    {"institutionCode", c.institution_code},
                                    {"institutionName", c.institution_name},
                                    {"items", std::move(items)}});
    }
    years.push_back(json::object{{"fiscalYear", y.fiscal_year}, {"checkups", std::move(checks)}});
  }
  return years;
}

json::array series_json(const View& v) {
  json::array out;
  for (const auto& s : v.series) {
    json::array points;
    for (const auto& p : s.points)
      points.push_back(json::object{{"date", p.date}, {"value", p.value}, {"judgement", p.judgement}});
    out.push_back(json::object{{"code", s.code},          {"name", s.name},
                               {"unit", s.unit},          {"rangeLow", s.range_low},
                               {"rangeHigh", s.range_high}, {"points", std::move(points)}});
  }
  return out;
}

json::array treatments_json(const View& v) {
  json::array out;
  for (const auto& t : v.treatments) {
    json::array procedures;
    for (const auto& p : t.procedures) {
      json::array diagnoses;
      for (const auto& d : p.diagnoses) diagnoses.push_back(json::string(d));
      procedures.push_back(json::object{{"code", p.code},
                                        {"name", p.name},
                                        {"operation", p.operation},
                                        {"times", p.times},
                                        {"diagnoses", std::move(diagnoses)}});
    }
    out.push_back(json::object{{"date", t.date},
                               {"institutionCode", t.institution_code},
                               {"institutionName", t.institution_name},
                               {"institutionKind", t.institution_kind},
                               {"procedures", std::move(procedures)}});
  }
  return out;
}

json::array prescriptions_json(const View& v) {
  json::array out;
  for (const auto& p : v.prescriptions)
    out.push_back(json::object{{"id", p.id},
                               {"prescriptionDate", p.prescription_date},
                               {"prescriberCode", p.prescriber_code},
                               {"prescriberName", p.prescriber_name},
                               {"dispensingDate", p.dispensing_date},
                               {"dispenserCode", p.dispenser_code},
                               {"dispenserName", p.dispenser_name},
                               {"drugs", drugs_json(p.drugs, true)}});
  return out;
}

}  // namespace

std::string view_json(const View& v) {
  json::object o{{"kind", store::clinical_kind_name(v.kind)},
                 {"category", v.category},
                 {"basis", v.basis},
                 {"asOf", v.as_of},
                 {"from", v.from},
                 {"window", v.window},
                 {"medicalAidRule", v.medical_aid_rule},
                 {"operationsHidden", v.operations_hidden},
                 {"rows", v.rows},
                 {"person", person_json(v.person)}};
  switch (v.kind) {
    case ClinicalKind::kMedication: o["dispensings"] = medication_json(v); break;
    case ClinicalKind::kCheckup:
      o["checkupYears"] = checkup_years_json(v);
      o["series"] = series_json(v);
      break;
    case ClinicalKind::kTreatment: o["treatments"] = treatments_json(v); break;
    case ClinicalKind::kPrescription: o["prescriptions"] = prescriptions_json(v); break;
  }
  return json::serialize(o);
}

std::string refusal_json(const Refusal& r) {
  json::object o{{"code", r.error.code}, {"field", r.error.field}, {"detail", r.error.message}};
  if (!r.expiry_reason.empty()) o["expiryReason"] = r.expiry_reason;
  return json::serialize(o);
}

}  // namespace onshi::clinical
