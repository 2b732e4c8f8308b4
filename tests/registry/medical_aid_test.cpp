// 医療扶助 recipients registered by a welfare office (registry/medical_aid.h) into a real
// SQLite store: the recipient's key and columns, the member import's rules (encodings,
// idempotent re-runs, per-row errors with field, code and Japanese message, nothing stored
// for a bad row), the office's own number only, and 被用者保険 kept beside 医療扶助.
#include "registry/medical_aid.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/qualification.h"
#include "core/text.h"
#include "security/crypto.h"
#include "store/database.h"
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
  auto r = import(header() + row(kOffice, "1234566") +
                  row(kOffice, "0000018", "保護\u3000花子", "20240301", "", "111111111118"));
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
  auto again = import(header() + row(kOffice, "1234566") +
                      row(kOffice, "0000018", "保護\u3000花子", "20240301", "", "111111111118"));
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
                  row(kOffice, "1234567") +                // 受給者番号 check digit
                  row(kOffice, "12345"));                  // 受給者番号 length
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
  return {{"InsurerNumber", office},   {"InsuredIdentificationNumber", number},
          {"Name", "扶助\u3000太郎"},  {"Sex1", "1"},
          {"Birthdate", "19600505"},   {"QualificationDate", "20240101"},
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
  FieldMap member = {{"InsurerNumber", "06139992"},
                     {"InsuredCardSymbol", "1234"},
                     {"InsuredIdentificationNumber", "5001"},
                     {"InsuredBranchNumber", "00"},
                     {"Name", "扶助\u3000太郎"},
                     {"Sex1", "1"},
                     {"Birthdate", "19600505"},
                     {"QualificationDate", "20100401"},
                     {"MyNumber", "123456789018"}};
  ASSERT_EQ(registrar.register_records({member}, "insurer:06139992")->accepted, 1);
  ASSERT_TRUE(import(header() + row(kOffice, "1234566")).ok());
  auto both = store->find_by_person_link(keyring.person_link("123456789018"), core::now_unix_us());
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  for (const auto& v : *both) EXPECT_TRUE(v.qualification.covers("20250415"));
}

// ---- tickets (医療券・調剤券) ----

std::string ticket_header() {
  std::string h;
  for (const auto& c : ticket_fields()) h += (h.empty() ? "" : ",") + c;
  return h + "\n";
}

// A ticket row (every column of ticket_fields(), in order); `type` 01 医療券 / 02 調剤券.
std::string ticket_row(const std::string& number, const std::string& issue,
                       const std::string& valid = "20250401",
                       const std::string& expiry = "20250430", const std::string& month = "202504",
                       const std::string& institution = "1310112345",
                       const std::string& type = "01", const std::string& treatment = "02") {
  return std::string(kOffice) + "," + number + "," + type + "," + valid + "," + expiry + "," +
         issue + "," + month + "," + institution + ",試験クリニック,,,高血圧症,,," + treatment +
         ",0,地区　担当,取扱　担当,01,02,,02,02,02,,,\n";
}

struct TicketImport : ::testing::Test {
  TempDir dir;
  std::unique_ptr<store::Database> db;
  security::Keyring keyring = security::Keyring::from_master_key(std::string(32, 'k'));
  void SetUp() override {
    auto d = store::open_store(store::sqlite_url(dir.path()));
    ASSERT_TRUE(d.ok()) << d.error().message;
    db = std::move(*d);
    // Two recipients: 1234566 from 2024-01-01, 0000018 whose 保護 ended on 2025-04-10.
    auto p = dir / "recipients.csv";
    write_file(
        p, header() + row(kOffice, "1234566") +
               row(kOffice, "0000018", "保護\u3000花子", "20240101", "20250410", "111111111118"));
    auto r = import_recipients_csv(db->members(), keyring, p);
    ASSERT_TRUE(r.ok() && r->accepted == 2) << (r.ok() ? r->to_json() : r.error().message);
  }
  Result<Report> import(const std::string& bytes) {
    auto p = dir / "tickets.csv";
    write_file(p, bytes);
    return import_tickets_csv(db->members(), db->tickets(), p);
  }
  int64_t ticket_versions() { return *db->tickets().count_versions(); }
};

// R-AID-1, issue 15 point 3: tickets import, a re-run changes nothing, a changed row is a new
// version of its (公費負担者番号, 受給者番号, IssueNumber).
TEST_F(TicketImport, ImportRerunAndNewVersion) {
  const std::string file =
      ticket_header() + ticket_row("1234566", "0000123") +
      ticket_row("1234566", "0000124", "20250401", "20250430", "202504", "1340040128", "02", "04");
  auto r = import(file);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 2) << r->to_json();
  auto again = import(file);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(ticket_versions(), 2);
  auto changed = import(ticket_header() + ticket_row("1234566", "0000123", "20250401", "20250420"));
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->accepted, 1);
  EXPECT_EQ(ticket_versions(), 3);
  auto now = db->tickets().tickets_of(kOffice, "1234566", core::now_unix_us());
  ASSERT_TRUE(now.ok());
  ASSERT_EQ(now->size(), 2u);
  EXPECT_EQ((*now)[0].ticket.expiration_date, "20250420");
  EXPECT_EQ((*now)[0].ticket.district_contact_name, "地区　担当");
  EXPECT_EQ((*now)[0].source, "import:tickets.csv");
}

// R-AID-1: a Shift_JIS ticket file.
TEST_F(TicketImport, ShiftJisFile) {
  auto sjis = core::utf8_to_shift_jis(ticket_header() + ticket_row("1234566", "0000123"));
  ASSERT_TRUE(sjis.ok());
  auto r = import(*sjis);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 1) << r->to_json();
  auto now = db->tickets().tickets_of(kOffice, "1234566", core::now_unix_us());
  ASSERT_TRUE(now.ok() && now->size() == 1u);
  EXPECT_EQ((*now)[0].ticket.injury_name1, "高血圧症");
}

// Issue 15, bad input: each malformed ticket row answers with its field, a stable code and a
// Japanese message, and nothing of it is stored.
TEST_F(TicketImport, BadRowsAreRejectedAndNothingIsStored) {
  struct Case {
    std::string row, field, code;
  } cases[] = {
      {ticket_row("9999996", "1"), "InsuredIdentificationNumber", "E_RECIPIENT_NOT_FOUND"},
      {ticket_row("1234567", "2"), "InsuredIdentificationNumber", "E_CHECK_DIGIT"},
      {ticket_row("0000018", "3"), "MedicalTicketExpirationDate", "E_TICKET_PERIOD"},
      {ticket_row("1234566", "4", "20231201", "20231231", "202312"), "MedicalTicketValidDate",
       "E_TICKET_PERIOD"},
      {ticket_row("1234566", "5", "20250401", "20250430", "202504", "1310112345", "07"),
       "TicketType", "E_CODE"},
      {ticket_row("1234566", "6", "20250401", "20250430", "202504", "1310112346"),
       "DesignatedMedicalInstitutionCode", "E_CHECK_DIGIT"},
      {ticket_row("1234566", "7", "20250430", "20250401"), "MedicalTicketExpirationDate",
       "E_DATE_ORDER"},
      {ticket_row("1234566", "8", "20250401", "20250430", "202505"), "MedicalTicketValidDate",
       "E_TICKET_MONTH"},
      {ticket_row("1234566", "9", "20250401", "20250430", "2025-4"), "MedicalTreatmentMonth",
       "E_MONTH"},
      {ticket_row("1234566", "10", "20250401", "20250430", "202504", "1310112345", "02"),
       "DesignatedMedicalInstitutionCode", "E_TICKET_INSTITUTION"},
      {ticket_row("1234566", "11", "20250431"), "MedicalTicketValidDate", "E_DATE_INVALID"},
  };
  for (const auto& c : cases) {
    auto r = import(ticket_header() + c.row);
    ASSERT_TRUE(r.ok()) << c.code << ": " << r.error().message;
    EXPECT_EQ(r->accepted, 0) << c.code;
    EXPECT_EQ(r->rejected, 1) << c.code;
    bool found = false;
    for (const auto& e : r->errors) {
      if (e.code != c.code || found) continue;  // the first error of the code
      found = true;
      EXPECT_EQ(e.field, c.field) << c.code;
      EXPECT_TRUE(std::any_of(e.message.begin(), e.message.end(),
                              [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }))
          << c.code << ": a Japanese message: " << e.message;
    }
    EXPECT_TRUE(found) << c.code << " not in " << r->to_json();
  }
  EXPECT_EQ(ticket_versions(), 0);
}

// R-AID-1, issue 15 "Speed": a run reads each recipient's period once and remembers it; every
// row is still checked against its own recipient, across batches and worker threads.
TEST_F(TicketImport, EachRowIsCheckedAgainstItsRecipientAcrossBatches) {
  std::string file = ticket_header();
  for (int i = 0; i < 6; ++i) {
    const std::string n = std::to_string(100 + i);
    file += ticket_row("1234566", n);                                           // good
    file += ticket_row("0000018", n + "1");                                     // after 廃止
    file += ticket_row("0000018", n + "2", "20250401", "20250409");             // good
    file += ticket_row("9999996", n + "3");                                     // unknown
    file += ticket_row("1234566", n + "4", "20231201", "20231231", "202312");   // before 開始
  }
  ImportOptions small;
  small.batch_size = 4;
  small.threads = 2;
  auto p = dir / "tickets.csv";
  write_file(p, file);
  auto r = import_tickets_csv(db->members(), db->tickets(), p, small);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 12) << r->to_json();
  EXPECT_EQ(r->rejected, 18);
  for (const auto& e : r->errors) {
    const int64_t kind = (e.row - 1) % 5;  // the row's place in the five above
    if (kind == 1) EXPECT_EQ(e.field, "MedicalTicketExpirationDate") << e.row;
    if (kind == 3) EXPECT_EQ(e.code, "E_RECIPIENT_NOT_FOUND") << e.row;
    if (kind == 4) EXPECT_EQ(e.field, "MedicalTicketValidDate") << e.row;
    EXPECT_TRUE(kind == 1 || kind == 3 || kind == 4) << e.row << " " << e.code;
    if (kind != 3) EXPECT_EQ(e.code, "E_TICKET_PERIOD") << e.row;
  }
  EXPECT_EQ(ticket_versions(), 12);
}

// R-AID-1, issue 15 "Speed": a file into a store with no ticket is a bulk load (the store
// appends and builds its indexes at the end); the rules stay those of any import — a key
// repeated in a later batch is rejected with the first row named, the tickets are found by
// recipient and by institution afterwards, and a re-run (no longer a bulk load) changes
// nothing.
TEST_F(TicketImport, FirstFileIntoAnEmptyStoreKeepsEveryRule) {
  std::string file = ticket_header();
  for (int i = 0; i < 5; ++i) file += ticket_row("1234566", std::to_string(200 + i));
  file += ticket_row("1234566", "201", "20250401", "20250420");  // row 6: row 2's key
  file += ticket_row("9999996", "300");                           // row 7: no recipient
  ImportOptions small;
  small.batch_size = 2;
  auto p = dir / "tickets.csv";
  write_file(p, file);
  auto r = import_tickets_csv(db->members(), db->tickets(), p, small);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->accepted, 5) << r->to_json();
  EXPECT_EQ(r->rejected, 2);
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].row, 6);
  EXPECT_EQ(r->errors[0].code, "E_DUPLICATE_KEY");
  EXPECT_NE(r->errors[0].message.find("行 2"), std::string::npos) << r->errors[0].message;
  EXPECT_EQ(r->errors[1].code, "E_RECIPIENT_NOT_FOUND");
  auto of = db->tickets().tickets_of(kOffice, "1234566", core::now_unix_us());
  ASSERT_TRUE(of.ok()) << of.error().message;
  ASSERT_EQ(of->size(), 5u);
  EXPECT_EQ((*of)[1].ticket.expiration_date, "20250430");  // row 2's, not row 6's
  auto at = db->tickets().tickets_for_institution("1310112345", "202504", core::now_unix_us());
  ASSERT_TRUE(at.ok()) << at.error().message;
  EXPECT_EQ(at->size(), 5u);
  auto again = import_tickets_csv(db->members(), db->tickets(), p, small);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->unchanged, 5) << again->to_json();
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(ticket_versions(), 5);
}

// Issue 15 point 1: an office registers tickets only under its own number.
TEST_F(TicketImport, RegisterTicketsKeepsAnOfficeToItsOwnNumber) {
  FieldMap t = {{"InsurerNumber", kOffice},
                {"InsuredIdentificationNumber", "1234566"},
                {"TicketType", "01"},
                {"MedicalTicketValidDate", "20250401"},
                {"MedicalTicketExpirationDate", "20250430"},
                {"IssueNumber", "123"},
                {"MedicalTreatmentMonth", "202504"},
                {"DesignatedMedicalInstitutionCode", "1310112345"}};
  auto r = register_tickets(db->members(), db->tickets(), {t}, "welfare-office:12130019",
                            std::string(kOtherOffice));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "E_FORBIDDEN_OFFICE");
  EXPECT_EQ(ticket_versions(), 0);
  t.emplace_back("DesignatedMedicalInstitutionFlag", "0");  // the service's to compute
  auto unknown = register_tickets(db->members(), db->tickets(), {t}, "welfare-office:12131017",
                                  std::string(kOffice));
  ASSERT_TRUE(unknown.ok());
  ASSERT_EQ(unknown->errors.size(), 1u);
  EXPECT_EQ(unknown->errors[0].code, "E_UNKNOWN_FIELD");
  t.pop_back();
  auto ok = register_tickets(db->members(), db->tickets(), {t}, "welfare-office:12131017",
                             std::string(kOffice));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->accepted, 1);
}

}  // namespace
}  // namespace onshi::registry
