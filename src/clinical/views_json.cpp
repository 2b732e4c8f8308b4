// The JSON of a view and of a refusal (views.h), as docs/clinical.md § "見る (views)" shows
// them: lowerCamelCase names, every value a string but the years, counts and flags. The text
// is built directly into one string (core/json_text.h escaping) rather than through a DOM:
// a view of three years is ~150 rows and sits on the view's hot path.
#include "clinical/views.h"
#include "clinical/views_detail.h"
#include "core/json_text.h"

namespace onshi::clinical {
namespace {

// Appends members and values with the commas in between.
class Json {
 public:
  explicit Json(std::string& out) : out_(out) {}
  Json& open(char c) {
    comma();
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  Json& close(char c) {
    out_.push_back(c);
    first_ = false;
    return *this;
  }
  Json& key(std::string_view k) {
    comma();
    out_.push_back('"');
    out_.append(k);
    out_.append("\":");
    first_ = true;
    return *this;
  }
  Json& str(std::string_view k, std::string_view v) { return key(k).string(v); }
  Json& string(std::string_view v) {
    comma();
    out_.push_back('"');
    core::append_json_escaped(out_, v);
    out_.push_back('"');
    return *this;
  }
  Json& num(std::string_view k, int64_t v) {
    key(k);
    out_.append(std::to_string(v));
    first_ = false;
    return *this;
  }
  Json& flag(std::string_view k, bool v) {
    key(k);
    out_.append(v ? "true" : "false");
    first_ = false;
    return *this;
  }

 private:
  void comma() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

void person(Json& j, const PersonInfo& p) {
  j.key("person").open('{');
  j.str("name", p.name).str("nameKana", p.name_kana).str("birthdate", p.birthdate);
  j.str("sex", p.sex).str("insurerNumber", p.insurer_number).str("symbol", p.symbol);
  j.str("number", p.number).str("branch", p.branch);
  j.str("cardClassification", p.card_classification).close('}');
}

void drugs(Json& j, const std::vector<Drug>& list, bool with_rp) {
  j.key("drugs").open('[');
  for (const auto& d : list) {
    j.open('{');
    if (with_rp) j.str("rp", d.rp);
    j.str("code", d.code).str("name", d.name).str("quantity", d.quantity).str("unit", d.unit);
    j.str("usage", d.usage).str("times", d.times).close('}');
  }
  j.close(']');
}

void medication(Json& j, const View& v) {
  j.key("dispensings").open('[');
  for (const auto& d : v.medication) {
    j.open('{').str("date", d.date).str("institutionCode", d.institution_code);
    j.str("institutionName", d.institution_name).str("institutionKind", d.institution_kind);
    drugs(j, d.drugs, false);
    j.close('}');
  }
  j.close(']');
}

void checkups(Json& j, const View& v) {
  j.key("checkupYears").open('[');
  for (const auto& y : v.checkups) {
    j.open('{').num("fiscalYear", y.fiscal_year).key("checkups").open('[');
    for (const auto& c : y.checkups) {
      j.open('{').str("date", c.date).str("institutionCode", c.institution_code);
      j.str("institutionName", c.institution_name).key("items").open('[');
      for (const auto& i : c.items) {
        j.open('{').str("code", i.code).str("name", i.name).str("dataType", i.data_type);
        j.str("value", i.value).str("unit", i.unit).str("valueName", i.value_name);
        j.str("rangeLow", i.range_low).str("rangeHigh", i.range_high);
        j.str("judgement", i.judgement).close('}');
      }
      j.close(']').close('}');
    }
    j.close(']').close('}');
  }
  j.close(']').key("series").open('[');
  for (const auto& s : v.series) {
    j.open('{').str("code", s.code).str("name", s.name).str("unit", s.unit);
    j.str("rangeLow", s.range_low).str("rangeHigh", s.range_high).key("points").open('[');
    for (const auto& p : s.points)
      j.open('{')
          .str("date", p.date)
          .str("value", p.value)
          .str("judgement", p.judgement)
          .close('}');
    j.close(']').close('}');
  }
  j.close(']');
}

void treatments(Json& j, const View& v) {
  j.key("treatments").open('[');
  for (const auto& t : v.treatments) {
    j.open('{').str("date", t.date).str("institutionCode", t.institution_code);
    j.str("institutionName", t.institution_name).str("institutionKind", t.institution_kind);
    j.key("procedures").open('[');
    for (const auto& p : t.procedures) {
      j.open('{').str("code", p.code).str("name", p.name).flag("operation", p.operation);
      j.str("times", p.times).key("diagnoses").open('[');
      for (const auto& d : p.diagnoses) j.string(d);
      j.close(']').close('}');
    }
    j.close(']').close('}');
  }
  j.close(']');
}

void prescriptions(Json& j, const View& v) {
  j.key("prescriptions").open('[');
  for (const auto& p : v.prescriptions) {
    j.open('{').str("id", p.id).str("prescriptionDate", p.prescription_date);
    j.str("prescriberCode", p.prescriber_code).str("prescriberName", p.prescriber_name);
    j.str("dispensingDate", p.dispensing_date).str("dispenserCode", p.dispenser_code);
    j.str("dispenserName", p.dispenser_name);
    drugs(j, p.drugs, true);
    j.close('}');
  }
  j.close(']');
}

// The members before the kind's list.
void head(Json& j, const View& v) {
  j.open('{').str("kind", store::clinical_kind_name(v.kind)).str("category", v.category);
  j.str("basis", v.basis).str("asOf", v.as_of).str("from", v.from).str("window", v.window);
  j.flag("medicalAidRule", v.medical_aid_rule).flag("operationsHidden", v.operations_hidden);
  j.num("rows", v.rows);
  person(j, v.person);
}

// medication(j, v) of the View that detail::group would make of `rows`, written from the
// rows into `out` (after head(): the list is the next member), one day at a time
// (detail::medication_day_json).
void medication_from_rows(std::string& out, std::span<const store::ClinicalViewRow> rows) {
  std::vector<detail::Fields> scratch;
  out.append(",\"dispensings\":[");
  for (size_t first = 0; first < rows.size();) {
    size_t end = first;
    while (end < rows.size() && rows[end].record_date == rows[first].record_date) ++end;
    detail::medication_day_json(out, rows.subspan(first, end - first), scratch);
    first = end;
  }
  out.push_back(']');
}

}  // namespace

std::string view_json(const View& v) {
  std::string out;
  out.reserve(1024 + static_cast<size_t>(v.rows) * 256);
  Json j(out);
  head(j, v);
  switch (v.kind) {
    case ClinicalKind::kMedication:
      medication(j, v);
      break;
    case ClinicalKind::kCheckup:
      checkups(j, v);
      break;
    case ClinicalKind::kTreatment:
      treatments(j, v);
      break;
    case ClinicalKind::kPrescription:
      prescriptions(j, v);
      break;
    case ClinicalKind::kExpense:  // not a view kind (not in kClinicalKinds)
      break;
  }
  j.close('}');
  return out;
}

namespace detail {

// The rows of one day (they come newest first) are split once; each dispensing (day and
// institution, in the order of its newest row) gets its header from that row and its drugs
// from the day's rows of the institution in stored order (oldest first). The names and
// punctuation are appended as whole pieces, only the values are escaped.
void medication_day_json(std::string& out, std::span<const store::ClinicalViewRow> rows,
                         std::vector<Fields>& day) {
  constexpr ClinicalKind k = ClinicalKind::kMedication;
  static const int code = column(k, "MedicalInstitutionCode"),
                   name = column(k, "MedicalInstitutionName"),
                   kind = column(k, "InstitutionClassification"),
                   drug_code = column(k, "DrugC"), drug_name = column(k, "DrugN"),
                   quantity = column(k, "Qua1"), unit = column(k, "Unit"),
                   usage = column(k, "UsageN"), times = column(k, "Times");
  const auto value = [&out](std::string_view piece, std::string_view v) {
    out.append(piece);
    core::append_json_escaped(out, v);
  };
  day.clear();
  for (const auto& r : rows) day.emplace_back(r.payload);
  for (size_t g = 0; g < day.size(); ++g) {
    const std::string_view institution = day[g][code];
    bool seen = false;  // an earlier (newer) row of the day opened this dispensing
    for (size_t e = 0; e < g && !seen; ++e) seen = day[e][code] == institution;
    if (seen) continue;
    if (out.back() != '[') out.push_back(',');
    value("{\"date\":\"", rows[0].record_date);
    value("\",\"institutionCode\":\"", institution);
    value("\",\"institutionName\":\"", day[g][name]);
    value("\",\"institutionKind\":\"", day[g][kind]);
    out.append("\",\"drugs\":[");
    for (size_t i = day.size(); i-- > g;) {
      const Fields& f = day[i];
      if (f[code] != institution) continue;
      if (out.back() != '[') out.push_back(',');
      value("{\"code\":\"", f[drug_code]);
      value("\",\"name\":\"", f[drug_name]);
      value("\",\"quantity\":\"", f[quantity]);
      value("\",\"unit\":\"", f[unit]);
      value("\",\"usage\":\"", f[usage]);
      value("\",\"times\":\"", f[times]);
      out.append("\"}");
    }
    out.append("]}");
  }
}

std::string view_json_with_dispensings(const View& v, std::string_view dispensings) {
  std::string out;
  out.reserve(1024 + dispensings.size());
  Json j(out);
  head(j, v);
  out.append(",\"dispensings\":[");
  out.append(dispensings);
  out.push_back(']');
  j.close('}');
  return out;
}

std::string view_gzip_with_dispensings(const View& v, const core::DeflatePiece& dispensings) {
  std::string before;  // the head, up to the dispensings' opening bracket
  before.reserve(1024);
  Json j(before);
  head(j, v);
  before.append(",\"dispensings\":[");
  return core::gzip_join(before, dispensings, "]}");
}

std::string view_json_from_rows(View& v, std::span<const store::ClinicalViewRow> rows) {
  if (v.kind != ClinicalKind::kMedication) {
    group(v, rows);
    return view_json(v);
  }
  std::string out;
  out.reserve(1024 + rows.size() * 256);
  Json j(out);
  head(j, v);
  medication_from_rows(out, rows);
  j.close('}');
  return out;
}

}  // namespace detail

std::string refusal_json(const Refusal& r) {
  std::string out;
  Json j(out);
  j.open('{').str("code", r.error.code).str("field", r.error.field).str("detail", r.error.message);
  if (!r.expiry_reason.empty()) j.str("expiryReason", r.expiry_reason);
  j.close('}');
  return out;
}

}  // namespace onshi::clinical
