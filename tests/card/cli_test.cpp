// `onshi card issue | link | revoke | show` through the real binary (R-CARD-1): exit codes
// 0 / 1 / 2, the JSON of `show`, the PIN lockout seen from the command line, and the My
// Number in neither stdout nor stderr nor any file of the data directory.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "card_helpers.h"
#include "security/temp_dir.h"

namespace onshi::card {
namespace {

using onshi::testing::run_command;
using onshi::testing::shell_quote;
using onshi::testing::TempDir;

class CardCliTest : public ::testing::Test {
 protected:
  TempDir tmp_{"card-cli"};
  std::string dir_ = (tmp_.path() / "data").string();
  std::string card_ = (tmp_.path() / "taro.card").string();
  std::string number_ = testing::my_number("23456789012");

  onshi::testing::CommandResult onshi(const std::string& args) {
    auto r = run_command(std::string(ONSHI_BINARY) + " " + args);
    // R-CARD-1: whatever happened, the My Number is not printed.
    EXPECT_EQ(r.out.find(number_), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(number_), std::string::npos) << r.err;
    return r;
  }
  onshi::testing::CommandResult issue(const std::string& number, const std::string& pin = "1234") {
    return onshi("card issue --data-dir " + shell_quote(dir_) + " --my-number " +
                 shell_quote(number) + " --pin " + shell_quote(pin) + " --out " +
                 shell_quote(card_) + " --label " + shell_quote("山田 太郎"));
  }
  onshi::testing::CommandResult link(const std::string& pin) {
    return onshi("card link --data-dir " + shell_quote(dir_) + " --card " + shell_quote(card_) +
                 " --pin " + shell_quote(pin));
  }
  boost::json::object show() {
    auto r = onshi("card show --card " + shell_quote(card_));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return boost::json::parse(r.out).as_object();
  }
};

// R-CARD-1: issue, show, 初回登録 refused without a qualification, then done with one.
TEST_F(CardCliTest, IssueShowAndLink) {
  auto issued = issue(number_);
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  auto s = show();
  EXPECT_EQ(testing::js(s.at("label")), "山田 太郎");
  EXPECT_EQ(testing::js(s.at("pinRetriesLeft")), "3");
  EXPECT_EQ(testing::js(s.at("locked")), "false");
  EXPECT_NE(issued.out.find(std::string(s.at("serial").as_string())), std::string::npos);

  auto none = link("1234");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("E_CARD_NO_QUALIFICATION"), std::string::npos) << none.err;

  testing::register_person(dir_, number_, testing::qualification("300", "20190401"));
  auto linked = link("1234");
  EXPECT_EQ(linked.exit_code, 0) << linked.err;
  EXPECT_NE(linked.out.find("初回登録"), std::string::npos);
  EXPECT_TRUE(testing::files_containing(tmp_.path(), number_).empty());
}

// R-CONF-1: three wrong PINs at 初回登録 lock the card; the right PIN then fails (exit 1).
TEST_F(CardCliTest, WrongPinsLockTheCard) {
  ASSERT_EQ(issue(number_).exit_code, 0);
  testing::register_person(dir_, number_, testing::qualification("300", "20190401"));
  auto w1 = link("0001");
  EXPECT_EQ(w1.exit_code, 1);
  EXPECT_NE(w1.err.find("E_CARD_PIN"), std::string::npos) << w1.err;
  EXPECT_EQ(testing::js(show().at("pinRetriesLeft")), "2");
  EXPECT_EQ(link("0002").exit_code, 1);
  auto w3 = link("0003");
  EXPECT_EQ(w3.exit_code, 1);
  EXPECT_NE(w3.err.find("E_CARD_LOCKED"), std::string::npos) << w3.err;
  auto right = link("1234");
  EXPECT_EQ(right.exit_code, 1);
  EXPECT_NE(right.err.find("E_CARD_LOCKED"), std::string::npos) << right.err;
  EXPECT_EQ(testing::js(show().at("locked")), "true");
}

// Revocation by card file or serial; unknown serials fail; flags are exclusive.
TEST_F(CardCliTest, Revoke) {
  ASSERT_EQ(issue(number_).exit_code, 0);
  testing::register_person(dir_, number_, testing::qualification("300", "20190401"));
  auto bad = onshi("card revoke --data-dir " + shell_quote(dir_) + " --serial 00");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("E_CARD_UNKNOWN"), std::string::npos) << bad.err;
  auto both = onshi("card revoke --data-dir " + shell_quote(dir_) + " --serial 00 --card " +
                    shell_quote(card_));
  EXPECT_EQ(both.exit_code, 2);
  auto neither = onshi("card revoke --data-dir " + shell_quote(dir_));
  EXPECT_EQ(neither.exit_code, 2);
  auto ok = onshi("card revoke --data-dir " + shell_quote(dir_) + " --card " + shell_quote(card_));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto after = link("1234");
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_NE(after.err.find("E_CARD_REVOKED"), std::string::npos) << after.err;
}

// Unusable input exits 2: a My Number with a wrong check digit (not echoed), a bad PIN, a
// card file that is not one.
TEST_F(CardCliTest, UnusableInputExits2) {
  std::string wrong = number_;
  wrong[11] = wrong[11] == '9' ? '0' : static_cast<char>(wrong[11] + 1);
  auto r = onshi("card issue --data-dir " + shell_quote(dir_) + " --my-number " + wrong +
                 " --pin 1234 --out " + shell_quote(card_));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("E_CHECK_DIGIT"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(wrong), std::string::npos) << r.err;
  EXPECT_EQ(issue(number_, "12345").exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(card_));
  auto missing = onshi("card show --card " + shell_quote(card_));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("E_CARD_FILE"), std::string::npos);
  EXPECT_EQ(onshi("card issue --data-dir " + shell_quote(dir_)).exit_code, 2);
}

// Issue 12 §1: --db puts the register in the database it names, beside the keys of
// --data-dir; revoke takes --db alone; a database that cannot be opened exits 2 and its
// password is not echoed.
TEST_F(CardCliTest, RegisterGoesToTheDatabaseOfDb) {
  const std::string state = (tmp_.path() / "state").string();
  const std::string db = "sqlite:" + state;
  auto issued = onshi("card issue --data-dir " + shell_quote(dir_) + " --db " + shell_quote(db) +
                      " --my-number " + number_ + " --pin 1234 --out " + shell_quote(card_));
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  EXPECT_NE(issued.out.find("--db " + db), std::string::npos) << issued.out;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(state) / "cards.db"));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir_) / "cards.db"));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir_) / "jlis" / "ca.pem"));

  auto elsewhere = onshi("card revoke --data-dir " + shell_quote(dir_) + " --card " +
                         shell_quote(card_));
  EXPECT_EQ(elsewhere.exit_code, 1);  // not in the register of --data-dir's own files
  EXPECT_NE(elsewhere.err.find("E_CARD_UNKNOWN"), std::string::npos) << elsewhere.err;
  auto revoked = onshi("card revoke --db " + shell_quote(db) + " --card " + shell_quote(card_));
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;

  auto bad = onshi("card revoke --db mysql://onshi:s3cret@127.0.0.1/x --card " +
                   shell_quote(card_));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("E_DB_URL"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("s3cret"), std::string::npos) << bad.err;
}

TEST_F(CardCliTest, EverySubcommandHasHelp) {
  for (const char* sub : {"issue", "link", "revoke", "show"}) {
    auto r = onshi(std::string("card ") + sub + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("--"), std::string::npos) << sub;
  }
}

}  // namespace
}  // namespace onshi::card
