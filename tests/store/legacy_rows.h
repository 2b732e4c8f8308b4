// For tests of the upgrade to SQLite schema 5: turns the member rows of a store file into
// rows as an onshi before schema 5 wrote them — the source as text and no source number,
// insurer_number filled — with version_source emptied. The payloads are left as they are, so
// the store should have been written with SqliteOptions::compress_payloads false.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace onshi::testing {

inline void make_rows_as_before_schema5(const std::filesystem::path& db_file) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db,
                         "UPDATE qualification_version SET source = (SELECT source FROM "
                         "version_source WHERE id = source_id), source_id = NULL, "
                         "insurer_number = substr(card_key, 1, 8); DELETE FROM version_source",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace onshi::testing
