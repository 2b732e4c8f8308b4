// Tests for the interface code tables OQSCD001–OQSCD026 and the insurer kind labels.
#include "core/codes.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace onshi::core {
namespace {

// R-CONF-3: all 26 tables, in id order, each with a name, element and entries.
TEST(Codes, AllTablesPresentInOrder) {
  auto tables = code_tables();
  ASSERT_EQ(tables.size(), 26u);
  for (size_t i = 0; i < tables.size(); ++i) {
    std::string id = std::to_string(i + 1);
    id = "OQSCD" + std::string(3 - id.size(), '0') + id;
    EXPECT_EQ(tables[i].id, id);
    EXPECT_FALSE(tables[i].name.empty()) << id;
    EXPECT_FALSE(tables[i].element.empty()) << id;
    EXPECT_FALSE(tables[i].entries.empty()) << id;
    std::set<std::string_view> seen;
    for (const auto& e : tables[i].entries) EXPECT_TRUE(seen.insert(e.code).second) << id;
    EXPECT_EQ(code_table(id), &tables[i]);
  }
  EXPECT_EQ(code_table("OQSCD027"), nullptr);
  EXPECT_EQ(code_table(""), nullptr);
}

// R-CONF-3: labels shown on the result screen.
TEST(Codes, Labels) {
  EXPECT_EQ(code_label("OQSCD010", "01"), "被保険者証（一般）");
  EXPECT_EQ(code_label("OQSCD010", "A1"), "医療扶助");
  EXPECT_EQ(code_label("OQSCD006", "3"), "無効（新しい資格あり）");
  EXPECT_EQ(code_label("OQSCD006", "6"), "有効（未登録）");
  EXPECT_EQ(code_label("OQSCD012", "B05"), "低所得Ⅱ");
  EXPECT_EQ(code_label("OQSCD012", "B09"), "一般Ⅱ");
  EXPECT_EQ(code_label("OQSCD012", "A06"), "オ（境）");
  EXPECT_EQ(code_label("OQSCD008", "02"), "生活保護受給開始");
  EXPECT_EQ(code_label("OQSCD003", "9"), "異常終了");
  EXPECT_EQ(code_label("OQSCD005", "0"), "UTF-8");
  EXPECT_EQ(code_label("OQSCD007", "2"), "女");
  EXPECT_EQ(code_label("OQSCD011", "02"), "限度額適用・標準負担額減額認定証");
  EXPECT_EQ(code_label("OQSCD013", "1"), "人工透析を必要とする慢性腎不全");
  EXPECT_EQ(code_label("OQSCD016", "2"), "同意有効期限切れ");
  EXPECT_EQ(code_label("OQSCD019", "05"), "訪問看護");
  EXPECT_EQ(code_label("OQSCD026", "1"), "不一致");
  EXPECT_EQ(code_table("OQSCD012")->entries.size(), 16u);
  EXPECT_EQ(code_table("OQSCD010")->element, "InsuredCardClassification");
}

// R-REG-1: a code not in its table is invalid, never passed through; codes are strings.
TEST(Codes, UnknownCodesAreInvalid) {
  EXPECT_TRUE(valid_code("OQSCD009", "1"));
  EXPECT_FALSE(valid_code("OQSCD009", "01"));
  EXPECT_FALSE(valid_code("OQSCD009", "3"));
  EXPECT_FALSE(valid_code("OQSCD010", "1"));
  EXPECT_FALSE(valid_code("OQSCD010", "08"));
  EXPECT_FALSE(valid_code("OQSCD012", "b05"));
  EXPECT_FALSE(valid_code("OQSCD003", "3"));
  EXPECT_FALSE(valid_code("OQSCD999", "1"));
  EXPECT_FALSE(code_label("OQSCD007", "").has_value());
}

// The typed enums carry the table's code values.
TEST(Codes, EnumsMatchTables) {
  EXPECT_TRUE(valid_code(
      "OQSCD006", std::to_string(static_cast<int>(QualificationValidity::kValidUnregistered))));
  EXPECT_EQ(
      code_label("OQSCD006", std::to_string(static_cast<int>(QualificationValidity::kNotFound))),
      "該当資格なし");
  EXPECT_EQ(code_label("OQSCD003", std::to_string(static_cast<int>(SegmentOfResult::kAbnormal))),
            "異常終了");
  EXPECT_EQ(code_label("OQSCD005", std::to_string(static_cast<int>(CharacterCode::kShiftJis))),
            "Shift_JIS");
  EXPECT_EQ(code_label("OQSCD002",
                       std::to_string(static_cast<int>(ReferenceClassification::kMyNumberCard))),
            "マイナンバーカード");
  EXPECT_EQ(
      code_label("OQSCD004", std::to_string(static_cast<int>(ProcessingResultStatus::kError))),
      "エラー");
}

// R-CONF-3: the insurer kind from 法別番号 (domain-rules §2).
TEST(Codes, InsurerKindLabel) {
  EXPECT_EQ(insurer_kind_label("06130488"), "健康保険組合");
  EXPECT_EQ(insurer_kind_label("01130012"), "協会けんぽ");
  EXPECT_EQ(insurer_kind_label("02130011"), "船員保険");
  EXPECT_EQ(insurer_kind_label("07130016"), "自衛官等");
  for (const char* n : {"31130016", "32130015", "33120015", "34130013"}) {
    EXPECT_EQ(insurer_kind_label(n), "共済組合") << n;
  }
  EXPECT_EQ(insurer_kind_label("39140017"), "後期高齢者医療");
  for (const char* n : {"63130017", "72130016", "73130015", "74130014", "75130013"}) {
    EXPECT_EQ(insurer_kind_label(n), "特例退職") << n;
  }
  EXPECT_EQ(insurer_kind_label("131045"), "国民健康保険");
  EXPECT_EQ(insurer_kind_label("  131045"), "国民健康保険");
  EXPECT_EQ(insurer_kind_label("99130011"), "");
  EXPECT_EQ(insurer_kind_label("1313"), "");
}

}  // namespace
}  // namespace onshi::core
