// Grouping a person's stored rows into what a view shows (views_detail.h): medication by
// dispensing (day and institution), checks by 年度 with each numeric item as a series over
// the years, treatments by day and institution, prescriptions by 処方箋ID. Rows arrive newest
// first (record_date, then record_id descending); groups keep that order, and the rows inside
// a group are put back in the order they were stored.
#include <algorithm>
#include <map>

#include "clinical/views_detail.h"

namespace onshi::clinical::detail {
namespace {

// The payload columns of each kind, computed once.
const std::vector<std::string>& names_of(ClinicalKind kind) {
  static const std::vector<std::string> kNames[] = {
      payload_columns(ClinicalKind::kMedication), payload_columns(ClinicalKind::kCheckup),
      payload_columns(ClinicalKind::kTreatment), payload_columns(ClinicalKind::kPrescription)};
  return kNames[static_cast<int>(kind) - 1];
}

// One row's values by element name, read in place from the payload (clinical/'s encoding:
// the payload columns' values in order, separated by U+001F).
class Fields {
 public:
  Fields(ClinicalKind kind, std::string_view payload) : names_(names_of(kind)) {
    values_.reserve(names_.size());
    for (size_t i = 0; i < names_.size(); ++i) {
      const size_t cut = payload.find('\x1f');
      values_.push_back(payload.substr(0, cut));
      payload = cut == std::string_view::npos ? std::string_view() : payload.substr(cut + 1);
    }
  }
  std::string operator[](std::string_view name) const {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return std::string(values_[i]);
    return {};
  }

 private:
  const std::vector<std::string>& names_;
  std::vector<std::string_view> values_;
};

Drug drug_of(const Fields& f) {
  return Drug{f["DrugC"], f["DrugN"], f["Qua1"], f["Unit"], f["UsageN"], f["Times"], f["RpNumber"]};
}

// Index of the group with `key` in `groups`, appending a new one made by `make` when absent.
template <typename G, typename Make>
G& group_of(std::vector<G>& groups, std::map<std::string, size_t>& index, const std::string& key,
            Make make) {
  auto [it, added] = index.emplace(key, groups.size());
  if (added) groups.push_back(make());
  return groups[it->second];
}

void medication(View& v, const std::vector<store::ClinicalRecord>& rows) {
  std::map<std::string, size_t> index;
  for (const auto& r : rows) {
    Fields f(r.kind, r.payload);
    Dispensing& d =
        group_of(v.medication, index, r.record_date + "|" + f["MedicalInstitutionCode"], [&] {
          return Dispensing{r.record_date,
                            f["MedicalInstitutionCode"],
                            f["MedicalInstitutionName"],
                            f["InstitutionClassification"],
                            {}};
        });
    d.drugs.push_back(drug_of(f));
  }
  for (auto& d : v.medication) std::reverse(d.drugs.begin(), d.drugs.end());
}

int fiscal_year(const std::string& yyyymmdd) {
  const int y = std::stoi(yyyymmdd.substr(0, 4)), m = std::stoi(yyyymmdd.substr(4, 2));
  return m >= 4 ? y : y - 1;
}

void series(View& v) {
  std::map<std::string, size_t> index;
  for (auto y = v.checkups.rbegin(); y != v.checkups.rend(); ++y)
    for (auto c = y->checkups.rbegin(); c != y->checkups.rend(); ++c)
      for (const auto& item : c->items) {
        if (item.data_type != "PQ") continue;
        CheckupSeries& s = group_of(v.series, index, item.code, [&] { return CheckupSeries{}; });
        s.code = item.code;  // the newest check's name, unit and range win
        s.name = item.name;
        s.unit = item.unit;
        s.range_low = item.range_low;
        s.range_high = item.range_high;
        s.points.push_back({c->date, item.value, item.judgement});
      }
}

void checkups(View& v, const std::vector<store::ClinicalRecord>& rows) {
  std::vector<Checkup> checks;
  std::map<std::string, size_t> index;
  for (const auto& r : rows) {
    Fields f(r.kind, r.payload);
    Checkup& c =
        group_of(checks, index, r.record_date + "|" + f["HealthCheckupInstitutionCode"], [&] {
          return Checkup{r.record_date,
                         f["HealthCheckupInstitutionCode"],
                         f["HealthCheckupInstitutionName"],
                         {}};
        });
    c.items.push_back(CheckupItem{f["ItemCode"], f["ItemName"], f["DataType"], f["DataValue"],
                                  f["Unit"], f["DataValueName"], f["ReferenceRangeLow"],
                                  f["ReferenceRangeHigh"], f["Judgement"]});
  }
  for (auto& c : checks) {
    std::sort(c.items.begin(), c.items.end(),
              [](const CheckupItem& a, const CheckupItem& b) { return a.code < b.code; });
    const int fy = fiscal_year(c.date);
    if (v.checkups.empty() || v.checkups.back().fiscal_year != fy)
      v.checkups.push_back(CheckupYear{fy, {}});
    v.checkups.back().checkups.push_back(std::move(c));
  }
  series(v);
}

std::vector<std::string> split_diagnoses(const std::string& text) {
  static const std::string kSep = "；";
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size() && !text.empty()) {
    const size_t next = text.find(kSep, at);
    std::string part = text.substr(at, next == std::string::npos ? std::string::npos : next - at);
    if (!part.empty()) out.push_back(std::move(part));
    if (next == std::string::npos) break;
    at = next + kSep.size();
  }
  return out;
}

void treatments(View& v, const std::vector<store::ClinicalRecord>& rows) {
  std::map<std::string, size_t> index;
  for (const auto& r : rows) {
    Fields f(r.kind, r.payload);
    const bool operation = f["OperationFlg"] == "1";
    if (operation && v.operations_hidden) continue;
    TreatmentDay& t =
        group_of(v.treatments, index, r.record_date + "|" + f["MedicalInstitutionCode"], [&] {
          return TreatmentDay{r.record_date,
                              f["MedicalInstitutionCode"],
                              f["MedicalInstitutionName"],
                              f["InstitutionClassification"],
                              {}};
        });
    t.procedures.push_back(Procedure{f["ProcedureC"], f["ProcedureN"], operation, f["Times"],
                                     split_diagnoses(f["DiagnosisNames"])});
  }
  for (auto& t : v.treatments) std::reverse(t.procedures.begin(), t.procedures.end());
}

void prescriptions(View& v, const std::vector<store::ClinicalRecord>& rows) {
  std::map<std::string, size_t> index;
  for (const auto& r : rows) {
    Fields f(r.kind, r.payload);
    Prescription& p = group_of(v.prescriptions, index, f["PrescriptionId"], [&] {
      return Prescription{f["PrescriptionId"],
                          f["PrescriptionDate"],
                          f["PrescribingInstitutionCode"],
                          f["PrescribingInstitutionName"],
                          f["DispensingDate"],
                          f["DispensingInstitutionCode"],
                          f["DispensingInstitutionName"],
                          {}};
    });
    p.drugs.push_back(drug_of(f));
  }
  for (auto& p : v.prescriptions) {
    std::reverse(p.drugs.begin(), p.drugs.end());
    std::stable_sort(p.drugs.begin(), p.drugs.end(), [](const Drug& a, const Drug& b) {
      const int x = a.rp.empty() ? 0 : std::stoi(a.rp), y = b.rp.empty() ? 0 : std::stoi(b.rp);
      return x < y;
    });
  }
}

}  // namespace

bool has_operation(const std::vector<store::ClinicalRecord>& rows) {
  for (const auto& r : rows)
    if (r.kind == ClinicalKind::kTreatment && Fields(r.kind, r.payload)["OperationFlg"] == "1")
      return true;
  return false;
}

void group(View& v, const std::vector<store::ClinicalRecord>& rows) {
  switch (v.kind) {
    case ClinicalKind::kMedication:
      return medication(v, rows);
    case ClinicalKind::kCheckup:
      return checkups(v, rows);
    case ClinicalKind::kTreatment:
      return treatments(v, rows);
    case ClinicalKind::kPrescription:
      return prescriptions(v, rows);
  }
}

}  // namespace onshi::clinical::detail
