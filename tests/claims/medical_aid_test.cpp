// The 医療扶助 claims of the claims check (R-CLM-3, seed 004 §1), on every backend: the
// recipient is a qualification in the member store, the tickets are in the ticket store, and
// confirmations are in the audit log, as the service writes them. Each case builds the state a
// welfare office and a clinic would have made, then checks one claim.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "claims/claims.h"
#include "core/csv.h"
#include "core/numbers.h"
#include "security/audit.h"
#include "store/database.h"
#include "store/test_database.h"

namespace onshi::claims {
namespace {

using onshi::testing::TestDatabase;

std::string with_check(const std::string& body) {
  return body + std::to_string(core::weighted_check_digit(body));
}

const std::string kOffice = with_check("1213101");     // 福祉事務所 (公費負担者番号)
const std::string kNewOffice = with_check("1227102");  // the office after a move
const std::string kClinic = with_check("131011001");
const std::string kOtherClinic = with_check("131011002");
const std::string kInsurer = "06130488";  // a 健保組合 (8 digits, valid)

core::Qualification recipient(const std::string& office, const std::string& number,
                              const std::string& start, const std::string& end = "") {
  core::Qualification q;
  q.insurer_number = office;
  q.insurer_name = "試験福祉事務所";
  q.insured_card_classification = "A1";
  q.insured_identification_number = number;
  q.name = q.insured_name = "保護　花子";
  q.name_kana = "ホゴ　ハナコ";
  q.sex1 = "2";
  q.birthdate = "19500101";
  q.qualification_date = start;
  q.disqualification_date = end;
  if (!end.empty()) q.reason_of_loss = "01";
  return q;
}

core::MedicalTicket ticket(const core::Qualification& r, const std::string& issue,
                           const std::string& month, const std::string& designated,
                           const std::string& from = "", const std::string& to = "") {
  core::MedicalTicket t;
  t.insurer_number = r.insurer_number;
  t.insured_identification_number = r.insured_identification_number;
  t.ticket_type = "01";
  t.issue_number = issue;
  t.medical_treatment_month = month;
  t.valid_date = from.empty() ? month + "01" : from;
  t.expiration_date = to.empty() ? month + "30" : to;
  t.designated_code = designated;
  t.designated_name = "試験診療所";
  t.medical_treatment_type = "02";
  t.single_or_combined_use = "01";
  return t;
}

class MedicalAidClaimsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    ONSHI_REQUIRE_DATABASE(*db_);
    auto d = store::open_store(db_->url());
    ASSERT_TRUE(d.ok()) << d.error().message;
    database_ = std::move(*d);
  }

  void put(const core::Qualification& q, const std::string& person = "") {
    store::PutItem item;
    item.qualification = q;
    item.person_link = person.empty() ? "" : (person + std::string(32, '#')).substr(0, 32);
    item.source = "test";
    auto r = database_->members().put_qualifications(std::span<const store::PutItem>(&item, 1));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void put(const core::MedicalTicket& t) {
    store::TicketPut p{t, "test"};
    auto r = database_->tickets().put_tickets(std::span<const store::TicketPut>(&p, 1));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  // A confirmation at reception as the service records it (validity 1: 有効).
  void confirm(const std::string& institution, const core::Qualification& q,
               const std::string& date, const std::string& validity = "1") {
    security::AuditLog log(database_->members());
    log.record(security::AuditEvent{
        "institution:" + institution, "confirm", q.card_key(),
        "{\"date\":\"" + date + "\",\"validity\":\"" + validity + "\",\"matches\":1}", 0});
    ASSERT_TRUE(log.flush().ok());
  }

  static Claim claim(const std::string& id, const std::string& inst, const std::string& first,
                     const std::string& last, const core::Qualification& q) {
    Claim c;
    c.claim_id = id;
    c.medical_institution_code = inst;
    c.service_month = first.substr(0, 6);
    c.first_service_date = first;
    c.last_service_date = last;
    c.insurer_number = q.insurer_number;
    c.insured_card_symbol = q.insured_card_symbol;
    c.insured_identification_number = q.insured_identification_number;
    c.insured_branch_number = q.insured_branch_number;
    c.name = q.name;
    c.birthdate = q.birthdate;
    c.sex1 = q.sex1;
    return c;
  }

  std::vector<ResultRow> check(const Claim& c, bool with_tickets = true) {
    auto h = History::load(database_->members());
    EXPECT_TRUE(h.ok());
    if (!h.ok()) return {};
    Summary s;
    return check_claim(**h, database_->members(), c, s,
                       with_tickets ? &database_->tickets() : nullptr);
  }
  ResultRow one(const Claim& c) {
    auto rows = check(c);
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? ResultRow{} : rows[0];
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Database> database_;
};

// R-CLM-3: a covered recipient with the month's ticket designating the claiming clinic.
TEST_P(MedicalAidClaimsTest, CoveredWithTicketIsOk) {
  auto r = recipient(kOffice, with_check("100001"), "20240301");
  put(r);
  put(ticket(r, "000001", "202504", kClinic));
  ResultRow row = one(claim("A1", kClinic, "20250410", "20250420", r));
  EXPECT_EQ(row.result, Outcome::kOk) << row.message;
  EXPECT_EQ(row.reason_code, "AID_COVERED");
  EXPECT_EQ(row.insurer_number, kOffice);
  EXPECT_EQ(row.insured_identification_number, r.insured_identification_number);
  EXPECT_EQ(row.public_expense_number, kOffice);
  EXPECT_EQ(row.beneficiary_number, r.insured_identification_number);
}

// R-CLM-3, R-AID-2: every RETURN names what is missing and sends the institution to the office.
TEST_P(MedicalAidClaimsTest, ReturnsSayWhatIsMissing) {
  auto r = recipient(kOffice, with_check("100002"), "20240301");
  put(r);
  put(ticket(r, "000001", "202504", kClinic, "20250401", "20250410"));
  put(ticket(r, "000002", "202506", kOtherClinic));
  auto unknown = recipient(kOffice, with_check("100099"), "20240301");
  EXPECT_EQ(one(claim("N1", kClinic, "20250410", "20250410", unknown)).reason_code,
            "AID_NOT_REGISTERED");
  EXPECT_EQ(one(claim("N2", kClinic, "20250510", "20250510", r)).reason_code, "AID_NO_TICKET");
  EXPECT_EQ(one(claim("N3", kClinic, "20250610", "20250610", r)).reason_code, "AID_NOT_DESIGNATED");
  ResultRow late = one(claim("N4", kClinic, "20250405", "20250415", r));
  EXPECT_EQ(late.result, Outcome::kReturn);
  EXPECT_EQ(late.reason_code, "AID_TICKET_NOT_VALID");
  EXPECT_NE(late.message.find("福祉事務所に照会"), std::string::npos) << late.message;
  Claim wrong = claim("N5", kClinic, "20250401", "20250401", r);
  wrong.birthdate = "19500102";
  EXPECT_EQ(one(wrong).reason_code, "PERSON_MISMATCH");
  auto ended = recipient(kOffice, with_check("100003"), "20240301", "20250401");
  put(ended, "ended-person");
  put(ticket(ended, "000001", "202504", kClinic));
  EXPECT_EQ(one(claim("N6", kClinic, "20250410", "20250410", ended)).reason_code,
            "AID_NOT_COVERED");
  // Without a ticket store (no office ever registered a ticket) there is no ticket.
  ResultRow no_store = check(claim("N7", kClinic, "20250401", "20250401", r), false)[0];
  EXPECT_EQ(no_store.reason_code, "AID_NO_TICKET");
}

// R-CLM-3 (seed 004 §1: the system's information is taken as correct): the clinic confirmed
// when the system showed the recipient with its ticket; the office changed the ticket later.
TEST_P(MedicalAidClaimsTest, WhatReceptionWasShownIsAccepted) {
  auto r = recipient(kOffice, with_check("100004"), "20240301");
  put(r);
  put(ticket(r, "000001", "202504", kClinic));
  confirm(kOtherClinic, r, "20250405");  // another institution's confirmation counts for nothing
  confirm(kClinic, r, "20250405");
  put(ticket(r, "000001", "202504", kOtherClinic));  // re-registered for another clinic
  ResultRow row = one(claim("C1", kClinic, "20250405", "20250412", r));
  EXPECT_EQ(row.result, Outcome::kAccept) << row.message;
  EXPECT_EQ(row.reason_code, "AID_CONFIRMED_ONLINE");
  // The other clinic, now designated, is simply covered.
  EXPECT_EQ(one(claim("C2", kOtherClinic, "20250405", "20250412", r)).reason_code, "AID_COVERED");
}

// R-CLM-3, R-AID-2: a confirmation whose answer was not the contracted one (有効（未登録）, or
// a ticket for another clinic at the time) is no ground for accepting the claim.
TEST_P(MedicalAidClaimsTest, ConfirmationWithoutContractedAnswerDoesNotAccept) {
  auto r = recipient(kOffice, with_check("100005"), "20240301");
  put(r);
  confirm(kClinic, r, "20250405", "6");  // no ticket yet: 有効（未登録）
  put(ticket(r, "000001", "202504", kOtherClinic));
  confirm(kClinic, r, "20250406");  // answered, but not contracted
  ResultRow row = one(claim("U1", kClinic, "20250406", "20250406", r));
  EXPECT_EQ(row.result, Outcome::kReturn);
  EXPECT_EQ(row.reason_code, "AID_NOT_DESIGNATED");
}

// R-CLM-3: the recipient moved; the same person is a recipient of the new office from the
// move → REASSIGN with the new office's numbers.
TEST_P(MedicalAidClaimsTest, MovedRecipientIsReassignedToTheNewOffice) {
  auto old_r = recipient(kOffice, with_check("100006"), "20240301", "20250401");
  auto new_r = recipient(kNewOffice, with_check("200001"), "20250401");
  put(old_r, "moved-person");
  put(new_r, "moved-person");
  put(ticket(new_r, "000001", "202504", kClinic));
  ResultRow row = one(claim("M1", kClinic, "20250410", "20250415", old_r));
  EXPECT_EQ(row.result, Outcome::kReassign) << row.message;
  EXPECT_EQ(row.reason_code, "AID_REASSIGNED");
  EXPECT_EQ(row.insurer_number, kNewOffice);
  EXPECT_EQ(row.insured_identification_number, new_r.insured_identification_number);
  EXPECT_EQ(row.public_expense_number, kNewOffice);
  EXPECT_EQ(row.beneficiary_number, new_r.insured_identification_number);
}

// R-CLM-3: an insurance claim with 医療扶助 併用 — both parts checked, the worse decides.
TEST_P(MedicalAidClaimsTest, CombinedClaimChecksBothParts) {
  core::Qualification member = recipient(kInsurer, "5678", "20200401");
  member.insured_card_classification = "01";
  member.insured_card_symbol = "1234";
  member.insured_branch_number = "00";
  put(member, "combined-person");
  auto r = recipient(kOffice, with_check("100007"), "20240301");
  put(r, "combined-person");
  put(ticket(r, "000001", "202504", kClinic));
  Claim c = claim("B1", kClinic, "20250410", "20250410", member);
  c.public_expense_number = kOffice;
  c.beneficiary_number = r.insured_identification_number;
  ResultRow ok = one(c);
  EXPECT_EQ(ok.result, Outcome::kOk) << ok.message;
  EXPECT_EQ(ok.reason_code, "COVERED");
  EXPECT_EQ(ok.insurer_number, kInsurer);
  EXPECT_EQ(ok.public_expense_number, kOffice);
  EXPECT_NE(ok.message.find("医療扶助"), std::string::npos) << ok.message;
  c.claim_id = "B2";
  c.service_month = "202505";
  c.first_service_date = c.last_service_date = "20250510";
  ResultRow no_ticket = one(c);
  EXPECT_EQ(no_ticket.result, Outcome::kReturn);
  EXPECT_EQ(no_ticket.reason_code, "AID_NO_TICKET");
  EXPECT_EQ(no_ticket.insurer_number, kInsurer);
}

// R-CLM-3, bad input: malformed 医療扶助 numbers are RETURNed with a parse reason.
TEST_P(MedicalAidClaimsTest, MalformedNumbersAreParseReasons) {
  auto r = recipient(kOffice, with_check("100008"), "20240301");
  Claim bad_number = claim("P1", kClinic, "20250410", "20250410", r);
  bad_number.insured_identification_number = "1000080";
  if (core::check_beneficiary_number("1000080").ok())
    bad_number.insured_identification_number = "1000081";
  EXPECT_EQ(one(bad_number).reason_code, "E_RECIPIENT_NUMBER");
  Claim bad_office = claim("P2", kClinic, "20250410", "20250410", r);
  bad_office.insurer_number = kOffice.substr(0, 7) + std::to_string((kOffice[7] - '0' + 1) % 10);
  EXPECT_EQ(one(bad_office).reason_code, "E_INSURER_NUMBER");
  Claim symbol = claim("P3", kClinic, "20250410", "20250410", r);
  symbol.insured_card_symbol = "12";
  EXPECT_EQ(one(symbol).reason_code, "E_CARD_NUMBER");
  core::Qualification member = recipient(kInsurer, "5678", "20200401");
  member.insured_card_symbol = "1234";
  member.insured_branch_number = "00";
  Claim half = claim("P4", kClinic, "20250410", "20250410", member);
  half.beneficiary_number = r.insured_identification_number;
  EXPECT_EQ(one(half).reason_code, "E_PUBLIC_EXPENSE_NUMBER");
  Claim no_beneficiary = claim("P5", kClinic, "20250410", "20250410", member);
  no_beneficiary.public_expense_number = kOffice;
  EXPECT_EQ(one(no_beneficiary).reason_code, "E_RECIPIENT_NUMBER");
}

// R-CLM-3: a claims file with the 併用 columns gets them in its results file.
TEST_P(MedicalAidClaimsTest, FileWithAidColumnsHasThemInTheResults) {
  auto r = recipient(kOffice, with_check("100009"), "20240301");
  put(r);
  put(ticket(r, "000001", "202504", kClinic));
  std::string header;
  for (size_t i = 0; i < 13; ++i)  // the columns up to Sex1 (the certificate ones left out)
    header += (header.empty() ? "" : ",") + input_columns()[i];
  for (const auto& c : medical_aid_columns()) header += "," + c;
  std::string row = "F1," + kClinic + ",,202504,20250410,20250410," + kOffice + ",," +
                    r.insured_identification_number + ",,保護　花子,19500101,2,,\n";
  auto in = db_->dir() / "claims.csv";
  auto out = db_->dir() / "results.csv";
  std::ofstream(in, std::ios::binary) << header << "\n" << row;
  auto h = History::load(database_->members());
  ASSERT_TRUE(h.ok());
  auto s = check_csv_file(**h, database_->members(), in, out, {}, &database_->tickets());
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::ifstream f(out, std::ios::binary);
  std::string first, second;
  std::getline(f, first);
  std::getline(f, second);
  EXPECT_EQ(first,
            "ClaimId,Result,ReasonCode,InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,"
            "InsuredBranchNumber,FromDate,ToDate,Message,PublicExpenseNumber,BeneficiaryNumber");
  auto fields = core::csv_fields(second);
  ASSERT_EQ(fields.size(), 12u) << second;
  EXPECT_EQ(fields[1], "OK");
  EXPECT_EQ(fields[2], "AID_COVERED");
  EXPECT_EQ(fields[10], kOffice);
  EXPECT_EQ(fields[11], r.insured_identification_number);
}

// R-CLM-3: `onshi claims check` reads the data directory's tickets (sqlite: DIR/medical_aid.db).
TEST_P(MedicalAidClaimsTest, CommandReadsTheTickets) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "the command's --data-dir is a SQLite directory";
  auto r = recipient(kOffice, with_check("100010"), "20240301");
  put(r);
  put(ticket(r, "000001", "202504", kClinic));
  auto in = db_->dir() / "claims.csv";
  auto out = db_->dir() / "results.csv";
  std::string header;
  for (size_t i = 0; i < 13; ++i)  // the columns up to Sex1 (the certificate ones left out)
    header += (header.empty() ? "" : ",") + input_columns()[i];
  std::ofstream(in, std::ios::binary)
      << header << "\nK1," << kClinic << ",,202504,20250410,20250410," << kOffice << ",,"
      << r.insured_identification_number << ",,保護　花子,19500101,2\n";
  database_.reset();
  std::string cmd = std::string(ONSHI_BINARY) + " claims check --data-dir '" + db_->dir().string() +
                    "' --in '" + in.string() + "' --out '" + out.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(out, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_NE(text.str().find(",OK,AID_COVERED,"), std::string::npos) << text.str();
}

INSTANTIATE_TEST_SUITE_P(Backends, MedicalAidClaimsTest,
                         ::testing::ValuesIn(onshi::testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace onshi::claims
