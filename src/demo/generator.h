// The demo population: a deterministic generator of realistic member CSVs
// (`onshi generate members`) and a handful of fixed members the demo and tests confirm by
// known numbers.
//
// Output is a pure function of (seed, count, as_of, my_number_rate): the generator has its
// own PRNG (xoshiro256** seeded by splitmix64) and integer-only sampling, so the same
// arguments give the same bytes with any standard library. `as_of` is the population's
// "today": ages, certificate periods (the 8/1–7/31 year of 高齢受給者証 and 限度額適用認定証)
// and lost qualifications are placed relative to it, so a population generated today is
// consistent today. Every generated row passes registry::validate_record.
//
// What a population holds: families of 被用者保険 (協会けんぽ 01…, 健保組合 06…, 共済 31–34…)
// sharing 記号・番号 with 枝番 00 (本人), 01, 02 … (家族); 国保 households (6-digit insurer
// numbers); 後期高齢者 (39…, no 記号, 8-digit 被保険者番号 with check digit, 1/2/3割);
// 高齢受給者証 (2割/3割) for 70–74; some 限度額適用認定証 consistent with age and ratio; some
// 特定疾病療養受療証; lost qualifications (DisqualificationDate + ReasonOfLoss), including
// people who changed insurer — the old, lost row and the new one carry the same MyNumber —
// and people who moved into 後期 at 75. About `my_number_rate` of people have a valid
// My Number (mod-11 check digit, unique per person); the rest have none.
//
// Fixed demo members (demo_members(as_of); Y = as_of's year; Aug1 = the 8/1 on or before
// as_of, Jul31 = the 7/31 after it):
//  1. 健保組合 本人 with a 限度額適用認定証 (01 / A03 ウ, Aug1–Jul31):
//     06139992 オンシ電機健康保険組合, 記号 1234, 番号 5678, 枝番 00, 山田　太郎 ヤマダ　タロウ,
//     male, born 1980-05-15, qualified 2010-04-01, My Number 987654321018.
//  2. Same card, 枝番 01: 山田　花子 (家族, female, born 1982-09-03), no My Number.
//  3. Same card, 枝番 02: 山田　陽菜 (家族, female, born (Y−3)-07-07) — 未就学 2割.
//  4. 国保 (6-digit insurer): 131045 オンシ区国民健康保険, 記号 01, 番号 234567, 枝番 00,
//     鈴木　一郎 (male, born 1975-11-20), qualified 2020-04-01, My Number 112233445560.
//  5. 後期 1割: 39130000 東京都後期高齢者医療広域連合, no 記号, 番号 12345674, 枝番 "",
//     佐藤　ハナ (female, born (Y−80)-02-10), ratio 010, qualified on her 75th birthday,
//     My Number 223344556678.
//  6. 70–74 高齢受給者 2割: 01130012 全国健康保険協会東京支部, 記号 4120135, 番号 21, 枝番 00,
//     高橋　茂 (male, born (Y−72)-06-10), 高齢受給者証 020 from max(the 高齢受給者 start, Aug1)
//     to Jul31, My Number 445566778892.
//  7. Lost, newer qualification elsewhere (same My Number 334455667785), 田中　誠 (male, born
//     1985-01-25): old 01130012 記号 3050021 番号 7 枝番 00, qualified 2008-04-01, lost
//     (Y−1)-04-01 (ReasonOfLoss 03); new 06270011 なにわ製薬健康保険組合 記号 88 番号 1001 枝番 00
//     from (Y−1)-04-01.
//  8. Lost, no newer qualification: 131045 記号 01 番号 234999 枝番 00, 伊藤　幸子 (female,
//     born 1960-03-03), qualified 2015-04-01, lost (Y−1)-10-01 (ReasonOfLoss 99),
//     My Number 556677889908.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/status.h"
#include "core/text.h"
#include "registry/registry.h"

namespace onshi::demo {

struct GeneratorOptions {
  int64_t count = 1000;          // rows to write (a family may be cut at the end)
  uint64_t seed = 1;
  double my_number_rate = 0.9;   // share of people with a My Number
  core::Date as_of = core::Date::from_ymd(2025, 6, 1);  // the population's "today"
};

// The CSV header: registry::known_fields() in order.
std::string csv_header();

// Calls `row` with each generated record's values, indexed like registry::known_fields()
// ("" = absent).
void for_each_member(const GeneratorOptions& options,
                     const std::function<void(const std::vector<std::string>&)>& row);

// The whole CSV (header + rows, UTF-8, LF line ends) in memory — for tests and small counts.
std::string generate_members_csv(const GeneratorOptions& options);

// Streams the CSV to `out` in `encoding` (UTF-8 without BOM, or CP932). When `progress`,
// a progress line is drawn on stderr. Errors: E_FILE (cannot write), E_ENCODING.
Status write_members_csv(const GeneratorOptions& options, const std::filesystem::path& out,
                         core::Encoding encoding, bool progress);

// The fixed demo members listed above, as records and as a CSV (header + rows).
std::vector<registry::FieldMap> demo_members(core::Date as_of);
std::string demo_members_csv(core::Date as_of);

// The fixed demo members' clinical history (clinical_history.cpp): three years before
// `as_of` of medication, yearly specific health checks (BMI, blood pressure, LDL, HbA1c …
// with reference ranges), treatments and the last 100 days' electronic prescriptions, for
// the members above who have a My Number, and two years of 医療費通知情報 (expenses) for two of
// them. One CSV (UTF-8, header + rows) per kind named by
// clinical_kinds() — what `onshi clinical import --kind KIND` reads; "" for another name.
const std::vector<std::string>& clinical_kinds();
std::string demo_clinical_csv(std::string_view kind, core::Date as_of);

// Converts values indexed like known_fields() into a FieldMap of the non-empty ones.
registry::FieldMap to_field_map(const std::vector<std::string>& values);

}  // namespace onshi::demo
