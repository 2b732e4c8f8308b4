// The rules of the claims check: one claim in, its Result rows out (docs/claims.md).
//
// The order of the rules is the decision (research/domain-rules.md §10, seed 000 §1, §3):
//   1. a claim that cannot be read is RETURNed with a parse reason (E_…);
//   2. when the claim's own qualification, as the insurer's data stand now, covers every
//      service date and names the same person, it stands — never moved (the rule since the
//      2022-02 claims) — and is OK, or ACCEPT when an R-CONF-8 exception shows the system
//      did not know it on the day of care (same-day issue, late registration) or when the
//      name differs only by a recorded kanji conversion;
//   3. otherwise, when the institution (or, for a pharmacy without the system, the
//      prescribing institution) confirmed this card online and the system *as known at that
//      moment* covered the dates for that person, the claim is ACCEPTed (R-CONF-6, R-CLM-1):
//      what reception was shown counts, not what was corrected later;
//   4. otherwise the same person's qualifications (by person link) are laid over the dates,
//      day by day: one other qualification → REASSIGN (振替), several → SPLIT (分割) into
//      date-contiguous parts, a day covered by none → RETURN (R-CLM-2).
// Everything is integer work on the in-memory History except step 3, which reads the audit
// log of one card key through its index, and only for claims steps 1–2 did not settle.
// A claim with a 医療扶助 part (R-CLM-3) has that part judged by medical_aid.cpp — alone when
// InsurerNumber is the 公費負担者番号, else beside the insurance part, the worse one deciding.
#include <algorithm>
#include <cstring>

#include "claims/rules_detail.h"
#include "core/date.h"
#include "core/rule_dates.h"
#include "core/numbers.h"
#include "core/qualification.h"

namespace onshi::claims {
namespace {

using detail::from_int;
using detail::kDayUs;
using detail::Match;
using detail::Parsed;
using detail::PersonCheck;
using detail::start_of_day_us;
using detail::str;
using detail::to_int;
using detail::Verdict;
using detail::Version;

// ---- the person: birth date, sex, name (with recorded kanji conversions) ----

// Code points of `s` as UTF-8 substrings, spaces (ASCII and U+3000) left out.
std::vector<std::string_view> chars_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + n > s.size()) n = s.size() - i;
    std::string_view ch = s.substr(i, n);
    if (ch != " " && ch != "\xE3\x80\x80") out.push_back(ch);
    i += n;
  }
  return out;
}

Match name_match(const History::Impl& h, const Version& v, std::string_view claim_name,
                 std::string* why) {
  if (claim_name == v.name) return Match::kSame;
  std::string a = core::normalize_card_field(claim_name);
  std::string b = core::normalize_card_field(v.name);
  auto ca = chars_of(a);
  auto cb = chars_of(b);
  if (ca == cb) return Match::kSame;
  if (ca.size() != cb.size() || v.conversions < 0) return Match::kDifferent;
  // Every differing character must be a recorded conversion: the claim carries the
  // original (as on the insurer's system and the paper card), the registry the replacement.
  const auto& convs = h.conversions[static_cast<size_t>(v.conversions)];
  std::string used;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (ca[i] == cb[i]) continue;
    bool ok = false;
    for (const auto& c : convs) {
      if (!c.field.empty() && c.field != "Name") continue;
      if (c.original == ca[i] && c.replacement == cb[i]) {
        ok = true;
        if (!used.empty()) used += "、";
        used += c.original + "→" + c.replacement;
        break;
      }
    }
    if (!ok) return Match::kDifferent;
  }
  if (why) *why = used;
  return Match::kKanji;
}

}  // namespace

PersonCheck detail::person_match(const History::Impl& h, const Version& v, const Parsed& p) {
  if (v.birthdate != p.birthdate) return {Match::kDifferent, "Birthdate"};
  if (v.sex1 != 0 && v.sex1 != p.sex1) return {Match::kDifferent, "Sex1"};
  PersonCheck r;
  r.match = name_match(h, v, p.name, &r.detail);
  if (r.match == Match::kDifferent) r.detail = "Name";
  return r;
}

namespace {
using detail::person_match;

// ---- R-CONF-6 / R-CLM-1: what reception was shown ----

struct Confirmation {
  bool by_prescriber = false;
  int64_t time_us = 0;
  std::string date;
};

Result<std::optional<Confirmation>> confirmed_online(const History::Impl& h, store::Store& store,
                                                     uint32_t key, const Parsed& p) {
  // Reception confirms at the month's first visit; a prescription is dispensed within four
  // days of its issue, possibly across the month's start.
  const bool pharmacy = p.institution.size() == 10 && p.institution[2] == '4';
  const int32_t own_from = to_int(p.month_start);
  const int32_t rx_from = to_int(std::min(p.month_start, p.first.add_days(-4)));
  const uint64_t own_number = detail::institution_number(p.institution);
  const uint64_t rx_number = pharmacy ? detail::institution_number(p.prescriber) : 0;
  std::optional<Confirmation> own_hit, rx_hit;
  bool own_seen = false;
  // One confirmation; entries come oldest first, so the latest hit is kept.
  auto consider = [&](uint64_t inst, int64_t time_us, int32_t d) {
    bool is_own = inst == own_number;
    bool is_rx = rx_number != 0 && inst == rx_number;
    if (!is_own && !is_rx) return;
    if (d > p.li || d < (is_own ? own_from : rx_from)) return;
    if (is_own) own_seen = true;
    const Version* v = h.as_of(key, time_us);
    if (!v || !v->covers(p.fi) || !v->covers(p.li)) return;
    if (person_match(h, *v, p).match == Match::kDifferent) return;
    (is_own ? own_hit : rx_hit) = Confirmation{!is_own, time_us, str(d)};
  };
  // Confirmations inside the preloaded window are in memory; older ones are read from the
  // audit log of this card key (indexed). Reception's date may lag the recorded time by a
  // day around midnight, hence the margin.
  if (start_of_day_us(from_int(rx_from)) - kDayUs >= h.confirmations_from_us) {
    auto lo = std::lower_bound(h.confirmations.begin(), h.confirmations.end(), key,
                               [](const detail::Confirmation& c, uint32_t k) { return c.key < k; });
    for (auto it = lo; it != h.confirmations.end() && it->key == key; ++it) {
      consider(it->institution, it->time_us, it->date);
    }
  } else {
    Status st = store.scan_audit_by_subject(h.key(key), [&](const store::AuditEntry& e) {
      if (auto c = detail::logged_confirmation(e)) consider(c->institution, e.time_us, c->date);
      return true;
    });
    if (!st.ok()) return st.error();
  }
  if (own_hit) return own_hit;
  if (!own_seen && rx_hit) return rx_hit;  // a pharmacy without the system
  return std::optional<Confirmation>();
}

}  // namespace

void detail::set_numbers_from_key(ResultRow& r, std::string_view key) {
  std::string_view parts[4];
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= key.size() && n < 4; ++i) {
    if (i == key.size() || key[i] == '\x1f') {
      parts[n++] = key.substr(start, i - start);
      start = i + 1;
    }
  }
  r.insurer_number = parts[0];
  r.insured_card_symbol = parts[1];
  r.insured_identification_number = parts[2];
  r.insured_branch_number = parts[3];
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "OK";
    case Outcome::kAccept:
      return "ACCEPT";
    case Outcome::kReassign:
      return "REASSIGN";
    case Outcome::kSplit:
      return "SPLIT";
    case Outcome::kReturn:
      return "RETURN";
  }
  return "RETURN";
}

namespace {

using detail::set_numbers_from_key;

// 枝番特定: a claim without 枝番 names the member of the card whose birth date it carries,
// when exactly one does; -1 otherwise. Sets the row's numbers and `note` when found.
int64_t identify_branch(const History::Impl& h, const Parsed& p, ResultRow& row,
                        std::string& note) {
  std::string prefix = core::make_card_key(p.insurer, p.symbol, p.number, "");
  int64_t only = -1;
  int matches = 0;
  for (uint32_t k : h.find_prefix(prefix)) {
    if (h.current(k).birthdate == p.birthdate) {
      only = k;
      ++matches;
    }
  }
  if (matches != 1) return -1;
  set_numbers_from_key(row, h.key(static_cast<uint32_t>(only)));
  note = "枝番 " + row.insured_branch_number + " を生年月日から特定";
  return only;
}

// 2. The claim's own qualification covers the dates (never moved, R-CLM-2).
Verdict own_qualification(const History::Impl& h, uint32_t key, const Parsed& p,
                          const PersonCheck& person, bool branch_identified) {
  std::string kanji = person.match == Match::kKanji
                          ? "記録された漢字の自動変換 (" + person.detail + ") による差異のみ"
                          : std::string();
  const detail::PaperCardQuery q{key,        p.fi,         start_of_day_us(p.first),
                                 p.insurer, p.elderly_ratio, p.disease};
  if (auto ex = detail::paper_card_exception(h, q)) {  // R-CONF-8
    return {Outcome::kAccept, ex->code, kanji.empty() ? ex->message : ex->message + "; " + kanji};
  }
  std::string note = detail::certificate_note(h, q);
  if (!note.empty()) note = "; " + note;
  if (person.match == Match::kKanji) return {Outcome::kAccept, "KANJI_CONVERSION", kanji + note};
  if (branch_identified)
    return {Outcome::kOk, "BRANCH_IDENTIFIED", "資格は診療日のすべてを満たしています" + note};
  return {Outcome::kOk, "COVERED", "資格は診療日のすべてを満たしています" + note};
}

// 3. What the system showed at reception (R-CONF-6, R-CLM-1); nullopt when no confirmation
// made then covered the dates.
std::optional<Verdict> at_reception(const History::Impl& h, store::Store& store, uint32_t key,
                                    const Parsed& p, bool covered, Summary& summary) {
  // Before full operation (プレ運用) claims followed the old handling: what the system showed
  // at reception was not taken as correct (seed 000 §1, core/rule_dates.h).
  if (!core::in_full_operation(p.first)) return std::nullopt;
  summary.confirmation_lookups += 1;
  auto conf = confirmed_online(h, store, key, p);
  if (!conf.ok())
    return Verdict{Outcome::kReturn, "E_STORE",
                   "監査ログを参照できませんでした: " + conf.error().message};
  if (!*conf) return std::nullopt;
  const Confirmation& c = **conf;
  std::string what = covered ? "登録内容はその後変更されています" : "資格はその後変更されています";
  if (c.by_prescriber) {
    return Verdict{Outcome::kAccept, "CONFIRMED_BY_PRESCRIBER",
                   "処方元 " + p.prescriber + " が " + core::timestamp_jst(c.time_us) +
                       " にオンライン資格確認し、当時の資格が診療日を満たしていました; " + what};
  }
  return Verdict{Outcome::kAccept, "CONFIRMED_ONLINE",
                 "医療機関等が " + core::timestamp_jst(c.time_us) +
                     " にオンライン資格確認し、当時の資格が診療日を満たしていました; " + what};
}

// The days of the claim, each given to the qualification that covers it: the claim's own
// where it is valid, else the person's other one with the latest 資格取得日.
struct Part {
  int64_t key = -1;
  int32_t from = 0, to = 0;
};
struct Partition {
  std::vector<Part> parts;
  bool any_gap = false, any_covered = false, ambiguous = false;
};

// The qualification of the person that covers day `di` (-1: none); counts the candidates.
int64_t pick_for_day(const History::Impl& h, const Version& cur, uint32_t key,
                     const std::vector<uint32_t>& mine, int32_t di, int& candidates) {
  if (cur.covers(di)) return key;  // the claim's own qualification wins where it is valid
  int64_t pick = -1;
  for (uint32_t k : mine) {
    const Version& v = h.current(k);
    if (!v.covers(di)) continue;
    ++candidates;
    if (pick < 0) {
      pick = k;
      continue;
    }
    const Version& best = h.current(static_cast<uint32_t>(pick));
    if (std::tie(v.qualification_date, v.issuance_date) >
        std::tie(best.qualification_date, best.issuance_date)) {
      pick = k;
    }
  }
  return pick;
}

Partition partition(const History::Impl& h, const Version& cur, uint32_t key,
                    const std::vector<uint32_t>& mine, const Parsed& p) {
  Partition out;
  for (core::Date d = p.first; d <= p.last; d = d.add_days(1)) {
    int32_t di = to_int(d);
    int candidates = 0;
    int64_t pick = pick_for_day(h, cur, key, mine, di, candidates);
    if (candidates > 1) out.ambiguous = true;
    if (pick < 0) {
      out.any_gap = true;
      continue;
    }
    out.any_covered = true;
    auto& parts = out.parts;
    if (!parts.empty() && parts.back().key == pick && parts.back().to == to_int(d.add_days(-1))) {
      parts.back().to = di;
    } else {
      parts.push_back(Part{pick, di, di});
    }
  }
  return out;
}

// 4. The same person's qualifications over the dates (振替・分割, R-CLM-2); a split replaces
// `rows` by one row per part.
Verdict reassign_or_split(const History::Impl& h, uint32_t key, const Parsed& p,
                          std::vector<ResultRow>& rows, Summary& summary) {
  const Version& cur = h.current(key);
  const detail::Link link = h.keys[key].link;
  std::string lost = cur.disqualification_date != detail::kOpenEnd
                         ? "資格喪失日 " + str(cur.disqualification_date)
                         : "資格取得日 " + str(cur.qualification_date);
  if (link.empty()) {
    return {Outcome::kReturn, "NOT_COVERED",
            "資格は診療日を満たしていません (" + lost +
                ")。個人番号の登録がなく他の資格を確認できません"};
  }
  summary.person_lookups += 1;
  Partition split = partition(h, cur, key, h.keys_of_person(link), p);
  if (split.any_gap) {
    if (split.any_covered)
      return {Outcome::kReturn, "PARTLY_COVERED",
              "診療日の一部にどの資格もありません (" + lost + ")"};
    return {Outcome::kReturn, "NOT_COVERED",
            "資格は診療日を満たしておらず、同じ方の他の資格もありません (" + lost + ")"};
  }
  const std::string note =
      split.ambiguous ? "; 複数の資格が有効なため資格取得日の新しい資格を選択" : "";
  const auto& parts = split.parts;
  if (parts.size() == 1) {
    set_numbers_from_key(rows[0], h.key(static_cast<uint32_t>(parts[0].key)));
    const Version& t = h.current(static_cast<uint32_t>(parts[0].key));
    return {Outcome::kReassign, "REASSIGNED",
            "振替: 同じ方の資格 (資格取得日 " + str(t.qualification_date) +
                ") が診療日を満たしています (請求の資格は " + lost + ")" + note};
  }
  const ResultRow first = rows[0];
  rows.assign(parts.size(), first);
  for (size_t i = 0; i < parts.size(); ++i) {
    ResultRow& r = rows[i];
    set_numbers_from_key(r, h.key(static_cast<uint32_t>(parts[i].key)));
    r.from_date = str(parts[i].from);
    r.to_date = str(parts[i].to);
    r.reason_code = "SPLIT_BY_QUALIFICATION";
    r.message = "分割 " + std::to_string(i + 1) + "/" + std::to_string(parts.size()) + ": " +
                str(parts[i].from) + "-" + str(parts[i].to) +
                (parts[i].key == key ? " は請求の資格" : " は同じ方の他の資格") + note;
  }
  return {Outcome::kSplit, "SPLIT_BY_QUALIFICATION", ""};
}

// The row's numbers and dates: as parsed, or as the claim carries them when it is unusable.
void set_claim_numbers(ResultRow& row, const Claim& claim, const Parsed* p) {
  row.insurer_number = p ? p->insurer : claim.insurer_number;
  row.insured_card_symbol = p ? p->symbol : claim.insured_card_symbol;
  row.insured_identification_number = p ? p->number : claim.insured_identification_number;
  row.insured_branch_number = p ? p->branch : claim.insured_branch_number;
  row.from_date = p ? str(p->fi) : claim.first_service_date;
  row.to_date = p ? str(p->li) : claim.last_service_date;
  row.public_expense_number = p ? p->aid_insurer : claim.public_expense_number;
  row.beneficiary_number = p ? p->aid_number : claim.beneficiary_number;
}

// R-CONF-9: the claim's numbers are not registered, but they are a re-split of exactly one
// registered qualification of the same person (name and birth date): the card's layout was
// misread. RETURN with the registered numbers proposed in the row — never paid under them.
std::optional<Verdict> layout_misread(const History::Impl& h, const Parsed& p, ResultRow& row) {
  int64_t only = -1;
  for (uint32_t k : detail::layout_candidates(h, p.insurer, p.symbol, p.number, p.branch)) {
    if (person_match(h, h.current(k), p).match == Match::kDifferent) continue;
    if (only >= 0) return std::nullopt;  // several members fit: nothing to propose
    only = k;
  }
  if (only < 0) return std::nullopt;
  const std::string claimed = "記号 " + p.symbol + " 番号 " + p.number +
                              (p.branch.empty() ? "" : " 枝番 " + p.branch);
  set_numbers_from_key(row, h.key(static_cast<uint32_t>(only)));
  return Verdict{Outcome::kReturn, "CARD_LAYOUT_MISREAD",
                 "被保険者証の券面の読み違いの可能性: 請求の " + claimed +
                     " は登録されていません。同じ方の登録 (記号 " + row.insured_card_symbol +
                     " 番号 " + row.insured_identification_number + " 枝番 " +
                     row.insured_branch_number + ") を確認して請求し直してください"};
}

// Steps 2–4 for the claim's insurance card key.
Verdict judge_insurance(const History::Impl& h, store::Store& store, const Parsed& p,
                        std::vector<ResultRow>& rows, std::string& branch_note,
                        Summary& summary) {
  int64_t found = h.find(p.card_key);
  if (found < 0 && p.branch.empty()) found = identify_branch(h, p, rows[0], branch_note);
  if (found < 0) {
    if (auto misread = layout_misread(h, p, rows[0])) return std::move(*misread);  // R-CONF-9
    return {Outcome::kReturn, "NOT_REGISTERED",
            "請求の保険者番号・記号・番号・枝番の資格は登録されていません"};
  }
  const uint32_t key = static_cast<uint32_t>(found);
  const Version& cur = h.current(key);
  const PersonCheck person = person_match(h, cur, p);
  const bool covered = cur.covers(p.fi) && cur.covers(p.li);
  if (covered && person.match != Match::kDifferent)
    return own_qualification(h, key, p, person, !branch_note.empty());
  if (auto v = at_reception(h, store, key, p, covered, summary)) return std::move(*v);
  if (person.match == Match::kDifferent)
    return {Outcome::kReturn, "PERSON_MISMATCH",
            person.detail + ": 請求の内容が登録されている加入者と一致しません"};
  return reassign_or_split(h, key, p, rows, summary);
}

// 医療扶助 併用 (R-CLM-3): the worse of the two parts decides the claim, in the order of
// Outcome (RETURN > SPLIT > REASSIGN > ACCEPT > OK); every row carries the 医療扶助 numbers and
// both parts' explanations. A split claim whose 医療扶助 part is RETURNed is one row.
Verdict combine(const Verdict& ins, const Verdict& aid, const ResultRow& aid_row,
                const Claim& claim, const Parsed& p, std::vector<ResultRow>& rows) {
  const std::string aid_note = "医療扶助: " + aid.message;
  const std::string ins_note =
      "保険: " + (ins.message.empty() ? std::string(outcome_name(ins.outcome)) + " " + ins.code
                                      : ins.message);
  if (aid.outcome == Outcome::kReturn && rows.size() > 1) {
    rows.resize(1);
    rows[0].reason_code.clear();
    rows[0].message.clear();
    set_claim_numbers(rows[0], claim, &p);
  }
  for (auto& r : rows) {
    r.public_expense_number = aid_row.public_expense_number;
    r.beneficiary_number = aid_row.beneficiary_number;
    if (!r.message.empty()) r.message += "; " + aid_note;
  }
  if (aid.outcome > ins.outcome) return {aid.outcome, aid.code, aid_note + "; " + ins_note};
  return {ins.outcome, ins.code, ins.message + "; " + aid_note};
}

// The claim's verdict: parse (step 1), then its insurance part, its 医療扶助 part, or both;
// fills the rows' numbers as it goes.
Verdict judge(const History::Impl& h, store::Store& store, store::TicketStore* tickets,
              const Claim& claim, std::vector<ResultRow>& rows, std::string& note,
              Summary& summary) {
  Parsed p;
  if (auto fail = detail::parse(claim, p)) {
    set_claim_numbers(rows[0], claim, nullptr);
    return {Outcome::kReturn, fail->code, fail->message};
  }
  set_claim_numbers(rows[0], claim, &p);
  if (p.aid_only) return detail::judge_medical_aid(h, store, tickets, p, rows[0], summary);
  Verdict v = judge_insurance(h, store, p, rows, note, summary);
  if (!p.other_public_expense.empty()) {
    if (!note.empty()) note += "; ";
    note += "公費負担者番号 " + p.other_public_expense + " は医療扶助ではないため照合していません";
  }
  if (!p.has_aid()) return v;
  ResultRow aid_row = rows[0];
  Verdict aid = detail::judge_medical_aid(h, store, tickets, p, aid_row, summary);
  return combine(v, aid, aid_row, claim, p, rows);
}

}  // namespace

std::vector<ResultRow> check_claim(const History& history, store::Store& store, const Claim& claim,
                                   Summary& summary, store::TicketStore* tickets) {
  std::vector<ResultRow> rows(1);
  rows[0].claim_id = claim.claim_id;
  std::string note;  // 枝番特定, or a 公費 not checked: said on every row
  Verdict v = judge(history.impl(), store, tickets, claim, rows, note, summary);
  for (auto& r : rows) {
    r.result = v.outcome;
    if (r.reason_code.empty()) r.reason_code = v.code;
    if (r.message.empty()) r.message = v.message;
    if (!note.empty() && r.message.find(note) == std::string::npos) r.message += "; " + note;
  }
  summary.claims += 1;
  summary.rows += static_cast<int64_t>(rows.size());
  summary.by_outcome[static_cast<size_t>(v.outcome)] += 1;
  return rows;
}

void Summary::add(const Summary& o) {
  claims += o.claims;
  rows += o.rows;
  for (size_t i = 0; i < by_outcome.size(); ++i) by_outcome[i] += o.by_outcome[i];
  person_lookups += o.person_lookups;
  confirmation_lookups += o.confirmation_lookups;
}

std::string Summary::to_json() const {
  return "{\"claims\":" + std::to_string(claims) + ",\"rows\":" + std::to_string(rows) +
         ",\"ok\":" + std::to_string(by_outcome[0]) +
         ",\"accept\":" + std::to_string(by_outcome[1]) +
         ",\"reassign\":" + std::to_string(by_outcome[2]) +
         ",\"split\":" + std::to_string(by_outcome[3]) +
         ",\"return\":" + std::to_string(by_outcome[4]) +
         ",\"personLookups\":" + std::to_string(person_lookups) +
         ",\"confirmationLookups\":" + std::to_string(confirmation_lookups) + "}";
}

security::ClaimsCheck Summary::audit_record(security::Actor actor, std::string input) const {
  security::ClaimsCheck c;
  c.actor = std::move(actor);
  c.claims = claims;
  c.rows = rows;
  c.ok = by_outcome[0];
  c.accept = by_outcome[1];
  c.reassign = by_outcome[2];
  c.split = by_outcome[3];
  c.returned = by_outcome[4];
  c.person_lookups = person_lookups;
  c.confirmation_lookups = confirmation_lookups;
  c.input = std::move(input);
  return c;
}

}  // namespace onshi::claims
