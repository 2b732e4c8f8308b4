// 医療扶助 recipients registered by a welfare office (registry/medical_aid.h) into a real
// SQLite store: the recipient's key and columns, the member import's rules (encodings,
// idempotent re-runs, per-row errors with field, code and Japanese message, nothing stored
// for a bad row), the office's own number only, and 被用者保険 kept beside 医療扶助.
#include <gtest/gtest.h>

#include "core/qualification.h"
#include "core/text.h"
#include "registry/medical_aid.h"
#include "security/crypto.h"
#include "store/store.h"
#include "test_util.h"

namespace onshi::registry {
namespace {

using testutil::TempDir;
using testutil::write_file;

constexpr const char* kOffice = "12131017";  // 法別 12, 東京都, check digit 7
constexpr const char* kOtherOffice = "12130019";

std::string header() {
  std::string h;
  for (const auto& c : recipient_fields()) h += (h.empty() ? "" : ",") + c;
  return h + "\n";
}

// A recipient row: office, 受給者番号, name, 保護開始, 廃止, My Number.
std::string row(const std::string& office, const std::string& number,
                const std::string& name = "扶助\u3000太郎", const std::string& start = "20240101",
                const std::string& end = "", const std::string& my_number = "123456789018") {
  return office + ",千代田区福祉事務所," + number + "," + name +
         ",ﾌｼﾞｮ ﾀﾛｳ,1,19600505,100-0001,東京都千代田区千代田１番１号," + start + "," + end +
         (end.empty() ? "," : ",99") + "," + my_number + "\n";
}

struct RecipientImport : ::testing::Test {
  TempDir dir;
  std::unique_ptr<store::Store> store;
  security::Keyring keyring = security::Keyring::from_master_key(std::string(32, 'k'));
  void SetUp() override {
    auto s = store::open_sqlite(store::store_path(dir.path()));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store = std::move(*s);
  }
  Result<Report> import(const std::string& bytes, ImportOptions opt = {}) {
    auto p = dir / "recipients.csv";
    write_file(p, bytes);
    return import_recipients_csv(*store, keyring, p, opt);
  }
  int64_t versions() { return *store->count_versions(); }
};

// R-AID-1: a recipient is a qualification keyed by 公費負担者番号 + 受給者番号, A1, no symbol or
// branch, with the person link a member gets; a re-run changes nothing.
TEST_F(RecipientImport, StoresRecipientsAsA1QualificationsAndRerunChangesNothing) {
  auto r = import(header() + row(kOffice, "1234566") + row(kOffice, "0000018", "保護\u3000花子",
                                                             "20240301", "", "111111111118"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->rejected, 0) << r->to_json();
  auto v = store->qualification_as_of(core::make_card_key(kOffice, "", "1234566", ""),
                                      core::now_unix_us());
  ASSERT_TRUE(v.ok() && v->has_value());
  const core::Qualification& q = (*v)->qualification;
  EXPECT_EQ(q.insured_card_classification, "A1");
  EXPECT_EQ(q.insurer_number, kOffice);
  EXPECT_TRUE(q.insured_card_symbol.empty());
  EXPECT_TRUE(q.insured_branch_number.empty());
  EXPECT_EQ(q.qualification_date, "20240101");
  EXPECT_EQ(q.name_kana, "フジョ\u3000タロウ");
  EXPECT_FALSE((*v)->person_link.empty());
  EXPECT_EQ((*v)->person_link, keyring.person_link("123456789018"));

  const int64_t before = versions();
  auto again = import(header() + row(kOffice, "1234566") + row(kOffice, "0000018", "保護\u3000花子",
                                                                 "20240301", "", "111111111118"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(versions(), before);

  // 廃止: a changed row is a new version (bitemporal, as for members).
  auto ended = import(header() + row(kOffice, "1234566", "扶助\u3000太郎", "20240101", "20250401"));
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->accepted, 1);
  EXPECT_EQ(versions(), before + 1);
}

// R-AID-1: the same file in Shift_JIS (CP932), as welfare offices' systems write it.
TEST_F(RecipientImport, ShiftJisFile) {
  auto sjis = core::utf8_to_shift_jis(header() + row(kOffice, "1234566"));
  ASSERT_TRUE(sjis.ok());
  auto r = import(*sjis);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  auto v = store->qualification_as_of(core::make_card_key(kOffice, "", "1234566", ""),
                                      core::now_unix_us());
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((*v)->qualification.name, "扶助\u3000太郎");
}

// Issue 15, bad input: wrong check digits and a number that is not 医療扶助's — field, code,
// Japanese message, and nothing stored.
TEST_F(RecipientImport, BadNumbersAreRejectedWithFieldCodeAndMessage) {
  auto r = import(header() + row("12131018", "1234566") +  // 公費負担者番号 check digit
                  row("06139992", "1234566") +             // an insurer's number, not 法別 12
                  row(kOffice, "1234567") +                 // 受給者番号 check digit
                  row(kOffice, "12345"));                   // 受給者番号 length
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 0);
  EXPECT_EQ(r->rejected, 4);
  ASSERT_EQ(r->errors.size(), 4u) << r->to_json();
  EXPECT_EQ(r->errors[0].field, "InsurerNumber");
  EXPECT_EQ(r->errors[0].code, "E_CHECK_DIGIT");
  EXPECT_NE(r->errors[0].message.find("公費負担者番号"), std::string::npos);
  EXPECT_EQ(r->errors[1].field, "InsurerNumber");
  EXPECT_EQ(r->errors[1].code, "E_MEDICAL_AID_NUMBER");
  EXPECT_NE(r->errors[1].message.find("法別 12"), std::string::npos);
  EXPECT_EQ(r->errors[2].field, "InsuredIdentificationNumber");
  EXPECT_EQ(r->errors[2].code, "E_CHECK_DIGIT");
  EXPECT_NE(r->errors[2].message.find("受給者番号"), std::string::npos);
  EXPECT_EQ(r->errors[3].code, "E_LENGTH");
  EXPECT_EQ(versions(), 0);
  // The My Number appears in no error.
  EXPECT_EQ(r->to_json().find("123456789018"), std::string::npos);
}

// A member's column in a recipient file is refused as a whole (nothing imported).
TEST_F(RecipientImport, MemberOnlyColumnRefusesTheFile) {
  auto r = import("InsuredCardSymbol," + header().substr(0, header().size() - 1) + "\n1," +
                  row(kOffice, "1234566"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CSV_HEADER");
  EXPECT_EQ(versions(), 0);
}

// Duplicate keys in one file: the first row wins, as for members.
TEST_F(RecipientImport, SecondRowOfAKeyIsRejected) {
  auto r = import(header() + row(kOffice, "1234566") + row(kOffice, "1234566", "扶助\u3000次郎"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "E_DUPLICATE_KEY");
  EXPECT_NE(r->errors[0].message.find("受給者"), std::string::npos);
}

FieldMap recipient(const std::string& office, const std::string& number) {
  return {{"InsurerNumber", office},  {"InsuredIdentificationNumber", number},
          {"Name", "扶助\u3000太郎"}, {"Sex1", "1"},
          {"Birthdate", "19600505"},  {"QualificationDate", "20240101"},
          {"MyNumber", "123456789018"}};
}

// Issue 15 point 1: an office registers only under its own number (E_FORBIDDEN_OFFICE), and
// a member's element a recipient does not have is an unknown field.
TEST_F(RecipientImport, RegistrarKeepsAnOfficeToItsOwnNumber) {
  Registrar registrar(*store, keyring);
  FieldMap with_symbol = recipient(kOffice, "0000018");
  with_symbol.emplace_back("InsuredCardSymbol", "12");
  auto r = registrar.register_records(
      {recipient(kOffice, "1234566"), recipient(kOtherOffice, "1234566"), with_symbol},
      "welfare-office:12131017", std::string(kOffice), 0, RecordKind::kRecipient);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->rejected, 2);
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].row, 1);
  EXPECT_EQ(r->errors[0].code, "E_FORBIDDEN_OFFICE");
  EXPECT_EQ(r->errors[0].field, "InsurerNumber");
  EXPECT_EQ(r->errors[1].row, 2);
  EXPECT_EQ(r->errors[1].code, "E_UNKNOWN_FIELD");
  EXPECT_EQ(versions(), 1);
}

// Issue 15 point 1: an insurer cannot register a 法別 12 number as a member.
TEST_F(RecipientImport, MemberRegistrationRefusesAMedicalAidNumber) {
  Registrar registrar(*store, keyring);
  auto r = registrar.register_records({recipient(kOffice, "1234566")}, "insurer:06139992");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 1);
  ASSERT_FALSE(r->errors.empty());
  EXPECT_EQ(r->errors[0].field, "InsurerNumber");
  EXPECT_EQ(versions(), 0);
}

// R-AID-1 / domain-rules §3: a recipient who also has 被用者保険 keeps it (併用): both
// qualifications stand under one person link.
TEST_F(RecipientImport, EmployeeInsuranceIsKeptBesideMedicalAid) {
  Registrar registrar(*store, keyring);
  FieldMap member = {{"InsurerNumber", "06139992"}, {"InsuredCardSymbol", "1234"},
                     {"InsuredIdentificationNumber", "5001"}, {"InsuredBranchNumber", "00"},
                     {"Name", "扶助\u3000太郎"}, {"Sex1", "1"}, {"Birthdate", "19600505"},
                     {"QualificationDate", "20100401"}, {"MyNumber", "123456789018"}};
  ASSERT_EQ(registrar.register_records({member}, "insurer:06139992")->accepted, 1);
  ASSERT_TRUE(import(header() + row(kOffice, "1234566")).ok());
  auto both = store->find_by_person_link(keyring.person_link("123456789018"), core::now_unix_us());
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  for (const auto& v : *both) EXPECT_TRUE(v.qualification.covers("20250415"));
}

}  // namespace
}  // namespace onshi::registry
