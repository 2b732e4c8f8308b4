// The rule "the first row of a key wins" (batch.h keep_first_of_each_key, FirstRows) on its
// own: later rows of a key are rejected with the first row named, across batches, the kept
// records stay in file order, and the errors of a batch stay sorted by row.
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "batch/batch.h"

namespace onshi::batch {
namespace {

struct Item {
  std::string key, value;
};

Batch<Item> batch_of(std::vector<std::pair<int64_t, Item>> rows) {
  Batch<Item> b;
  for (auto& [row, item] : rows) {
    b.rows.push_back(row);
    b.records.push_back(std::move(item));
  }
  return b;
}

size_t apply(Batch<Item>& b, FirstRows& seen) {
  return keep_first_of_each_key(
      b, seen, [](const Item& i) -> const std::string& { return i.key; }, "E_DUPLICATE_KEY",
      [](int64_t row, int64_t first) {
        return "行 " + std::to_string(row) + " は行 " + std::to_string(first) + " と同じです";
      });
}

// R-REG-1, R-AID-1: the first valid row of a key wins, later ones are E_DUPLICATE_KEY.
TEST(FirstRowOfKey, LaterRowsOfAKeyAreRejectedAcrossBatches) {
  FirstRows seen;
  auto first = batch_of({{1, {"a", "1"}}, {2, {"b", "2"}}, {4, {"a", "3"}}, {5, {"c", "4"}}});
  first.reject(3, "Name", "E_MISSING", "氏名がありません");  // a row the parse refused
  EXPECT_EQ(apply(first, seen), 1u);
  ASSERT_EQ(first.records.size(), 3u);
  EXPECT_EQ(first.records[0].value, "1");
  EXPECT_EQ(first.records[1].value, "2");
  EXPECT_EQ(first.records[2].value, "4");
  EXPECT_EQ(first.rows, (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(first.rejected, 2);  // the parse's and the duplicate
  ASSERT_EQ(first.errors.size(), 2u);
  EXPECT_EQ(first.errors[0].row, 3);  // still sorted by row
  EXPECT_EQ(first.errors[1].row, 4);
  EXPECT_EQ(first.errors[1].code, "E_DUPLICATE_KEY");
  EXPECT_EQ(first.errors[1].field, "");
  EXPECT_EQ(first.errors[1].message, "行 4 は行 1 と同じです");

  auto second = batch_of({{6, {"c", "5"}}, {7, {"d", "6"}}, {8, {"b", "7"}}});
  EXPECT_EQ(apply(second, seen), 2u);  // keys of the earlier batch
  ASSERT_EQ(second.records.size(), 1u);
  EXPECT_EQ(second.records[0].value, "6");
  EXPECT_EQ(second.rows, (std::vector<int64_t>{7}));
  ASSERT_EQ(second.errors.size(), 2u);
  EXPECT_EQ(second.errors[0].message, "行 6 は行 5 と同じです");
  EXPECT_EQ(second.errors[1].message, "行 8 は行 2 と同じです");
  EXPECT_EQ(seen.size(), 4u);
}

TEST(FirstRowOfKey, ABatchWithoutRepeatsIsUntouched) {  // R-REG-1
  FirstRows seen;
  auto b = batch_of({{1, {"x", "1"}}, {2, {"y", "2"}}});
  EXPECT_EQ(apply(b, seen), 0u);
  EXPECT_EQ(b.records.size(), 2u);
  EXPECT_EQ(b.rejected, 0);
  EXPECT_TRUE(b.errors.empty());
}

// The table grows past many doublings and still answers every key's first row.
TEST(FirstRowOfKey, AMillionKeysAreRememberedWithTheirRows) {  // R-REG-1: files of millions
  FirstRows seen;
  const int64_t n = 1'000'000;
  for (int64_t i = 0; i < n; ++i)
    ASSERT_FALSE(seen.first_row("12011003\x1f" + std::to_string(i), i + 1).has_value());
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i += 997) {
    auto first = seen.first_row("12011003\x1f" + std::to_string(i), n + i);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, i + 1);
  }
  EXPECT_FALSE(seen.first_row("", 7).has_value());  // the empty key is a key too
  EXPECT_EQ(seen.first_row("", 8), 7);
}

// Batches of 20,000 rows whose keys are looked up with their slots prefetched, the table
// made room for ahead of each batch (it doubles many times on the way): every row's answer is
// the one a plain map of first rows gives, repeats inside a batch and across batches alike.
TEST(FirstRowOfKey, LargeBatchesAgreeWithAPlainMap) {  // R-REG-1: files of millions
  FirstRows seen;
  std::unordered_map<std::string, int64_t> first;
  int64_t row = 0;
  size_t expected_rejected = 0, rejected = 0;
  for (int batch = 0; batch < 25; ++batch) {
    std::vector<std::pair<int64_t, Item>> rows;
    std::unordered_map<int64_t, std::string> key_of_row;
    for (int i = 0; i < 20000; ++i) {
      ++row;
      // Most keys new; every 7th repeats one from anywhere before (this batch or earlier).
      const int64_t k = row % 7 == 0 ? (row * 2654435761LL) % row : row;
      std::string key = "06139992\x1f" + std::to_string(k) + "\x1f" "20250601";
      if (!first.emplace(key, row).second) ++expected_rejected;
      key_of_row[row] = key;
      rows.push_back({row, {std::move(key), ""}});
    }
    auto b = batch_of(std::move(rows));
    rejected += apply(b, seen);
    for (size_t i = 0; i < b.records.size(); ++i) ASSERT_EQ(first.at(b.records[i].key), b.rows[i]);
    for (const auto& e : b.errors)  // "行 R は行 F と同じです": F is the key's first row
      ASSERT_EQ(e.message, "行 " + std::to_string(e.row) + " は行 " +
                               std::to_string(first.at(key_of_row.at(e.row))) + " と同じです");
  }
  EXPECT_EQ(rejected, expected_rejected);
  EXPECT_EQ(seen.size(), first.size());
}

}  // namespace
}  // namespace onshi::batch
