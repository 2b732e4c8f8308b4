// CSV import into a real SQLite store: encodings, RFC 4180 details, idempotent re-runs,
// new versions on change, rejected rows, unusable files, the Registrar, and the CLI.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/text.h"
#include "registry/registry.h"
#include "security/crypto.h"
#include "store/store.h"
#include "test_util.h"

namespace onshi::registry {
namespace {

using testutil::TempDir;
using testutil::write_file;

const std::vector<std::string> kColumns = {
    "InsurerNumber", "InsurerName", "InsuredCardClassification", "InsuredCardSymbol",
    "InsuredIdentificationNumber", "InsuredBranchNumber", "PersonalFamilyClassification",
    "Name", "NameKana", "Sex1", "Birthdate", "Address", "QualificationDate", "MyNumber"};

std::string header() {
  std::string h;
  for (const auto& c : kColumns) h += (h.empty() ? "" : ",") + c;
  return h + "\n";
}

// A valid row for member `i` of the test insurer.
std::string row(int i, const std::string& name = "山田\u3000太郎",
                const std::string& my_number = "987654321018") {
  return "06139992,オンシ電機健康保険組合,01,1234," + std::to_string(5000 + i) +
         ",00,1," + name + ",ヤマダ\u3000タロウ,1,19800515,東京都新宿区西新宿２丁目８番１号,20100401," +
         my_number + "\n";
}

struct Fixture : ::testing::Test {
  TempDir dir;
  std::unique_ptr<store::Store> store;
  security::Keyring keyring = security::Keyring::from_master_key(std::string(32, 'k'));
  void SetUp() override {
    auto s = store::open_sqlite(store::store_path(dir.path()));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store = std::move(*s);
  }
  Result<Report> import(const std::string& bytes, ImportOptions opt = {}) {
    auto p = dir / "members.csv";
    write_file(p, bytes);
    return import_csv(*store, keyring, p, opt);
  }
  int64_t keys() { return *store->count_card_keys(); }
  int64_t versions() { return *store->count_versions(); }
};

TEST_F(Fixture, Utf8ImportAndIdempotentRerun) {  // R-REG-1
  std::string csv = header();
  for (int i = 0; i < 50; ++i) csv += row(i);
  auto r = import(csv);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 50);
  EXPECT_EQ(r->rejected, 0);
  EXPECT_EQ(keys(), 50);
  int64_t v = versions();

  auto again = import(csv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(again->unchanged, 50);
  EXPECT_EQ(versions(), v);

  auto runs = store->import_runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].unchanged, 50);
}

TEST_F(Fixture, ChangedRowMakesANewVersion) {  // R-REG-1
  ASSERT_TRUE(import(header() + row(1)).ok());
  auto r = import(header() + row(1, "山田\u3000太朗"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1);
  auto key = core::make_card_key("06139992", "1234", "5001", "00");
  auto h = store->history(key);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].qualification.name, "山田\u3000太郎");
  EXPECT_EQ((*h)[1].qualification.name, "山田\u3000太朗");
  EXPECT_EQ((*h)[1].person_link, keyring.person_link("987654321018"));
  EXPECT_FALSE((*h)[1].my_number_sealed.empty());
  EXPECT_EQ(*keyring.open((*h)[1].my_number_sealed), "987654321018");
}

TEST_F(Fixture, Utf8WithBomAndCrlf) {
  std::string csv = "\xEF\xBB\xBF" + header() + row(1) + row(2);
  std::string crlf;
  for (char c : csv) {
    if (c == '\n') crlf += "\r\n";
    else crlf.push_back(c);
  }
  auto r = import(crlf);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 2);
  auto v = store->qualification_as_of(core::make_card_key("06139992", "1234", "5002", "00"),
                                      INT64_MAX);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification.address, "東京都新宿区西新宿２丁目８番１号");
  EXPECT_EQ((*v)->person_link, keyring.person_link("987654321018"));  // no stray CR
}

TEST_F(Fixture, ShiftJis) {  // receipt computers and insurers send CP932
  std::string utf8 = header() + row(1) + row(2, "髙橋\u3000一郎");  // 髙 exists only in CP932
  auto sjis = core::utf8_to_shift_jis(utf8);
  ASSERT_TRUE(sjis.ok());
  ASSERT_FALSE(core::is_valid_utf8(*sjis));
  auto r = import(*sjis);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 2);
  auto v = store->qualification_as_of(core::make_card_key("06139992", "1234", "5002", "00"),
                                      INT64_MAX);
  ASSERT_TRUE(v.ok() && v->has_value());
  // R-REG-5: 髙 (CP932's IBM extension, outside the stored set) is stored as 高, recorded.
  EXPECT_EQ((*v)->qualification.name, "高橋\u3000一郎");
  EXPECT_EQ((*v)->conversions,
            R"([{"field":"Name","position":0,"original":"髙","replacement":"高"}])");
  EXPECT_EQ((*v)->qualification.insurer_name, "オンシ電機健康保険組合");
  // Same bytes with the encoding given explicitly, and small batches over two threads.
  ImportOptions opt;
  opt.encoding = core::Encoding::kShiftJis;
  opt.batch_size = 1;
  auto again = import(*sjis, opt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 2);
}

TEST_F(Fixture, RejectedRowsAreReportedAndNeverStored) {  // R-REG-4
  std::string csv = header() + row(1) +
                    "06139993,オンシ電機健康保険組合,01,1234,5002,00,1,山田\u3000太郎,ヤマダ,1,19800515,,20100401,\n" +
                    row(3) +
                    "06139992,オンシ電機健康保険組合,01,1234,50●4,00,1,山田\u3000太郎,ヤマダ,1,19800515,,20100401,987654321019\n" +
                    "06139992,too,few\n" + row(6);
  ImportOptions opt;
  opt.batch_size = 2;
  auto r = import(csv, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 3);
  EXPECT_EQ(r->rejected, 3);
  EXPECT_EQ(keys(), 3);
  ASSERT_GE(r->errors.size(), 4u);
  EXPECT_EQ(r->errors[0].row, 2);
  EXPECT_EQ(r->errors[0].field, "InsurerNumber");
  EXPECT_EQ(r->errors[0].code, "E_CHECK_DIGIT");
  EXPECT_EQ(r->errors[1].row, 4);
  EXPECT_EQ(r->errors[1].code, "E_BAD_CHARACTER");
  EXPECT_EQ(r->errors[2].row, 4);
  EXPECT_EQ(r->errors[2].field, "MyNumber");
  EXPECT_EQ(r->errors.back().row, 5);
  EXPECT_EQ(r->errors.back().code, "E_CSV_FIELDS");
  EXPECT_EQ(r->to_json().find("98765432101"), std::string::npos);
  auto runs = store->import_runs();
  ASSERT_TRUE(runs.ok() && !runs->empty());
  EXPECT_NE(runs->back().rejected_by_code_json.find("\"E_CSV_FIELDS\":1"), std::string::npos);
}

TEST_F(Fixture, QuotedFieldsWithCommasQuotesAndNewlines) {  // RFC 4180
  std::string csv = header() +
                    "06139992,\"オンシ電機,健康保険組合\",01,1234,5001,00,1,\"山田\"\"太郎\"\"\",ヤマダ,1,19800515,\"東京都\n新宿区\",20100401,\n" +
                    "06139992,\"オンシ電機健康保険組合\",01,1234,5002,00,1,\"山田,太郎\",ヤマダ,1,19800515,\"\",20100401,\n" +
                    row(3);
  auto r = import(csv);
  ASSERT_TRUE(r.ok());
  // Row 1 has a newline inside the address: parsed as one record, then refused for it.
  ASSERT_EQ(r->rejected, 1);
  EXPECT_EQ(r->errors[0].row, 1);
  EXPECT_EQ(r->errors[0].field, "Address");
  EXPECT_EQ(r->errors[0].code, "E_BAD_CHARACTER");
  EXPECT_EQ(r->accepted, 2);
  auto v = store->qualification_as_of(core::make_card_key("06139992", "1234", "5002", "00"),
                                      INT64_MAX);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification.name, "山田,太郎");
  EXPECT_EQ((*v)->qualification.address, "");

  auto q = import(header() +
                  "06139992,\"オンシ電機,健康保険組合\",01,1234,5009,00,1,\"山田\"\"太郎\"\"\",ヤマダ,1,19800515,,20100401,");
  ASSERT_TRUE(q.ok());  // last line without a newline
  EXPECT_EQ(q->accepted, 1);
  auto w = store->qualification_as_of(core::make_card_key("06139992", "1234", "5009", "00"),
                                      INT64_MAX);
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_EQ((*w)->qualification.name, "山田\"太郎\"");
  EXPECT_EQ((*w)->qualification.insurer_name, "オンシ電機,健康保険組合");
}

TEST_F(Fixture, UnusableFiles) {
  auto unknown = import("InsurerNumber,Foo\n1,2\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "E_CSV_HEADER");
  auto dup = import(header().substr(0, header().size() - 1) + ",Sex1\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "E_CSV_HEADER");
  auto missing = import("InsurerNumber,InsurerName\n06139992,x\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "E_CSV_HEADER");
  auto empty = import("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "E_CSV_HEADER");
  auto nofile = import_csv(*store, keyring, dir / "absent.csv");
  ASSERT_FALSE(nofile.ok());
  EXPECT_EQ(nofile.error().code, "E_FILE");
  EXPECT_EQ(keys(), 0);
  EXPECT_EQ(versions(), 0);
}

TEST_F(Fixture, OptionalColumnsMayBeAbsentAndOrderIsFree) {
  auto r = import("Sex1,Name,NameKana,Birthdate,QualificationDate,InsuredCardClassification,"
                  "PersonalFamilyClassification,InsurerName,InsuredIdentificationNumber,"
                  "InsurerNumber,InsuredCardSymbol\n"
                  "2,佐藤\u3000ハナ,ｻﾄｳ ﾊﾅ,19450210,20200210,01,1,東京都後期高齢者医療広域連合,"
                  "12345674,39130000,\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
}

TEST_F(Fixture, RegistrarOnlyInsurer) {  // insurers register only their own members
  Registrar reg(*store, keyring);
  FieldMap m = {{"InsurerNumber", "06139992"}, {"InsurerName", "オンシ電機健康保険組合"},
                {"InsuredCardClassification", "01"}, {"InsuredCardSymbol", "1"},
                {"InsuredIdentificationNumber", "2"}, {"PersonalFamilyClassification", "1"},
                {"Name", "山田\u3000太郎"}, {"NameKana", "ヤマダ"}, {"Sex1", "1"},
                {"Birthdate", "19800515"}, {"QualificationDate", "20100401"}};
  auto r = reg.register_records({m, m}, "insurer:06139992", std::string("06139992"), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->unchanged, 1);  // the same record twice in one batch
  auto other = reg.register_records({m}, "insurer:01130012", std::string("01130012"), 7);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->rejected, 1);
  ASSERT_EQ(other->errors.size(), 1u);
  EXPECT_EQ(other->errors[0].row, 7);
  EXPECT_EQ(other->errors[0].code, "E_FORBIDDEN_INSURER");
}

// ---- the CLI ----

TEST(ImportCli, ExitCodesAndReport) {
  TempDir dir;
  auto csv = dir / "m.csv";
  write_file(csv, header() + row(1) + row(2, "", "987654321019"));
  std::string bin = ONSHI_BINARY;
  std::string base = bin + " import --data-dir " + testutil::quote((dir / "data").string()) +
                     " --report " + testutil::quote((dir / "r.json").string()) + " ";
  EXPECT_EQ(testutil::run(base + testutil::quote(csv.string()) + " >/dev/null 2>&1"), 0);
  auto report = boost::json::parse(testutil::read_file(dir / "r.json")).as_object();
  EXPECT_EQ(report.at("accepted").as_int64(), 1);
  EXPECT_EQ(report.at("unchanged").as_int64(), 0);
  EXPECT_EQ(report.at("rejected").as_int64(), 1);
  auto errors = report.at("errors").as_array();
  ASSERT_GE(errors.size(), 2u);
  for (const auto& e : errors) {
    const auto& o = e.as_object();
    EXPECT_EQ(o.at("row").as_int64(), 2);
    EXPECT_TRUE(o.at("field").is_string());
    EXPECT_TRUE(o.at("code").is_string());
    EXPECT_TRUE(o.at("message").is_string());
  }
  EXPECT_EQ(testutil::read_file(dir / "r.json").find("98765432101"), std::string::npos);

  EXPECT_EQ(testutil::run(base + testutil::quote((dir / "absent.csv").string()) + " 2>/dev/null"), 2);
  write_file(dir / "bad.csv", "InsurerNumber,Bogus\n");
  EXPECT_EQ(testutil::run(base + testutil::quote((dir / "bad.csv").string()) + " 2>/dev/null"), 2);
  EXPECT_EQ(testutil::run(base + "--encoding latin1 " + testutil::quote(csv.string()) +
                          " 2>/dev/null"),
            2);
  EXPECT_EQ(testutil::run(bin + " import " + testutil::quote(csv.string()) + " 2>/dev/null"), 2);
}

}  // namespace
}  // namespace onshi::registry
