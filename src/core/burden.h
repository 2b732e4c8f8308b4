// Burden ratio (自己負担割合) by age, and the consistency of 高齢受給者証 負担割合 with the
// 限度額適用認定証 適用区分 (research domain-rules §6, §8).
//
// The age boundaries are statutory and date-exact: 未就学 lasts until the first 31 March on
// or after the day the child "reaches" 6 (the day before the 6th birthday); 高齢受給者 starts
// on the 1st of the month after reaching 70 (the birth month itself for a 1st-of-month
// birthday); 後期高齢者 starts on the 75th birthday. 2/29 births reach on 2/28.
#pragma once

#include <string_view>

#include "core/date.h"

namespace onshi::core {

// The day a person born on `birth` "reaches" age n (n歳に達する日): the day before the
// n-th birthday.
Date reach_age(Date birth, int n);
Date preschool_end(Date birth);   // last day of 未就学 (a 31 March)
Date elderly_start(Date birth);   // first day of 高齢受給者 (70–74)
Date latter_elderly_start(Date birth);  // first day of 後期高齢者 (the 75th birthday)

enum class AgeBand {
  kPreschool,     // 未就学: 2割
  kGeneral,       // 6–69: 3割
  kElderly,       // 70–74 高齢受給者: 2割 (3割 現役並み)
  kLatterElderly  // 75+ 後期高齢者: 1割 / 2割 (from 2022-10-01) / 3割
};
AgeBand age_band(Date birth, Date on);
// True when on ≤ preschool_end(birth) — the interface's PreschoolClassification "1".
bool is_preschool(Date birth, Date on);

// The statutory default ratio in tenths (2 or 3) for bands whose ratio does not depend on
// income: preschool 2, general 3; elderly and latter-elderly return 0 (income-dependent).
int default_ratio_tenths(AgeBand band);

// Ratios the law allows for the band on `on` (tenths). Used to reject impossible ratios.
bool ratio_allowed(AgeBand band, int ratio_tenths, Date on);

// Consistency of (band, ratio, 適用区分 OQSCD012 code) on `on` (research §6 matrix).
// `ratio_tenths` is the 高齢受給者/後期 ratio (or 3/2 for the younger bands). A ratio the band
// does not allow is inconsistent; an empty flag (no certificate) contradicts nothing.
bool limit_classification_consistent(AgeBand band, int ratio_tenths,
                                     std::string_view classification_flag, Date on);
// The same check when the ratio may be unknown, as registration and the quality report have it:
// the 高齢受給者証 ratio decides for 70–74 and the card's ratio for 後期; a ratio of 0 (not
// registered) means any ratio the band allows may hold, and the code is consistent when it is
// consistent with one of them. Under 70 the statutory ratio is used.
bool limit_classification_plausible(AgeBand band, int elderly_ratio_tenths,
                                    int card_ratio_tenths, std::string_view classification_flag,
                                    Date on);
// 証区分 (OQSCD011) against 適用区分: 減額 区分 (A05, A06, B05–B08) belong on 02/03,
// the others on 01.
bool limit_certificate_kind_consistent(std::string_view certificate_classification,
                                       std::string_view classification_flag);

// Ratio strings of the interface: "010" ⇄ 1 (tenths). parse returns -1 when malformed.
int parse_ratio_percent(std::string_view s);
}  // namespace onshi::core
