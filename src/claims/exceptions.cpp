// R-CONF-8: the exceptions where the paper card, not the system, was right (seed 000 §3,
// 「オンライン資格確認等システム上の情報よりも被保険者証等が正しいとする例外事例」). A claim whose own
// qualification covers its dates is ACCEPTed with the exception's reason code when the
// system could not have shown at reception what the claim was written from.
//
// Every exception is read from the history's recorded times (a version records when onshi
// learned it): the first version, in recorded order, that carried what the claim used — the
// qualification covering the first service date, the 高齢受給者証 with the claim's ratio, the
// 特定疾病療養受療証 of the claim's category — was recorded on or after the day of care. The
// fifth exception of the seed, 個人番号の未提出, needs no rule here: a qualification without a
// My Number is matched by its card numbers like any other and is never returned for that.
// Before full operation (core/rule_dates.h) the system's data were not taken as correct, so
// there is no exception to make: such claims are plain OK.
#include "claims/detail.h"
#include "core/date.h"
#include "core/rule_dates.h"

namespace onshi::claims::detail {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000;

std::string str(int32_t v) { return std::to_string(v); }

core::Date date_of(int32_t v) { return core::Date::from_ymd(v / 10000, v / 100 % 100, v % 100); }

std::optional<PaperCard> qualification_exception(const History::Impl& h, const PaperCardQuery& q) {
  const KeyEntry& k = h.keys[q.key];
  const Version* first = nullptr;  // the first version (as recorded) that covered the first day
  for (uint32_t i = k.first_version; i < k.end_version; ++i) {
    if (h.versions[i].covers(q.first_day)) {
      first = &h.versions[i];
      break;
    }
  }
  if (!first) return std::nullopt;
  const int64_t end = q.day_start_us + kDayUs;
  if (first->qualification_date == q.first_day && first->issuance_date == q.first_day &&
      first->recorded_at_us >= q.day_start_us) {
    return PaperCard{"SAME_DAY_ISSUE", "資格取得日 " + str(q.first_day) +
                                           " に窓口で即日発行された被保険者証を同日に使用 (登録 " +
                                           core::timestamp_jst(first->recorded_at_us) + ")"};
  }
  if (first->recorded_at_us < end) return std::nullopt;
  auto it = h.insurer_first_recorded_us.find(std::string(q.insurer));
  bool new_insurer = it != h.insurer_first_recorded_us.end() && it->second >= end;
  std::string when = core::timestamp_jst(first->recorded_at_us);
  if (new_insurer) {
    return PaperCard{"LATE_NEW_INSURER", "新設保険者の資格情報登録遅れ: 保険者 " +
                                             std::string(q.insurer) + " の最初の登録は " + when +
                                             "、診療日 " + str(q.first_day) + " より後"};
  }
  return PaperCard{"LATE_REGISTRATION",
                   "資格情報の登録遅れ: 登録 " + when + " は診療日 " + str(q.first_day) + " より後"};
}

// 所得区分を変更した日に高齢受給者証を窓口で発行（即日発行）し、同日に導入医療機関等を利用: the current
// data hold a 高齢受給者証 with the claim's ratio, issued and valid from the first day of care,
// and the first version that carried it was recorded that day or later.
std::optional<PaperCard> elderly_exception(const History::Impl& h, const PaperCardQuery& q) {
  if (q.elderly_ratio == 0) return std::nullopt;
  const Version& cur = h.current(q.key);
  if (cur.elderly_ratio != q.elderly_ratio || cur.elderly_date != q.first_day ||
      cur.elderly_start != q.first_day)
    return std::nullopt;
  const KeyEntry& k = h.keys[q.key];
  for (uint32_t i = k.first_version; i < k.end_version; ++i) {
    const Version& v = h.versions[i];
    if (v.elderly_ratio != q.elderly_ratio || v.elderly_date != q.first_day) continue;
    if (v.recorded_at_us < q.day_start_us) return std::nullopt;  // known before reception
    return PaperCard{"ELDERLY_SAME_DAY_ISSUE",
                     "所得区分の変更日 " + str(q.first_day) + " に窓口で即日発行された高齢受給者証 (" +
                         str(q.elderly_ratio) + "割) を同日に使用 (登録 " +
                         core::timestamp_jst(v.recorded_at_us) + ")"};
  }
  return std::nullopt;
}

const Disease* disease_of(const History::Impl& h, const Version& v, std::string_view category,
                          int32_t certificate_date) {
  if (v.diseases < 0) return nullptr;
  for (const Disease& d : h.diseases[static_cast<size_t>(v.diseases)])
    if (d.category == category && (certificate_date == 0 || d.certificate_date == certificate_date))
      return &d;
  return nullptr;
}

// 特定疾病療養受療証の対象者として登録した日に、特定疾病療養受療証を窓口で発行し（即日発行）、同日に
// 導入医療機関等を利用: the current data hold the claim's category issued and valid from the first
// day of care, first recorded that day or later.
std::optional<PaperCard> disease_exception(const History::Impl& h, const PaperCardQuery& q) {
  if (q.disease.empty()) return std::nullopt;
  const Disease* now = disease_of(h, h.current(q.key), q.disease, q.first_day);
  if (!now || (now->valid_start != 0 && now->valid_start != q.first_day)) return std::nullopt;
  const KeyEntry& k = h.keys[q.key];
  for (uint32_t i = k.first_version; i < k.end_version; ++i) {
    const Version& v = h.versions[i];
    if (!disease_of(h, v, q.disease, q.first_day)) continue;
    if (v.recorded_at_us < q.day_start_us) return std::nullopt;
    return PaperCard{"SPECIFIC_DISEASE_SAME_DAY_ISSUE",
                     "対象者登録日 " + str(q.first_day) + " に窓口で即日発行された特定疾病療養受療証 (" +
                         std::string(q.disease) + ") を同日に使用 (登録 " +
                         core::timestamp_jst(v.recorded_at_us) + ")"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<PaperCard> paper_card_exception(const History::Impl& h, const PaperCardQuery& q) {
  // Before the system held any data there was nothing to confirm against, and before full
  // operation its data were not taken as correct: plain coverage.
  if (h.system_start_us == 0 || h.system_start_us >= q.day_start_us + kDayUs) return std::nullopt;
  if (!core::in_full_operation(date_of(q.first_day))) return std::nullopt;
  if (auto e = qualification_exception(h, q)) return e;
  if (auto e = elderly_exception(h, q)) return e;
  return disease_exception(h, q);
}

std::string certificate_note(const History::Impl& h, const PaperCardQuery& q) {
  const Version& cur = h.current(q.key);
  std::string note;
  if (q.elderly_ratio != 0 && cur.elderly_ratio != q.elderly_ratio) {
    note = "請求の高齢受給者証負担割合 " + str(q.elderly_ratio) + "割は登録内容 (" +
           (cur.elderly_ratio ? str(cur.elderly_ratio) + "割" : std::string("なし")) +
           ") と異なります";
  }
  if (!q.disease.empty()) {
    const Disease* d = disease_of(h, cur, q.disease, 0);
    bool valid = d && (d->valid_start == 0 || d->valid_start <= q.first_day) &&
                 q.first_day <= d->valid_end;
    if (!valid) {
      if (!note.empty()) note += "; ";
      note += "請求の特定疾病 " + std::string(q.disease) + " は診療日に有効な登録がありません";
    }
  }
  return note;
}

}  // namespace onshi::claims::detail
