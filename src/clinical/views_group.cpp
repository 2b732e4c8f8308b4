// Grouping a person's stored rows into what a view shows (views_detail.h): medication by
// dispensing (day and institution), checks by 年度 with each numeric item as a series over
// the years, treatments by day and institution, prescriptions by 処方箋ID. Rows arrive newest
// first (record_date, then record_id descending); groups keep that order, and the rows inside
// a group are put back in the order they were stored. Values are read in place from the
// payloads by column index; the only strings made are the ones the view keeps.
#include <algorithm>
#include <map>
#include <string_view>

#include "clinical/views_detail.h"

namespace onshi::clinical::detail {

int column(ClinicalKind kind, std::string_view name) {
  static const std::vector<std::string> kNames[] = {
      payload_columns(ClinicalKind::kMedication), payload_columns(ClinicalKind::kCheckup),
      payload_columns(ClinicalKind::kTreatment), payload_columns(ClinicalKind::kPrescription)};
  const auto& names = kNames[static_cast<int>(kind) - 1];
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {

// The columns of a drug in one kind's payload.
struct DrugColumns {
  int code, name, quantity, unit, usage, times, rp;
  explicit DrugColumns(ClinicalKind k)
      : code(column(k, "DrugC")),
        name(column(k, "DrugN")),
        quantity(column(k, "Qua1")),
        unit(column(k, "Unit")),
        usage(column(k, "UsageN")),
        times(column(k, "Times")),
        rp(column(k, "RpNumber")) {}
  Drug of(const Fields& f) const {
    return Drug{f.str(code),  f.str(name),  f.str(quantity), f.str(unit),
                f.str(usage), f.str(times), f.str(rp)};
  }
};

// The group of `groups` for (date, institution), appending one made by `make` when absent.
// Rows come newest first, so the groups of one day are the last ones: only they are looked at.
template <typename G, typename Make>
G& day_group(std::vector<G>& groups, std::string_view date, std::string_view institution,
             Make make) {
  for (auto g = groups.rbegin(); g != groups.rend() && g->date == date; ++g)
    if (g->institution_code == institution) return *g;
  groups.push_back(make());
  return groups.back();
}

void medication(View& v, std::span<const store::ClinicalViewRow> rows) {
  constexpr ClinicalKind k = ClinicalKind::kMedication;
  static const int code = column(k, "MedicalInstitutionCode"),
                   name = column(k, "MedicalInstitutionName"),
                   kind = column(k, "InstitutionClassification");
  static const DrugColumns drug(k);
  for (const auto& r : rows) {
    const Fields f(r.payload);
    Dispensing& d = day_group(v.medication, r.record_date, f[code], [&] {
      return Dispensing{r.record_date, f.str(code), f.str(name), f.str(kind), {}};
    });
    d.drugs.push_back(drug.of(f));
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
        auto [it, added] = index.emplace(item.code, v.series.size());
        if (added) v.series.emplace_back();
        CheckupSeries& s = v.series[it->second];
        s.code = item.code;  // the newest check's name, unit and range win
        s.name = item.name;
        s.unit = item.unit;
        s.range_low = item.range_low;
        s.range_high = item.range_high;
        s.points.push_back({c->date, item.value, item.judgement});
      }
}

void checkups(View& v, std::span<const store::ClinicalViewRow> rows) {
  constexpr ClinicalKind k = ClinicalKind::kCheckup;
  static const int code = column(k, "HealthCheckupInstitutionCode"),
                   name = column(k, "HealthCheckupInstitutionName"), item = column(k, "ItemCode"),
                   item_name = column(k, "ItemName"), type = column(k, "DataType"),
                   value = column(k, "DataValue"), unit = column(k, "Unit"),
                   value_name = column(k, "DataValueName"), low = column(k, "ReferenceRangeLow"),
                   high = column(k, "ReferenceRangeHigh"), judgement = column(k, "Judgement");
  std::vector<Checkup> checks;
  for (const auto& r : rows) {
    const Fields f(r.payload);
    Checkup& c = day_group(checks, r.record_date, f[code], [&] {
      return Checkup{r.record_date, f.str(code), f.str(name), {}};
    });
    c.items.push_back(CheckupItem{f.str(item), f.str(item_name), f.str(type), f.str(value),
                                  f.str(unit), f.str(value_name), f.str(low), f.str(high),
                                  f.str(judgement)});
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

std::vector<std::string> split_diagnoses(std::string_view text) {
  static constexpr std::string_view kSep = "；";
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t next = text.find(kSep);
    if (std::string_view part = text.substr(0, next); !part.empty()) out.emplace_back(part);
    if (next == std::string_view::npos) break;
    text.remove_prefix(next + kSep.size());
  }
  return out;
}

int operation_column() {
  static const int i = column(ClinicalKind::kTreatment, "OperationFlg");
  return i;
}

void treatments(View& v, std::span<const store::ClinicalViewRow> rows) {
  constexpr ClinicalKind k = ClinicalKind::kTreatment;
  static const int code = column(k, "MedicalInstitutionCode"),
                   name = column(k, "MedicalInstitutionName"),
                   kind = column(k, "InstitutionClassification"),
                   procedure = column(k, "ProcedureC"), procedure_name = column(k, "ProcedureN"),
                   times = column(k, "Times"), diagnoses = column(k, "DiagnosisNames");
  for (const auto& r : rows) {
    const Fields f(r.payload);
    const bool operation = f[operation_column()] == "1";
    if (operation && v.operations_hidden) continue;
    TreatmentDay& t = day_group(v.treatments, r.record_date, f[code], [&] {
      return TreatmentDay{r.record_date, f.str(code), f.str(name), f.str(kind), {}};
    });
    t.procedures.push_back(Procedure{f.str(procedure), f.str(procedure_name), operation,
                                     f.str(times), split_diagnoses(f[diagnoses])});
  }
  for (auto& t : v.treatments) std::reverse(t.procedures.begin(), t.procedures.end());
}

void prescriptions(View& v, std::span<const store::ClinicalViewRow> rows) {
  constexpr ClinicalKind k = ClinicalKind::kPrescription;
  static const int id = column(k, "PrescriptionId"), date = column(k, "PrescriptionDate"),
                   prescriber = column(k, "PrescribingInstitutionCode"),
                   prescriber_name = column(k, "PrescribingInstitutionName"),
                   dispensed = column(k, "DispensingDate"),
                   dispenser = column(k, "DispensingInstitutionCode"),
                   dispenser_name = column(k, "DispensingInstitutionName");
  static const DrugColumns drug(k);
  std::map<std::string_view, size_t> index;  // by 処方箋ID (views into rows)
  for (const auto& r : rows) {
    const Fields f(r.payload);
    auto [it, added] = index.emplace(f[id], v.prescriptions.size());
    if (added)
      v.prescriptions.push_back(Prescription{f.str(id), f.str(date), f.str(prescriber),
                                             f.str(prescriber_name), f.str(dispensed),
                                             f.str(dispenser), f.str(dispenser_name), {}});
    v.prescriptions[it->second].drugs.push_back(drug.of(f));
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

bool has_operation(std::span<const store::ClinicalViewRow> rows) {
  for (const auto& r : rows)
    if (Fields(r.payload)[operation_column()] == "1") return true;
  return false;
}

void group(View& v, std::span<const store::ClinicalViewRow> rows) {
  switch (v.kind) {
    case ClinicalKind::kMedication:
      return medication(v, rows);
    case ClinicalKind::kCheckup:
      return checkups(v, rows);
    case ClinicalKind::kTreatment:
      return treatments(v, rows);
    case ClinicalKind::kPrescription:
      return prescriptions(v, rows);
    case ClinicalKind::kExpense:  // not a view kind (not in kClinicalKinds): nothing to group
      return;
  }
}

}  // namespace onshi::clinical::detail
