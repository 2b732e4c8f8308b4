// A database with a few registered members for the clinical tests, on every backend: two
// members of insurer 06139992 (枝番 00 with a My Number, 枝番 01 without one) and a 国保
// member of 131045 with a My Number, registered through the real registrar and keyring.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "clinical/clinical.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::clinical::testing {

inline registry::FieldMap member(const char* insurer, const char* symbol, const char* number,
                                 const char* branch, const char* my_number) {
  registry::FieldMap m = {{"InsurerNumber", insurer},      {"InsurerName", "試験健康保険組合"},
                          {"InsuredCardClassification", "01"}, {"InsuredCardSymbol", symbol},
                          {"InsuredIdentificationNumber", number},
                          {"InsuredBranchNumber", branch}, {"PersonalFamilyClassification", "1"},
                          {"Name", "山田\u3000太郎"},      {"NameKana", "ヤマダ"},
                          {"Sex1", "1"},                   {"Birthdate", "19800515"},
                          {"QualificationDate", "20100401"}};
  if (*my_number) m.emplace_back("MyNumber", my_number);
  return m;
}

class ClinicalDatabase : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ONSHI_REQUIRE_DATABASE(tdb_);
    auto db = store::open_store(tdb_.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    auto keys = security::Keyring::load_or_create(tdb_.dir());
    ASSERT_TRUE(keys.ok());
    keys_ = std::make_unique<security::Keyring>(std::move(*keys));
    registry::Registrar reg(db_->members(), *keys_);
    auto r = reg.register_records({member("06139992", "1234", "5678", "00", "987654321018"),
                                   member("06139992", "1234", "5678", "01", ""),
                                   member("131045", "01", "234567", "00", "112233445560")},
                                  "test");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->accepted, 3) << r->to_json();
  }
  // The person link of a registered card key.
  std::string link_of(const char* insurer, const char* symbol, const char* number,
                      const char* branch) {
    auto v = db_->members().qualification_as_of(core::make_card_key(insurer, symbol, number, branch),
                                                core::now_unix_us());
    EXPECT_TRUE(v.ok() && v->has_value());
    return v.ok() && v->has_value() ? (*v)->person_link : "";
  }
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    auto p = tdb_.dir() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  onshi::testing::TestDatabase tdb_{GetParam()};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<security::Keyring> keys_;
};

}  // namespace onshi::clinical::testing
