// The 医療扶助 part of a claim (R-CLM-3, seed 004 §1): the recipient and the month's ticket.
//
// A recipient is a qualification in the history like any member (InsurerNumber = the office's
// 公費負担者番号, the 受給者番号, no symbol or branch), so the recipient's coverage and person
// are read from the in-memory History; the tickets are read per claim from the ticket store
// (indexed by recipient). The rules, in order:
//   1. no recipient under the claim's numbers → RETURN (reception was shown 該当資格なし and had
//      to ask the office);
//   2. the recipient covers every service date, names the person, and a ticket of the service
//      month designating the claiming institution is valid on those dates → OK;
//   3. otherwise, the institution confirmed this recipient online and the system, as known at
//      that moment, covered the dates and held such a ticket (the contracted answer with the
//      受給者番号) → ACCEPT: "導入医療機関等は、当該システム上の情報が原則正しいと判断し、
//      レセプト請求を行ってください";
//   4. otherwise a recipient covered but without the institution's ticket → RETURN with what
//      is missing; a person mismatch → RETURN;
//   5. not covered: the same person (person link) under another 公費負担者番号 covering every
//      date → REASSIGN to that office (転居); else RETURN.
// "As known at that moment" is the bitemporal read the insured rules use: the recipient's
// version and the tickets recorded at or before the confirmation's audit entry.
#include "core/medical_aid.h"

#include <algorithm>

#include "claims/rules_detail.h"

namespace onshi::claims::detail {
namespace {

constexpr int64_t kNow = INT64_MAX;

// What the tickets of the month say for the claiming institution.
enum class TicketState { kValid, kNone, kNotDesignated, kNotValidOnDates };

// No ticket store (a data directory where no office ever registered a ticket): no tickets.
Result<TicketState> ticket_state(store::TicketStore* tickets, const Parsed& p,
                                 int64_t known_at_us) {
  if (!tickets) return TicketState::kNone;
  auto list = tickets->tickets_of(p.aid_insurer, p.aid_number, known_at_us);
  if (!list.ok()) return list.error();
  const std::string first = str(p.fi), last = str(p.li);
  // A pharmacy (点数表 4) is contracted by a 調剤券, any other institution by a 医療券.
  const std::string_view type = p.institution[2] == '4' ? "02" : "01";
  TicketState state = TicketState::kNone;
  for (const auto& v : *list) {
    const core::MedicalTicket& t = v.ticket;
    if (t.medical_treatment_month != p.month) continue;
    if (t.designated_code != p.institution || t.ticket_type != type) {
      if (state == TicketState::kNone) state = TicketState::kNotDesignated;
      continue;
    }
    if (t.valid_on(first) && t.valid_on(last)) return TicketState::kValid;
    state = TicketState::kNotValidOnDates;
  }
  return state;
}

Verdict store_failure(const Error& e) {
  return {Outcome::kReturn, "E_STORE", "医療券・監査ログを参照できませんでした: " + e.message};
}

std::string numbers(const Parsed& p) {
  return "公費負担者番号 " + p.aid_insurer + "・受給者番号 " + p.aid_number;
}

Verdict ticket_return(TicketState s, const Parsed& p) {
  const std::string ask = "。福祉事務所に照会してください";
  switch (s) {
    case TicketState::kNone:
      return {
          Outcome::kReturn, "AID_NO_TICKET",
          "診療年月 " + p.month + " の医療券・調剤券が登録されていません (有効（未登録）)" + ask};
    case TicketState::kNotDesignated:
      return {Outcome::kReturn, "AID_NOT_DESIGNATED",
              "診療年月 " + p.month + " の医療券・調剤券は医療機関等 " + p.institution +
                  " を指定していません (未委託: 受給者番号は表示されません)" + ask};
    default:
      return {Outcome::kReturn, "AID_TICKET_NOT_VALID",
              "医療券・調剤券の有効期間が診療日 " + str(p.fi) + "-" + str(p.li) + " を含みません" +
                  ask};
  }
}

// Step 3: the latest confirmation of this recipient by the claiming institution, asked for a
// date of the service month up to the last service date, whose answer was "valid" and for
// which the system as known then covered the dates and held the institution's ticket.
Result<std::optional<int64_t>> confirmed_contracted(const History::Impl& h, store::Store& store,
                                                    store::TicketStore* tickets, uint32_t key,
                                                    const Parsed& p) {
  const uint64_t own = institution_number(p.institution);
  const int32_t from = to_int(p.month_start);
  std::vector<int64_t> times;  // candidates, oldest first
  Status st = store.scan_audit_by_subject(h.key(key), [&](const store::AuditEntry& e) {
    auto c = logged_confirmation(e);
    if (c && c->institution == own && c->date >= from && c->date <= p.li &&
        c->validity == core::QualificationValidity::kValid)
      times.push_back(e.time_us);
    return true;
  });
  if (!st.ok()) return st.error();
  for (auto it = times.rbegin(); it != times.rend(); ++it) {
    const Version* v = h.as_of(key, *it);
    if (!v || !v->covers(p.fi) || !v->covers(p.li)) continue;
    if (person_match(h, *v, p).match == Match::kDifferent) continue;
    auto state = ticket_state(tickets, p, *it);
    if (!state.ok()) return state.error();
    if (*state == TicketState::kValid) return std::optional<int64_t>(*it);
  }
  return std::optional<int64_t>();
}

// Step 5: another office's recipient of the same person covering every date (the latest
// 保護開始 when several do), or -1.
int64_t moved_to(const History::Impl& h, uint32_t key, const Parsed& p) {
  int64_t best = -1;
  for (uint32_t k : h.keys_of_person(h.keys[key].link)) {
    std::string_view other = h.key(k);
    std::string_view insurer = other.substr(0, other.find('\x1f'));
    if (k == key || !core::is_medical_aid_number(insurer) || insurer == p.aid_insurer) continue;
    const Version& v = h.current(k);
    if (!v.covers(p.fi) || !v.covers(p.li)) continue;
    if (best < 0 ||
        v.qualification_date > h.current(static_cast<uint32_t>(best)).qualification_date)
      best = k;
  }
  return best;
}

Verdict reassign(const History::Impl& h, store::TicketStore* tickets, uint32_t key, uint32_t target,
                 const Parsed& p, ResultRow& row, bool aid_only) {
  ResultRow to;
  set_numbers_from_key(to, h.key(target));
  row.public_expense_number = to.insurer_number;
  row.beneficiary_number = to.insured_identification_number;
  if (aid_only) {
    row.insurer_number = to.insurer_number;
    row.insured_identification_number = to.insured_identification_number;
  }
  const Version& old = h.current(key);
  Parsed moved = p;
  moved.aid_insurer = to.insurer_number;
  moved.aid_number = to.insured_identification_number;
  auto state = ticket_state(tickets, moved, kNow);
  std::string ticket = state.ok() && *state == TicketState::kValid
                           ? "移管先の医療券・調剤券があります"
                           : "移管先の医療券・調剤券は未登録です";
  return {Outcome::kReassign, "AID_REASSIGNED",
          "振替: 同じ方が公費負担者番号 " + to.insurer_number + " (保護開始 " +
              str(h.current(target).qualification_date) + ") の受給者です (請求の受給者は 廃止 " +
              (old.disqualification_date == kOpenEnd ? std::string("なし")
                                                     : str(old.disqualification_date)) +
              "); " + ticket};
}

}  // namespace

Verdict judge_medical_aid(const History::Impl& h, store::Store& store, store::TicketStore* tickets,
                          const Parsed& p, ResultRow& row, Summary& summary) {
  row.public_expense_number = p.aid_insurer;
  row.beneficiary_number = p.aid_number;
  const int64_t found = h.find(p.aid_key);
  if (found < 0)
    return {
        Outcome::kReturn, "AID_NOT_REGISTERED",
        numbers(p) + " の受給者は登録されていません (該当資格なし)。福祉事務所に照会してください"};
  const uint32_t key = static_cast<uint32_t>(found);
  const Version& cur = h.current(key);
  const PersonCheck person = person_match(h, cur, p);
  const bool covered = cur.covers(p.fi) && cur.covers(p.li);
  TicketState now = TicketState::kNone;
  if (covered && person.match != Match::kDifferent) {
    auto state = ticket_state(tickets, p, kNow);
    if (!state.ok()) return store_failure(state.error());
    now = *state;
    if (now == TicketState::kValid) {
      if (person.match == Match::kKanji)
        return {Outcome::kAccept, "KANJI_CONVERSION",
                "記録された漢字の自動変換 (" + person.detail + ") による差異のみ"};
      return {Outcome::kOk, "AID_COVERED",
              "受給者の保護期間と診療年月の医療券・調剤券 (指定医療機関等 " + p.institution +
                  ") が診療日のすべてを満たしています"};
    }
  }
  summary.confirmation_lookups += 1;
  auto conf = confirmed_contracted(h, store, tickets, key, p);
  if (!conf.ok()) return store_failure(conf.error());
  if (*conf)
    return {
        Outcome::kAccept, "AID_CONFIRMED_ONLINE",
        "医療機関等が " + core::timestamp_jst(**conf) +
            " にオンライン資格確認し、当時のシステム上の情報 (受給者・医療券) が診療日を満たして"
            "いました; その後変更されています"};
  if (person.match == Match::kDifferent)
    return {Outcome::kReturn, "PERSON_MISMATCH",
            person.detail + ": 請求の内容が登録されている受給者と一致しません"};
  if (covered) return ticket_return(now, p);
  summary.person_lookups += 1;
  if (int64_t target = h.keys[key].link.empty() ? -1 : moved_to(h, key, p); target >= 0)
    return reassign(h, tickets, key, static_cast<uint32_t>(target), p, row, p.aid_only);
  return {Outcome::kReturn, "AID_NOT_COVERED",
          numbers(p) + " の保護期間 (保護開始 " + str(cur.qualification_date) + "、廃止 " +
              (cur.disqualification_date == kOpenEnd ? std::string("なし")
                                                     : str(cur.disqualification_date)) +
              ") は診療日を満たしていません。福祉事務所に照会してください"};
}

}  // namespace onshi::claims::detail
