// The person's own clinical view (own.h): the kind's viewing window and the 医療扶助 checkups
// rule as views.cpp applies them, one indexed read of the person's rows, then the grouping the
// professional view uses (views_detail.h), so both answer the same JSON.
#include "clinical/own.h"

#include "access/access.h"
#include "clinical/views_detail.h"
#include "core/medical_aid.h"
#include "core/rule_dates.h"

namespace onshi::clinical {

Result<View> own_view(store::Database& db, const store::QualificationVersion& person,
                      ClinicalKind kind, core::Date as_of) {
  auto windows = db.clinical().windows();
  if (!windows) return windows.error();
  const core::Qualification& q = person.qualification;
  View v;
  v.kind = kind;
  v.category = std::string(access::category_code(kind_category(kind)));
  v.basis = "self";
  v.as_of = as_of.yyyymmdd();
  v.person = PersonInfo{q.name,           q.name_kana,           q.birthdate,
                        q.sex1,           q.insurer_number,      q.insured_card_symbol,
                        q.insured_identification_number, q.insured_branch_number,
                        q.insured_card_classification};
  core::Date from = as_of;
  for (const auto& w : *windows) {
    if (w.kind != kind) continue;
    from = window_start(w, as_of);
    v.window = std::to_string(w.amount) + static_cast<char>(w.unit - 'A' + 'a');
  }
  if (kind == ClinicalKind::kCheckup &&
      q.insured_card_classification == core::kMedicalAidCardClassification &&
      from < core::medical_aid_health_check_start()) {
    from = core::medical_aid_health_check_start();
    v.medical_aid_rule = true;
  }
  v.from = from.yyyymmdd();
  auto rows = db.clinical().view_rows(person.person_link, kind, from.yyyymmdd(), as_of.yyyymmdd());
  if (!rows) return rows.error();
  v.rows = static_cast<int64_t>(rows->size());
  detail::group(v, *rows);
  return v;
}

}  // namespace onshi::clinical
