// What both backends of the clinical store share (store/clinical.h): the kinds' names, the
// viewing windows the first migration seeds, the check of a window before it is stored, and
// put_bulk's default (row by row, through put_records).
#include "store/clinical_backend.h"

namespace onshi::store {

std::string_view clinical_kind_name(ClinicalKind kind) {
  switch (kind) {
    case ClinicalKind::kMedication: return "medication";
    case ClinicalKind::kCheckup: return "checkups";
    case ClinicalKind::kTreatment: return "treatments";
    case ClinicalKind::kPrescription: return "prescriptions";
    case ClinicalKind::kExpense: return "expenses";
  }
  return "";
}

std::optional<ClinicalKind> parse_clinical_kind(std::string_view name) {
  for (ClinicalKind k : kClinicalKinds)
    if (clinical_kind_name(k) == name) return k;
  if (name == clinical_kind_name(ClinicalKind::kExpense)) return ClinicalKind::kExpense;
  return std::nullopt;
}

Status ClinicalStore::put_bulk(std::span<const ClinicalRowRef> items) {
  std::vector<ClinicalPut> puts;
  puts.reserve(items.size());
  for (const ClinicalRowRef& r : items)
    puts.push_back({r.kind, std::string(r.record_key), std::string(r.person_link),
                    std::string(r.card_key), std::string(r.record_date), std::string(r.payload),
                    std::string(r.source)});
  return put_records(puts).status();
}

Status ClinicalStore::put_bulk(std::span<const ClinicalPut> items) {
  std::vector<ClinicalRowRef> refs;
  refs.reserve(items.size());
  for (const ClinicalPut& p : items)
    refs.push_back({p.kind, p.record_key, p.person_link, p.card_key, p.record_date, p.payload,
                    p.source});
  return put_bulk(refs);
}

}  // namespace onshi::store

namespace onshi::store::detail {

const std::vector<ViewingWindow>& default_clinical_windows() {
  static const std::vector<ViewingWindow> w = {
      {ClinicalKind::kMedication, 3, 'Y', "薬剤情報: 最大3年分 (医療機関等向け総合ポータルサイト FAQ)"},
      {ClinicalKind::kCheckup, 5, 'Y', "特定健診情報: 最大5年分 (医療機関等向け総合ポータルサイト FAQ)"},
      {ClinicalKind::kTreatment, 3, 'Y', "診療情報: 薬剤情報と同じくレセプト由来, 3年分 (医療機関等向け総合ポータルサイト FAQ)"},
      {ClinicalKind::kPrescription, 100, 'D',
       "処方・調剤情報: 最大100日分 (電子処方箋管理サービス, 医療機関等向け総合ポータルサイト FAQ)"},
      {ClinicalKind::kExpense, 5, 'Y',
       "医療費通知情報: 5年分 (医療費控除の還付申告は5年前の年分まで — 国税通則法74条)"},
  };
  return w;
}

Status check_window(const ViewingWindow& w) {
  if (clinical_kind_name(w.kind).empty())
    return Status::Fail("E_CLINICAL_WINDOW", "kind", "閲覧期間の種類が不明です");
  if (w.amount < 1 || w.amount > 36500)
    return Status::Fail("E_CLINICAL_WINDOW", "amount", "閲覧期間は1以上の数です");
  if (w.unit != 'D' && w.unit != 'M' && w.unit != 'Y')
    return Status::Fail("E_CLINICAL_WINDOW", "unit", "閲覧期間の単位は D（日）, M（月）, Y（年）のいずれかです");
  return {};
}

bool same_contents(const ClinicalRecord& stored, const ClinicalPut& p) {
  return stored.person_link == p.person_link && stored.card_key == p.card_key &&
         stored.record_date == p.record_date && stored.payload == p.payload;
}

}  // namespace onshi::store::detail
