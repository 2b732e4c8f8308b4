// The demo population: determinism, every row valid, families, lost and changed
// qualifications, age bands, and the fixed demo members with their documented numbers.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/burden.h"
#include "demo/generator.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/store.h"
#include "../registry/test_util.h"

namespace onshi::demo {
namespace {

using Row = std::vector<std::string>;

int idx(const std::string& name) {
  const auto& f = registry::known_fields();
  return static_cast<int>(std::find(f.begin(), f.end(), name) - f.begin());
}

GeneratorOptions opts(int64_t count, uint64_t seed) {
  GeneratorOptions o;
  o.count = count;
  o.seed = seed;
  o.as_of = core::Date::from_ymd(2025, 11, 1);
  return o;
}

std::vector<Row> rows(const GeneratorOptions& o) {
  std::vector<Row> out;
  for_each_member(o, [&](const Row& r) { out.push_back(r); });
  return out;
}

TEST(Generator, Deterministic) {
  auto a = generate_members_csv(opts(5000, 42));
  auto b = generate_members_csv(opts(5000, 42));
  auto c = generate_members_csv(opts(5000, 43));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 5001);
}

TEST(Generator, EveryRowValidates) {  // R-REG-1, R-REG-2
  auto o = opts(30000, 7);
  int64_t n = 0, bad = 0;
  for_each_member(o, [&](const Row& r) {
    ++n;
    auto v = registry::validate_record(to_field_map(r), core::Date::from_ymd(2025, 11, 1));
    if (auto* e = std::get_if<std::vector<Error>>(&v)) {
      if (++bad <= 5)
        ADD_FAILURE() << r[idx("InsurerNumber")] << " " << r[idx("Birthdate")] << ": "
                      << (*e)[0].field << " " << (*e)[0].code << " " << (*e)[0].message;
    }
  });
  EXPECT_EQ(n, 30000);
  EXPECT_EQ(bad, 0);
}

TEST(Generator, RealisticPopulation) {
  auto rs = rows(opts(30000, 9));
  const core::Date as_of = core::Date::from_ymd(2025, 11, 1);
  std::map<std::string, std::vector<const Row*>> cards;
  std::map<std::string, std::vector<const Row*>> by_my_number;
  int lost = 0, preschool = 0, elderly_cert = 0, kouki = 0, limit = 0, diseases = 0,
      with_my_number = 0, kokuho6 = 0;
  std::set<std::string> ratios, insurer_prefixes;
  for (const auto& r : rs) {
    cards[r[idx("InsurerNumber")] + "|" + r[idx("InsuredCardSymbol")] + "|" +
          r[idx("InsuredIdentificationNumber")]]
        .push_back(&r);
    if (!r[idx("MyNumber")].empty()) {
      ++with_my_number;
      by_my_number[r[idx("MyNumber")]].push_back(&r);
    }
    if (!r[idx("DisqualificationDate")].empty()) ++lost;
    auto birth = *core::Date::parse(r[idx("Birthdate")]);
    if (core::is_preschool(birth, as_of)) ++preschool;
    if (!r[idx("ElderlyRecipientContributionRatio")].empty()) ++elderly_cert;
    if (r[idx("InsurerNumber")].rfind("39", 0) == 0) {
      ++kouki;
      ratios.insert(r[idx("InsuredPartialContributionRatio")]);
      EXPECT_TRUE(r[idx("InsuredCardSymbol")].empty());
    }
    if (r[idx("InsurerNumber")].size() == 6) ++kokuho6;
    if (!r[idx("LimitApplicationCertificateClassificationFlag")].empty()) ++limit;
    if (!r[idx("SpecificDiseasesDiseaseCategory")].empty()) ++diseases;
    insurer_prefixes.insert(r[idx("InsurerNumber")].size() == 6 ? "kokuho"
                                                                : r[idx("InsurerNumber")].substr(0, 2));
  }
  // Families share 記号・番号 with distinct 枝番, 00 being the 本人.
  int families = 0;
  for (const auto& [key, members] : cards) {
    std::set<std::string> branches;
    for (const Row* r : members) {
      EXPECT_TRUE(branches.insert((*r)[idx("InsuredBranchNumber")]).second) << key;
      if ((*r)[idx("InsuredBranchNumber")] == "00" && key.rfind("39", 0) != 0)
        EXPECT_EQ((*r)[idx("PersonalFamilyClassification")], "1");
    }
    if (members.size() >= 3) ++families;
  }
  EXPECT_GT(families, 500);
  // Changed insurer: the same My Number on a lost row and on a newer row elsewhere.
  int changed = 0;
  for (const auto& [mn, members] : by_my_number) {
    if (members.size() < 2) continue;
    const Row* old_row = nullptr;
    const Row* new_row = nullptr;
    for (const Row* r : members) {
      if (!(*r)[idx("DisqualificationDate")].empty()) old_row = r;
      else new_row = r;
    }
    if (old_row && new_row) {
      EXPECT_EQ((*old_row)[idx("Birthdate")], (*new_row)[idx("Birthdate")]);
      EXPECT_EQ((*old_row)[idx("DisqualificationDate")], (*new_row)[idx("QualificationDate")]);
      EXPECT_NE((*old_row)[idx("InsurerNumber")] + (*old_row)[idx("InsuredIdentificationNumber")],
                (*new_row)[idx("InsurerNumber")] + (*new_row)[idx("InsuredIdentificationNumber")]);
      ++changed;
    }
  }
  EXPECT_GT(changed, 100);
  EXPECT_GT(lost, 500);
  EXPECT_GT(preschool, 500);
  EXPECT_GT(elderly_cert, 300);
  EXPECT_GT(kouki, 2000);
  EXPECT_GT(limit, 100);
  EXPECT_GT(diseases, 20);
  EXPECT_GT(kokuho6, 3000);
  EXPECT_EQ(ratios, (std::set<std::string>{"010", "020", "030"}));
  for (const char* p : {"01", "06", "31", "32", "33", "34", "39", "kokuho"})
    EXPECT_TRUE(insurer_prefixes.count(p)) << p;
  double rate = static_cast<double>(with_my_number) / static_cast<double>(rs.size());
  EXPECT_GT(rate, 0.85);
  EXPECT_LT(rate, 0.95);
}

TEST(Generator, DemoMembersValidateOnManyDays) {
  for (auto as_of : {core::Date::from_ymd(2025, 6, 1), core::Date::from_ymd(2026, 11, 25),
                     core::Date::from_ymd(2030, 1, 15)}) {
    auto members = demo_members(as_of);
    ASSERT_EQ(members.size(), 9u);
    for (const auto& m : members) {
      auto v = registry::validate_record(m, as_of);
      if (auto* e = std::get_if<std::vector<Error>>(&v))
        ADD_FAILURE() << as_of.iso() << " " << (*e)[0].field << " " << (*e)[0].code << " "
                      << (*e)[0].message;
    }
  }
}

TEST(Generator, DemoMembersRegisterWithKnownNumbers) {
  testutil::TempDir dir;
  auto store = store::open_sqlite(store::store_path(dir.path()));
  ASSERT_TRUE(store.ok());
  auto keyring = security::Keyring::from_master_key(std::string(32, 'd'));
  const auto as_of = core::Date::today_jst();
  registry::Registrar reg(**store, keyring);
  auto r = reg.register_records(demo_members(as_of), "demo");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 9) << r->to_json();
  auto get = [&](const char* ins, const char* sym, const char* num, const char* br) {
    auto v = (*store)->qualification_as_of(core::make_card_key(ins, sym, num, br), INT64_MAX);
    EXPECT_TRUE(v.ok() && v->has_value()) << ins << " " << num;
    return v.ok() && v->has_value() ? (*v)->qualification : core::Qualification{};
  };
  auto yamada = get("06139992", "1234", "5678", "00");
  ASSERT_TRUE(yamada.limit_application.has_value());
  EXPECT_EQ(yamada.limit_application->classification_flag, "A03");
  auto hina = get("06139992", "1234", "5678", "02");
  EXPECT_TRUE(core::is_preschool(*core::Date::parse(hina.birthdate), as_of));
  EXPECT_EQ(get("131045", "01", "234567", "00").name, "鈴木\u3000一郎");
  EXPECT_EQ(get("39130000", "", "12345674", "").insured_partial_contribution_ratio, "010");
  auto takahashi = get("01130012", "4120135", "21", "00");
  ASSERT_TRUE(takahashi.elderly_recipient.has_value());
  EXPECT_EQ(takahashi.elderly_recipient->contribution_ratio, "020");
  auto old_tanaka = get("01130012", "3050021", "7", "00");
  EXPECT_EQ(old_tanaka.reason_of_loss, "03");
  auto linked = (*store)->find_by_person_link(keyring.person_link("334455667785"), INT64_MAX);
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->size(), 2u);
  EXPECT_EQ(get("131045", "01", "234999", "00").reason_of_loss, "99");
}

TEST(Generator, CliWritesTheSameBytesInBothEncodings) {
  testutil::TempDir dir;
  std::string bin = ONSHI_BINARY;
  auto cmd = [&](const std::string& out, const std::string& extra) {
    return testutil::run(bin + " generate members --count 3000 --seed 5 --as-of 20251101 --out " +
                         testutil::quote((dir / out).string()) + " " + extra + " >/dev/null");
  };
  ASSERT_EQ(cmd("a.csv", ""), 0);
  ASSERT_EQ(cmd("b.csv", ""), 0);
  ASSERT_EQ(cmd("s.csv", "--encoding shift_jis"), 0);
  auto a = testutil::read_file(dir / "a.csv");
  EXPECT_EQ(a, testutil::read_file(dir / "b.csv"));
  EXPECT_EQ(a, generate_members_csv(opts(3000, 5)));
  auto s = core::shift_jis_to_utf8(testutil::read_file(dir / "s.csv"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, a);
  EXPECT_EQ(testutil::run(bin + " generate members --count 10 --out " +
                          testutil::quote((dir / "x.csv").string()) +
                          " --encoding latin1 2>/dev/null"),
            2);
  ASSERT_EQ(testutil::run(bin + " generate demo-members --as-of 20251101 --out " +
                          testutil::quote((dir / "demo.csv").string()) + " >/dev/null"),
            0);
  EXPECT_EQ(testutil::read_file(dir / "demo.csv"),
            demo_members_csv(core::Date::from_ymd(2025, 11, 1)));
}

}  // namespace
}  // namespace onshi::demo
