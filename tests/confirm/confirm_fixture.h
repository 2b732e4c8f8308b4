// The fixture the confirmation tests share: a real SQLite store in a fresh scratch directory
// per test, its audit log, a Confirmer over both, and a helper that registers one version.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "confirm/confirm.h"
#include "security/audit.h"
#include "store/store.h"

namespace onshi::confirm {

class ConfirmerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("onshi-" + std::string(info->test_suite_name()) + "-" + std::to_string(::getpid()) +
            "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*store::open_sqlite(store::store_path(dir_)));
    audit_ = std::make_unique<security::AuditLog>(*store_);
    confirmer_ = std::make_unique<Confirmer>(*store_, *audit_);
  }
  void TearDown() override {
    confirmer_.reset();
    audit_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Registers `q` with the person link `link` ("" = no My Number).
  void put(const core::Qualification& q, std::string link = "") {
    std::vector<store::PutItem> items{{q, std::move(link), "", "test", ""}};
    ASSERT_TRUE(store_->put_qualifications(items).ok());
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<security::AuditLog> audit_;
  std::unique_ptr<Confirmer> confirmer_;
};

}  // namespace onshi::confirm
