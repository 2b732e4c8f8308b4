// A view as the XML result of its request (views.h, oqs/clinical.h, docs/xml-interface.md):
// the patient in the header (QuaInf, or QualificationsInfo for 特定健診 as research §2.6
// names it), and the kind's elements by month — MeTrMonthInf for 薬剤情報, TreatmentMonthInf
// for 診療情報, ShPrInf/ShPrMonthInf for 処方・調剤情報 — or one SpecificHealthCheckupInfo per
// check. Element names are the columns' (docs/clinical.md).
#include "clinical/views.h"

namespace onshi::clinical {
namespace {

using oqs::XmlElement;

XmlElement person_element(const View& v) {
  const PersonInfo& p = v.person;
  if (v.kind == ClinicalKind::kCheckup) {
    XmlElement e{"QualificationsInfo", "", {}};
    e.add("Name", p.name);
    e.add("KanasName", p.name_kana);
    e.add("Birthday", p.birthdate);
    e.add("AdministrativeGenderCode", p.sex);
    return e;
  }
  XmlElement e{"QuaInf", "", {}};
  e.add("Name", p.name);
  e.add("KanaName", p.name_kana);
  e.add("Birth", p.birthdate);
  e.add("AdmGendCode", p.sex);
  return e;
}

XmlElement view_element(const View& v) {
  XmlElement e{"ViewInf", "", {}};
  e.add("AsOfDate", v.as_of);
  e.add("ViewableFromDate", v.from);
  e.add("ViewingWindow", v.window);
  e.add("Basis", v.basis);
  e.add("MedicalAidRule", v.medical_aid_rule ? "1" : "0");
  if (v.kind == ClinicalKind::kTreatment)
    e.add("OperationsHidden", v.operations_hidden ? "1" : "0");
  return e;
}

void add_drugs(XmlElement& parent, const std::vector<Drug>& drugs, bool with_rp) {
  XmlElement& list = parent.add("DrugInfs");
  for (const auto& d : drugs) {
    XmlElement& e = list.add("DrugInf");
    if (with_rp) e.add("RpNumber", d.rp);
    e.add("DrugC", d.code);
    e.add("DrugN", d.name);
    e.add("Qua1", d.quantity);
    e.add("Unit", d.unit);
    e.add("UsageN", d.usage);
    e.add("Times", d.times);
  }
}

// The month element `name` for yyyymm, appended to `body` unless it is the last one.
XmlElement& month_of(std::vector<XmlElement>& list, const char* name, const char* ym_name,
                     const std::string& date) {
  const std::string ym = date.substr(0, 6);
  if (list.empty() || list.back().name != name || list.back().children.front().text != ym) {
    list.push_back(XmlElement{name, "", {}});
    list.back().add(ym_name, ym);
  }
  return list.back();
}

void medication(const View& v, std::vector<XmlElement>& body) {
  for (const auto& d : v.medication) {
    XmlElement& e = month_of(body, "MeTrMonthInf", "MeTrYm", d.date).add("DispensingInf");
    e.add("DispensingDate", d.date);
    e.add("MedicalInstitutionCode", d.institution_code);
    e.add("MedicalInstitutionName", d.institution_name);
    e.add("InstitutionClassification", d.institution_kind);
    add_drugs(e, d.drugs, false);
  }
}

void checkups(const View& v, std::vector<XmlElement>& body) {
  for (const auto& y : v.checkups)
    for (const auto& c : y.checkups) {
      XmlElement& e = body.emplace_back(XmlElement{"SpecificHealthCheckupInfo", "", {}});
      e.add("EffectiveTime", c.date);
      e.add("FiscalYear", std::to_string(y.fiscal_year));
      e.add("HealthCheckupInstitutionCode", c.institution_code);
      e.add("HealthCheckupInstitutionName", c.institution_name);
      XmlElement& items = e.add("HealthCheckupResultAndQuestionInfos");
      for (const auto& i : c.items) {
        XmlElement& it = items.add("HealthCheckupResultAndQuestionInfo");
        it.add("ItemCode", i.code);
        it.add("ItemName", i.name);
        it.add("DataType", i.data_type);
        it.add("DataValue", i.value);
        it.add("Unit", i.unit);
        it.add("DataValueName", i.value_name);
        it.add("ReferenceRangeLow", i.range_low);
        it.add("ReferenceRangeHigh", i.range_high);
        it.add("Judgement", i.judgement);
      }
    }
}

void treatments(const View& v, std::vector<XmlElement>& body) {
  for (const auto& t : v.treatments) {
    XmlElement& e = month_of(body, "TreatmentMonthInf", "TreatmentYm", t.date).add("TreatmentInf");
    e.add("TreatmentDate", t.date);
    e.add("MedicalInstitutionCode", t.institution_code);
    e.add("MedicalInstitutionName", t.institution_name);
    e.add("InstitutionClassification", t.institution_kind);
    XmlElement& list = e.add("ProcedureInfs");
    for (const auto& p : t.procedures) {
      XmlElement& pe = list.add("ProcedureInf");
      pe.add("ProcedureC", p.code);
      pe.add("ProcedureN", p.name);
      pe.add("OperationFlg", p.operation ? "1" : "0");
      pe.add("Times", p.times);
      XmlElement& names = pe.add("DiagnosisNames");
      for (const auto& d : p.diagnoses) names.add("DiagnosisName", d);
    }
  }
}

void prescriptions(const View& v, std::vector<XmlElement>& body) {
  XmlElement& info = body.emplace_back(XmlElement{"ShPrInf", "", {}});
  for (const auto& p : v.prescriptions) {
    XmlElement& e = month_of(info.children, "ShPrMonthInf", "ShPrYm", p.prescription_date)
                        .add("PrescriptionInf");
    e.add("PrescriptionId", p.id);
    e.add("PrescriptionDate", p.prescription_date);
    e.add("PrescribingInstitutionCode", p.prescriber_code);
    e.add("PrescribingInstitutionName", p.prescriber_name);
    e.add("DispensingDate", p.dispensing_date);
    e.add("DispensingInstitutionCode", p.dispenser_code);
    e.add("DispensingInstitutionName", p.dispenser_name);
    add_drugs(e, p.drugs, true);
  }
}

}  // namespace

oqs::ClinicalResult view_result(const View& v) {
  oqs::ClinicalResult r;
  r.result_code = "1";
  r.person = person_element(v);
  r.body.push_back(view_element(v));
  switch (v.kind) {
    case ClinicalKind::kMedication:
      medication(v, r.body);
      break;
    case ClinicalKind::kCheckup:
      checkups(v, r.body);
      break;
    case ClinicalKind::kTreatment:
      treatments(v, r.body);
      break;
    case ClinicalKind::kPrescription:
      prescriptions(v, r.body);
      break;
    case ClinicalKind::kExpense:  // not a view kind (not in kClinicalKinds)
      break;
  }
  return r;
}

oqs::ClinicalMessage kind_message(ClinicalKind kind) {
  switch (kind) {
    case ClinicalKind::kCheckup:
      return oqs::ClinicalMessage::kCheckup;
    case ClinicalKind::kTreatment:
      return oqs::ClinicalMessage::kTreatment;
    case ClinicalKind::kPrescription:
      return oqs::ClinicalMessage::kPrescription;
    case ClinicalKind::kMedication:
    case ClinicalKind::kExpense:  // not a view kind (not in kClinicalKinds)
      break;
  }
  return oqs::ClinicalMessage::kMedication;
}

ClinicalKind message_kind(oqs::ClinicalMessage message) {
  switch (message) {
    case oqs::ClinicalMessage::kCheckup:
      return ClinicalKind::kCheckup;
    case oqs::ClinicalMessage::kTreatment:
      return ClinicalKind::kTreatment;
    case oqs::ClinicalMessage::kPrescription:
      return ClinicalKind::kPrescription;
    case oqs::ClinicalMessage::kMedication:
      break;
  }
  return ClinicalKind::kMedication;
}

oqs::ClinicalResult refusal_result(const Error& e) {
  oqs::ClinicalResult r;
  r.result_code = "2";
  r.error_code = e.code;
  r.message_contents = e.field.empty() ? e.message : e.field + ": " + e.message;
  return r;
}

}  // namespace onshi::clinical
