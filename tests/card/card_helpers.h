// What the card tests share: valid My Numbers (with their check digit), a data directory's
// database, a person registered in a data directory's store under the keyed hash of a My
// Number (as an insurer's import would leave it), and a search for a byte string in every
// file below a directory.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/numbers.h"
#include "core/qualification.h"
#include "security/crypto.h"
#include "store/database.h"
#include "store/store.h"

namespace onshi::card::testing {

// The database `--data-dir DIR` means: the SQLite files of DIR (or `url` when given).
inline std::unique_ptr<store::Database> open_db(const std::filesystem::path& dir,
                                                const std::string& url = "") {
  auto db = store::open_store(url.empty() ? store::sqlite_url(dir) : url);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
  return db.ok() ? std::move(*db) : nullptr;
}

// A valid 12-digit My Number from 11 digits.
inline std::string my_number(const std::string& body11) {
  return body11 + std::to_string(core::my_number_check_digit(body11));
}

inline core::Qualification qualification(std::string number, std::string from,
                                         std::string until = "") {
  core::Qualification q;
  q.insurer_number = "06130488";
  q.insured_card_symbol = "12";
  q.insured_identification_number = std::move(number);
  q.insured_branch_number = "00";
  q.insurer_name = "試験健康保険組合";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.name = "試験　花子";
  q.name_kana = "シケン　ハナコ";
  q.sex1 = "2";
  q.birthdate = "19800505";
  q.qualification_date = std::move(from);
  q.disqualification_date = std::move(until);
  q.insured_partial_contribution_ratio = "030";
  return q;
}

// Registers `q` for the person with `my_number` in DIR/onshi.db (the keyring of DIR makes
// the link, exactly as registration does). The My Number itself is not stored.
inline void register_person(const std::filesystem::path& dir, const std::string& my_number,
                            const core::Qualification& q) {
  auto keyring = security::Keyring::load_or_create(dir);
  ASSERT_TRUE(keyring.ok());
  auto st = store::open_sqlite(store::store_path(dir));
  ASSERT_TRUE(st.ok());
  std::vector<store::PutItem> items{{q, keyring->person_link(my_number), "", "test"}};
  ASSERT_TRUE((*st)->put_qualifications(items).ok());
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Files below `dir` whose bytes contain `needle`.
inline std::vector<std::string> files_containing(const std::filesystem::path& dir,
                                                 const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && slurp(e.path()).find(needle) != std::string::npos)
      hits.push_back(e.path().string());
  }
  return hits;
}

// A JSON value as text: a string's content, anything else serialised ("3", "false").
inline std::string js(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

}  // namespace onshi::card::testing
