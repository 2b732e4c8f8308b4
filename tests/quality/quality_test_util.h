// Helpers shared by the quality tests: a temporary data directory with a real SQLite store
// and keyring, members registered through the registry's own Registrar, and the real
// `onshi` binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "security/crypto.h"
#include "store/store.h"

namespace onshi::qtest {

namespace fs = std::filesystem;

// Valid My Numbers (mod-11 check digit). The tests assert none ever appears in an output.
inline const char* kMyNumberA = "987654321018";
inline const char* kMyNumberB = "112233445560";
inline const char* kMyNumberC = "223344556678";
inline const char* kMyNumberD = "445566778892";

// Valid insurer numbers.
inline const char* kKenpo = "06139992";    // 健康保険組合
inline const char* kKenpo2 = "06270011";   // another 健康保険組合
inline const char* kKokuho = "131045";     // 市町村国保

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "onshi-quality-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs a shell command; its exit status (-1 when it did not exit normally).
inline int run(const std::string& command) {
  int rc = std::system(command.c_str());
  if (rc == -1 || !WIFEXITED(rc)) return -1;
  return WEXITSTATUS(rc);
}

// A member record in interface element names; `extra` overrides or adds fields.
inline registry::FieldMap member(const std::string& insurer, const std::string& symbol,
                                 const std::string& number, const std::string& branch,
                                 const std::string& name, const std::string& kana,
                                 const std::string& birthdate, const std::string& sex,
                                 const std::string& qualification_date,
                                 const registry::FieldMap& extra = {}) {
  registry::FieldMap m = {
      {"InsurerNumber", insurer},
      {"InsurerName", insurer.size() == 6 ? "オンシ区国民健康保険" : "オンシ健康保険組合"},
      {"InsuredCardClassification", "01"},
      {"InsuredCardSymbol", symbol},
      {"InsuredIdentificationNumber", number},
      {"InsuredBranchNumber", branch},
      {"PersonalFamilyClassification", "1"},
      {"Name", name},
      {"NameKana", kana},
      {"Sex1", sex},
      {"Birthdate", birthdate},
      {"QualificationDate", qualification_date},
  };
  for (const auto& [k, v] : extra) {
    bool replaced = false;
    for (auto& [mk, mv] : m)
      if (mk == k) {
        mv = v;
        replaced = true;
      }
    if (!replaced) m.emplace_back(k, v);
  }
  return m;
}

// A data directory with an open store and keyring.
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite(store::store_path(dir.path()));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store = std::move(*s);
    auto k = security::Keyring::load_or_create(dir.path());
    ASSERT_TRUE(k.ok());
    keyring = std::make_unique<security::Keyring>(std::move(*k));
  }

  // Registers records (all must be accepted).
  void reg(const std::vector<registry::FieldMap>& records, const std::string& source = "test") {
    registry::Registrar r(*store, *keyring);
    auto rep = r.register_records(records, source);
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    ASSERT_EQ(rep->rejected, 0) << rep->to_json();
  }

  static boost::json::value parse(const std::string& text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    EXPECT_FALSE(ec) << text.substr(0, 400);
    return v;
  }

  TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<security::Keyring> keyring;
};

inline std::string str(const boost::json::value& v, const char* key) {
  const auto* o = v.if_object();
  if (!o) return {};
  const auto* x = o->if_contains(key);
  return x && x->is_string() ? std::string(x->as_string()) : std::string();
}

}  // namespace onshi::qtest
