// The views' cache of a person's rows (src/clinical/views_cache_detail.h): the answer made
// from a kept entry — a date range's days picked from all the person's rows, the medication
// JSON of those days cut from the text written once — is byte for byte the answer written from
// the rows of that range alone (what a view that reads the store answers), for every range
// (open, inside, between days, before and after all rows, none); an entry of another
// generation is not answered; and the cache holds at most its bound in bytes.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "clinical/views_cache_detail.h"
#include "clinical/views_detail.h"

namespace onshi::clinical {
namespace {

std::string payload(ClinicalKind kind, const std::map<std::string, std::string>& values) {
  std::string out;
  bool first = true;
  for (const auto& name : payload_columns(kind)) {
    if (!first) out.push_back('\x1f');
    first = false;
    if (auto it = values.find(name); it != values.end()) out += it->second;
  }
  return out;
}

store::ClinicalViewRow med(std::string date, std::string institution, std::string drug) {
  return {date, payload(ClinicalKind::kMedication, {{"MedicalInstitutionCode", institution},
                                                    {"MedicalInstitutionName", "薬局 \"本店\""},
                                                    {"InstitutionClassification", "4"},
                                                    {"DrugC", "622083601"},
                                                    {"DrugN", drug},
                                                    {"Qua1", "1"},
                                                    {"Times", "28"}})};
}

View header(int64_t rows) {
  View v;
  v.kind = ClinicalKind::kMedication;
  v.category = "YZK";
  v.basis = "consent";
  v.as_of = "20261206";
  v.from = "20231206";
  v.window = "3y";
  v.rows = rows;
  v.person = PersonInfo{"試験　花子", "シケン　ハナコ", "19800101", "2", "06139992", "12",
                        "100",        "00",            "01"};
  return v;
}

// The rows with from ≤ record_date ≤ to ("" = open), newest first.
std::vector<store::ClinicalViewRow> between(const std::vector<store::ClinicalViewRow>& rows,
                                            const std::string& from, const std::string& to) {
  std::vector<store::ClinicalViewRow> out;
  for (const auto& r : rows)
    if ((from.empty() || r.record_date >= from) && (to.empty() || r.record_date <= to))
      out.push_back(r);
  return out;
}

// R-CONF-5, issue 16 "Speed": a view answered from the kept rows is the view of the range.
TEST(PersonRows, ARangeOfTheKeptRowsAnswersAsTheRowsOfTheRange) {
  const std::vector<store::ClinicalViewRow> rows = {
      med("20261201", "1340140126", "アムロジピン錠5mg"),
      med("20261201", "1310112345", "ロスバスタチン錠2.5mg"),
      med("20261201", "1340140126", "a\\b"),
      med("20261115", "1340140126", "アムロジピン錠5mg"),
      med("20261101", "1310112345", "アムロジピン錠5mg"),
      med("20261101", "1340140126", "ctl\x01"),
      med("20240301", "1340140126", "古い薬"),
  };
  auto kept = detail::PersonRows::make(ClinicalKind::kMedication, 7, rows);
  ASSERT_EQ(kept->days.size(), 4u);
  for (auto [from, to] : {std::pair<std::string, std::string>{"", ""},
                          {"20231206", "20261206"},
                          {"20261101", "20261201"},
                          {"20261102", "20261130"},
                          {"20261115", "20261115"},
                          {"20261116", "20261130"},
                          {"20270101", ""},
                          {"", "20200101"},
                          {"20240301", "20240301"}}) {
    const auto range = kept->range(from, to);
    const auto expected = between(rows, from, to);
    const auto got = kept->rows_of(range);
    ASSERT_EQ(got.size(), expected.size()) << from << ".." << to;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]);
    View direct = header(static_cast<int64_t>(expected.size()));
    View grouped = direct;
    detail::group(grouped, expected);
    EXPECT_EQ(detail::view_json_with_dispensings(direct, kept->json_of(range)),
              view_json(grouped))
        << from << ".." << to;
  }
  // The other kinds keep the rows and days, no JSON.
  auto checks = detail::PersonRows::make(ClinicalKind::kCheckup, 7,
                                         {{"20250610", "x"}, {"20240610", "y"}});
  EXPECT_FALSE(checks->has_json);
  EXPECT_EQ(checks->rows_of(checks->range("20250101", "")).size(), 1u);
}

// An entry is answered only under the generation it was filled under; the cache holds at most
// its bound (entries evicted first; one larger than the bound is not kept).
TEST(ViewCache, AnswersTheFillsGenerationOnlyAndKeepsToItsBound) {
  std::vector<store::ClinicalViewRow> rows;
  for (int i = 0; i < 100; ++i) rows.push_back(med("2026" + std::to_string(1099 - i), "1340140126", "薬"));
  const size_t one = detail::PersonRows::make(ClinicalKind::kMedication, 1, rows)->bytes();
  detail::ViewCache cache(one * 3 + 500);
  cache.put("p1", detail::PersonRows::make(ClinicalKind::kMedication, 1, rows));
  EXPECT_NE(cache.find("p1", ClinicalKind::kMedication, 1), nullptr);
  EXPECT_EQ(cache.find("p1", ClinicalKind::kMedication, 2), nullptr);  // a write since
  EXPECT_EQ(cache.find("p1", ClinicalKind::kCheckup, 1), nullptr);
  EXPECT_EQ(cache.find("p2", ClinicalKind::kMedication, 1), nullptr);
  for (const char* p : {"p2", "p3", "p4", "p5", "p6"}) {
    cache.put(p, detail::PersonRows::make(ClinicalKind::kMedication, 1, rows));
    EXPECT_LE(cache.bytes(), one * 3 + 500);
    EXPECT_NE(cache.find(p, ClinicalKind::kMedication, 1), nullptr);  // the newest is kept
  }
  EXPECT_EQ(cache.size(), 3u);
  // Replacing an entry does not count it twice.
  cache.put("p6", detail::PersonRows::make(ClinicalKind::kMedication, 2, rows));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_NE(cache.find("p6", ClinicalKind::kMedication, 2), nullptr);
  // Too large for the bound: not kept.
  detail::ViewCache small(one / 2);
  small.put("p1", detail::PersonRows::make(ClinicalKind::kMedication, 1, rows));
  EXPECT_EQ(small.size(), 0u);
  EXPECT_EQ(small.bytes(), 0u);
  EXPECT_FALSE(detail::ViewCache(0).enabled());
}

}  // namespace
}  // namespace onshi::clinical
