// Helpers for the claims tests: a temporary data directory with a real SQLite store,
// qualifications put straight into it, confirmations in its audit log, claims CSV files and
// the result rows read back. Dates are relative to today (JST) where the rules look at
// recorded times, since the store stamps versions with the real clock; `backdate` moves an
// insurer's versions into the past with one SQL UPDATE, as if they had been registered days
// before, so the R-CONF-8 rules can be tested within one run.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "claims/claims.h"
#include "core/csv.h"
#include "core/date.h"
#include "core/numbers.h"
#include "core/qualification.h"
#include "security/audit.h"
#include "security/crypto.h"
#include "store/store.h"

namespace onshi::claims::testing {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A valid 医療機関コード for 都道府県 13 and the given 点数表 ('1' 医科, '4' 薬局).
inline std::string institution(char table, int n) {
  std::string body =
      std::string("13") + table + "01" + std::to_string((table == '4' ? 4000 : 1000) + n);
  return body + std::to_string(core::weighted_check_digit(body));
}

inline core::Qualification qualification(const std::string& insurer, const std::string& symbol,
                                         const std::string& number, const std::string& branch,
                                         const std::string& name, const std::string& birth,
                                         const std::string& qualified,
                                         const std::string& lost = "") {
  core::Qualification q;
  q.insurer_number = insurer;
  q.insurer_name = "試験保険者";
  q.insured_card_classification = "01";
  q.insured_card_symbol = symbol;
  q.insured_identification_number = number;
  q.insured_branch_number = branch;
  q.personal_family_classification = "1";
  q.insured_name = name;
  q.name = name;
  q.name_kana = "シケン　タロウ";
  q.sex1 = "1";
  q.birthdate = birth;
  q.qualification_date = qualified;
  q.disqualification_date = lost;
  if (!lost.empty()) q.reason_of_loss = "03";
  q.insured_certificate_issuance_date = qualified;
  q.insured_partial_contribution_ratio = "030";
  return q;
}

inline std::string ymd(core::Date d) {
  return d.yyyymmdd();
}
inline core::Date today() {
  return core::Date::today_jst();
}

class ClaimsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("onshi-claims-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
            std::to_string(counter++));
    fs::create_directories(dir_);
    // The data directory's keys, as `onshi import` makes them (the service insists on them
    // once the store holds members).
    ASSERT_TRUE(security::Keyring::load_or_create(dir_).ok());
    auto s = store::open_sqlite(store::store_path(dir_));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void put(const core::Qualification& q, const std::string& person = "",
           const std::string& conversions = "") {
    store::PutItem item;
    item.qualification = q;
    // A person link is a keyed hash (32 raw bytes); any stable bytes do for the rules.
    item.person_link = person.empty() ? "" : (person + std::string(32, '#')).substr(0, 32);
    item.source = "test";
    item.conversions = conversions;
    auto r = store_->put_qualifications(std::span<const store::PutItem>(&item, 1));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // A confirmation made at reception, as confirm/ records it.
  void confirm(const std::string& institution_code, const core::Qualification& q,
               const std::string& date, int64_t time_us = 0) {
    security::AuditLog log(*store_);
    log.record(security::AuditEvent{"institution:" + institution_code, "confirm", q.card_key(),
                                    "{\"date\":\"" + date + "\",\"validity\":\"1\",\"matches\":1}",
                                    time_us});
    ASSERT_TRUE(log.flush().ok());
  }

  // Moves every version of `insurer` `days` days into the past.
  void backdate(const std::string& insurer, int days) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(store::store_path(dir_).c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "UPDATE qualification_version SET recorded_at = recorded_at - ?1 "
                                 "WHERE substr(card_key, 1, instr(card_key, char(31)) - 1) = ?2",
                                 -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(days) * 86400 * 1000000);
    sqlite3_bind_text(st, 2, insurer.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }

  // One claims CSV row from its values (PrescribingMedicalInstitutionCode may be "").
  static std::string claim_row(const std::string& id, const std::string& inst,
                               const std::string& rx, const std::string& first,
                               const std::string& last, const core::Qualification& q,
                               const std::string& name = "", const std::string& birth = "") {
    return id + "," + inst + "," + rx + "," + first.substr(0, 6) + "," + first + "," + last + "," +
           q.insurer_number + "," + q.insured_card_symbol + "," + q.insured_identification_number +
           "," + q.insured_branch_number + "," + (name.empty() ? q.name : name) + "," +
           (birth.empty() ? q.birthdate : birth) + "," + q.sex1 + "\n";
  }

  // The header of claim_row's 13 columns (the optional certificate columns left out).
  static std::string header() {
    std::string h;
    for (size_t i = 0; i < 13; ++i) h += (h.empty() ? "" : ",") + input_columns()[i];
    return h + "\n";
  }

  // Runs the check on a CSV file made of `rows` and returns the result rows (header dropped),
  // each as ClaimId, Result, ReasonCode, numbers…, FromDate, ToDate, Message.
  std::vector<std::vector<std::string>> run(const std::string& rows, CheckOptions opt = {},
                                            const std::string& raw_file = "") {
    fs::path in = dir_ / "claims.csv";
    fs::path out = dir_ / "results.csv";
    write_file(in, raw_file.empty() ? header() + rows : raw_file);
    auto h = History::load(*store_);
    EXPECT_TRUE(h.ok());
    if (!h.ok()) return {};
    auto s = check_csv_file(**h, *store_, in, out, opt);
    EXPECT_TRUE(s.ok()) << s.error().code << " " << s.error().message;
    if (!s.ok()) return {};
    summary_ = *s;
    return parse_results(read_file(out));
  }

  static std::vector<std::vector<std::string>> parse_results(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::stringstream ss(text);
    std::string line;
    bool first = true;
    while (std::getline(ss, line)) {
      if (first) {
        first = false;
        continue;
      }
      std::vector<std::string> f = core::csv_fields(line);
      rows.push_back(f);
    }
    return rows;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  Summary summary_;
};

}  // namespace onshi::claims::testing
