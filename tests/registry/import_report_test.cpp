// `onshi import` reports that are whole and true (issue "fail closed and tell the truth",
// point 3): a report for every run, never a stale one; every header problem at once;
// duplicate keys inside one file reported and a re-run that changes nothing; a hint naming
// --encoding when no row could be decoded. Runs the real binary on real SQLite files.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "core/text.h"
#include "store/store.h"
#include "test_util.h"

namespace onshi::registry {
namespace {

using testutil::quote;
using testutil::read_file;
using testutil::run;
using testutil::TempDir;
using testutil::write_file;

const std::string kHeader =
    "InsurerNumber,InsurerName,InsuredCardClassification,InsuredCardSymbol,"
    "InsuredIdentificationNumber,InsuredBranchNumber,PersonalFamilyClassification,Name,NameKana,"
    "Sex1,Birthdate,Address,QualificationDate\n";

std::string member(const std::string& number, const std::string& address) {
  return "06139992,オンシ電機健康保険組合,01,1234," + number +
         ",00,1,山田　太郎,ヤマダ　タロウ,1,"
         "19800515," +
         address + ",20100401\n";
}

struct ImportReport : ::testing::Test {
  TempDir dir;
  int import(const std::string& csv_bytes, const std::string& extra = "") {
    write_file(dir / "members.csv", csv_bytes);
    return run(std::string(ONSHI_BINARY) + " import --data-dir " + quote((dir / "data").string()) +
               " --report " + quote((dir / "report.json").string()) + " " + extra + " " +
               quote((dir / "members.csv").string()) + " > " + quote((dir / "out.txt").string()) +
               " 2> " + quote((dir / "err.txt").string()));
  }
  boost::json::object report() {
    boost::system::error_code ec;
    auto v = boost::json::parse(read_file(dir / "report.json"), ec);
    return ec || !v.is_object() ? boost::json::object{} : v.as_object();
  }
  int64_t versions() {
    auto s = store::open_sqlite(store::store_path(dir / "data"));
    if (!s) return -1;
    auto n = (*s)->count_versions();
    return n ? *n : -1;
  }
};

// Duplicate keys inside one file: the first row wins, later rows with its key are reported
// ("row N has the key of row M"), and running the file again changes nothing.
TEST_F(ImportReport, DuplicateKeysAreReportedAndARerunChangesNothing) {
  const std::string csv =
      kHeader + member("5678", "東京都新宿区西新宿１丁目") +
      member("5678", "東京都新宿区西新宿１丁目") +    // an exact copy
      member("5678", "大阪府大阪市北区梅田２丁目") +  // same key, another address
      member("5679", "東京都新宿区西新宿１丁目");
  ASSERT_EQ(import(csv), 0) << read_file(dir / "err.txt");
  auto r = report();
  EXPECT_EQ(r["accepted"].as_int64(), 2);
  EXPECT_EQ(r["rejected"].as_int64(), 2);
  auto& errors = r["errors"].as_array();
  ASSERT_EQ(errors.size(), 2u) << boost::json::serialize(r);
  for (size_t i = 0; i < 2; ++i) {
    const auto& e = errors[i].as_object();
    EXPECT_EQ(e.at("code").as_string(), "E_DUPLICATE_KEY");
    EXPECT_EQ(e.at("row").as_int64(), static_cast<int64_t>(i + 2));
    EXPECT_NE(std::string(e.at("message").as_string()).find("行 1"), std::string::npos);
  }
  const int64_t v = versions();
  EXPECT_EQ(v, 2);
  ASSERT_EQ(import(csv), 0);
  r = report();
  EXPECT_EQ(r["accepted"].as_int64(), 0);
  EXPECT_EQ(r["unchanged"].as_int64(), 2);
  EXPECT_EQ(r["rejected"].as_int64(), 2);
  EXPECT_EQ(versions(), v) << "a re-run writes no version";
}

// A header error with the previous run's success report in place: the report is replaced by
// the refusal, which lists every unknown and every missing column at once.
TEST_F(ImportReport, HeaderErrorReplacesTheOldReportAndListsEveryProblem) {
  ASSERT_EQ(import(kHeader + member("5678", "東京都")), 0);
  ASSERT_EQ(report()["accepted"].as_int64(), 1);
  const std::string bad = "InsurerNumber,Nmae,InsuredIdentificationNumber,Sx1,Birthdate\n" +
                          std::string("06139992,山田,5678,1,19800515\n");
  EXPECT_EQ(import(bad), 2);
  const std::string err = read_file(dir / "err.txt");
  EXPECT_NE(err.find("E_CSV_HEADER"), std::string::npos) << err;
  auto r = report();
  ASSERT_TRUE(r.contains("refused")) << read_file(dir / "report.json");
  EXPECT_FALSE(r.contains("accepted")) << "no stale success";
  EXPECT_EQ(r["refused"].as_object()["code"].as_string(), "E_CSV_HEADER");
  std::set<std::string> fields;
  for (const auto& e : r["errors"].as_array())
    fields.insert(std::string(e.as_object().at("field").as_string()));
  for (const char* f : {"Nmae", "Sx1", "Name", "Sex1", "QualificationDate"})
    EXPECT_TRUE(fields.count(f)) << f << " missing from " << read_file(dir / "report.json");
}

// A file that is not there: exit 2 and a report that says so (not the previous one).
TEST_F(ImportReport, MissingFileGetsARefusalReport) {
  write_file(dir / "report.json", "{\"accepted\":9,\"unchanged\":0,\"rejected\":0,\"errors\":[]}");
  int rc = run(std::string(ONSHI_BINARY) + " import --data-dir " + quote((dir / "data").string()) +
               " --report " + quote((dir / "report.json").string()) + " " +
               quote((dir / "absent.csv").string()) + " 2> /dev/null");
  EXPECT_EQ(rc, 2);
  auto r = report();
  ASSERT_TRUE(r.contains("refused")) << read_file(dir / "report.json");
  EXPECT_EQ(r["refused"].as_object()["code"].as_string(), "E_FILE");
}

// Every row fails on encoding: the report and stderr name --encoding and the encoding used.
TEST_F(ImportReport, AllRowsUndecodableNamesTheEncodingOption) {
  auto sjis =
      core::utf8_to_shift_jis(kHeader + member("5678", "東京都") + member("5679", "大阪府"));
  ASSERT_TRUE(sjis.ok());
  EXPECT_EQ(import(*sjis, "--encoding utf-8"), 0);
  auto r = report();
  EXPECT_EQ(r["rejected"].as_int64(), 2);
  ASSERT_TRUE(r.contains("notice")) << read_file(dir / "report.json");
  const std::string notice(r["notice"].as_string());
  EXPECT_NE(notice.find("--encoding shift_jis"), std::string::npos) << notice;
  EXPECT_NE(notice.find("UTF-8"), std::string::npos) << notice;
  EXPECT_NE(read_file(dir / "err.txt").find("--encoding shift_jis"), std::string::npos);
}

}  // namespace
}  // namespace onshi::registry
