// The claims check's rules on real SQLite stores and real CSV files: every Result and
// ReasonCode, the R-CONF-8 exceptions, the bitemporal ACCEPT, kanji conversions, pharmacies,
// malformed rows, Shift_JIS, batching on two threads.
#include <gtest/gtest.h>

#include "claims_test_util.h"
#include "core/text.h"

namespace onshi::claims::testing {
namespace {

const char* kInsurerA = "06130488";
const char* kInsurerB = "06270011";
const char* kInsurerC = "01130012";

using Rows = std::vector<std::vector<std::string>>;
enum { kId, kResult, kReason, kInsurer, kSymbol, kNumber, kBranch, kFrom, kTo, kMessage };

class ClaimsTest : public ClaimsFixture {
 protected:
  std::string clinic = institution('1', 11);
  std::string other_clinic = institution('1', 12);
  std::string pharmacy = institution('4', 21);
};

// R-CLM-2: a claim whose own qualification covers every service date is OK and never moved,
// even when another qualification of the same person also covers them.
TEST_F(ClaimsTest, CoveredClaimIsOkAndNeverMoved) {
  auto q = qualification(kInsurerA, "12", "345", "00", "試験　太郎", "19800515", "20180401");
  auto overlap = qualification(kInsurerB, "88", "1001", "00", "試験　太郎", "19800515", "20250101");
  put(q, "person-1");
  put(overlap, "person-1");
  Rows r = run(claim_row("C1", clinic, "", "20250505", "20250520", q));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "OK");
  EXPECT_EQ(r[0][kReason], "COVERED");
  EXPECT_EQ(r[0][kInsurer], kInsurerA);
  EXPECT_EQ(r[0][kFrom], "20250505");
  EXPECT_EQ(r[0][kTo], "20250520");
  EXPECT_EQ(summary_.by_outcome[0], 1);
}

// Card data typed in full width on the claim still match (normalised like registrations).
TEST_F(ClaimsTest, CardFieldsAreNormalised) {
  auto q = qualification(kInsurerA, "12", "345", "00", "試験　太郎", "19800515", "20180401");
  put(q);
  auto typed = q;
  typed.insured_card_symbol = "１２";
  typed.insured_identification_number = "３４５";
  Rows r = run(claim_row("C1", clinic, "", "20250505", "20250505", typed, "試験 太郎"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "OK");
  EXPECT_EQ(r[0][kSymbol], "12");
}

// R-CLM-2 振替: the card was lost before the dates; the same person's new qualification
// covers them — the target's numbers are in the row.
TEST_F(ClaimsTest, ReassignToTheSamePersonsNewQualification) {
  auto old_q = qualification(kInsurerC, "3050021", "7", "00", "田中　誠", "19850125", "20080401",
                             "20250401");
  auto new_q = qualification(kInsurerB, "88", "1001", "00", "田中　誠", "19850125", "20250401");
  put(old_q, "tanaka");
  put(new_q, "tanaka");
  Rows r = run(claim_row("C1", clinic, "", "20250410", "20250425", old_q));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "REASSIGN");
  EXPECT_EQ(r[0][kReason], "REASSIGNED");
  EXPECT_EQ(r[0][kInsurer], kInsurerB);
  EXPECT_EQ(r[0][kSymbol], "88");
  EXPECT_EQ(r[0][kNumber], "1001");
  EXPECT_EQ(r[0][kBranch], "00");
  EXPECT_EQ(summary_.person_lookups, 1);
}

// R-CLM-2 分割: the old qualification was lost mid-month and the new one started that day.
TEST_F(ClaimsTest, SplitAcrossTwoQualifications) {
  auto old_q = qualification(kInsurerC, "3050021", "7", "00", "田中　誠", "19850125", "20080401",
                             "20250416");
  auto new_q = qualification(kInsurerB, "88", "1001", "00", "田中　誠", "19850125", "20250416");
  put(old_q, "tanaka");
  put(new_q, "tanaka");
  Rows r = run(claim_row("C1", clinic, "", "20250401", "20250430", old_q));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kResult], "SPLIT");
  EXPECT_EQ(r[0][kReason], "SPLIT_BY_QUALIFICATION");
  EXPECT_EQ(r[0][kInsurer], kInsurerC);
  EXPECT_EQ(r[0][kFrom], "20250401");
  EXPECT_EQ(r[0][kTo], "20250415");
  EXPECT_EQ(r[1][kResult], "SPLIT");
  EXPECT_EQ(r[1][kInsurer], kInsurerB);
  EXPECT_EQ(r[1][kFrom], "20250416");
  EXPECT_EQ(r[1][kTo], "20250430");
  EXPECT_EQ(r[0][kId], "C1");
  EXPECT_EQ(r[1][kId], "C1");
  EXPECT_EQ(summary_.claims, 1);
  EXPECT_EQ(summary_.rows, 2);
}

// A claim on the new card that starts before the new qualification, with the old one
// covering the first days, is split the other way round.
TEST_F(ClaimsTest, SplitFromTheNewCardBackToTheOld) {
  auto old_q = qualification(kInsurerC, "3050021", "7", "00", "田中　誠", "19850125", "20080401",
                             "20250416");
  auto new_q = qualification(kInsurerB, "88", "1001", "00", "田中　誠", "19850125", "20250416");
  put(old_q, "tanaka");
  put(new_q, "tanaka");
  Rows r = run(claim_row("C1", clinic, "", "20250410", "20250420", new_q));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kInsurer], kInsurerC);
  EXPECT_EQ(r[0][kTo], "20250415");
  EXPECT_EQ(r[1][kInsurer], kInsurerB);
  EXPECT_EQ(r[1][kFrom], "20250416");
}

// 枝番特定: a claim without 枝番 is matched to the family member with its birth date; two
// members with that birth date leave it unresolved.
TEST_F(ClaimsTest, MissingBranchNumberIsIdentifiedByBirthDate) {
  auto self = qualification(kInsurerA, "12", "850", "00", "家族　一", "19800101", "20180401");
  auto child = qualification(kInsurerA, "12", "850", "01", "家族　二", "20100505", "20180401");
  auto twin = qualification(kInsurerA, "12", "850", "02", "家族　三", "20100505", "20180401");
  put(self);
  put(child);
  put(twin);
  auto no_branch = self;
  no_branch.insured_branch_number = "";
  auto no_branch_child = child;
  no_branch_child.insured_branch_number = "";
  Rows r = run(claim_row("C1", clinic, "", "20250415", "20250415", no_branch) +
               claim_row("C2", clinic, "", "20250415", "20250415", no_branch_child));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kResult], "OK");
  EXPECT_EQ(r[0][kReason], "BRANCH_IDENTIFIED");
  EXPECT_EQ(r[0][kBranch], "00");
  EXPECT_EQ(r[1][kResult], "RETURN");
  EXPECT_EQ(r[1][kReason], "NOT_REGISTERED");
}

// RETURN reasons when nothing covers the claim and no rule excuses it.
TEST_F(ClaimsTest, ReturnReasons) {
  auto lost = qualification(kInsurerA, "01", "234999", "00", "伊藤　幸子", "19600303", "20150401",
                            "20250410");
  auto unlinked = qualification(kInsurerA, "01", "235000", "00", "伊藤　一", "19610303", "20150401",
                                "20250301");
  auto ok = qualification(kInsurerA, "01", "235001", "00", "伊藤　二", "19620303", "20150401");
  put(lost, "ito");
  put(unlinked);
  put(ok, "ito2");
  auto nobody = qualification(kInsurerA, "01", "999999", "00", "誰　か", "19700101", "20150401");
  Rows r =
      run(claim_row("C1", clinic, "", "20250415", "20250420", lost) +      // lost, nothing else
          claim_row("C2", clinic, "", "20250401", "20250420", lost) +      // partly covered
          claim_row("C3", clinic, "", "20250415", "20250415", nobody) +    // unknown numbers
          claim_row("C4", clinic, "", "20250415", "20250415", unlinked) +  // no person link
          claim_row("C5", clinic, "", "20250415", "20250415", ok, "", "19620304") +  // birth date
          claim_row("C6", clinic, "", "20250415", "20250415", ok, "伊藤　三"));      // name
  ASSERT_EQ(r.size(), 6u);
  for (const auto& row : r) EXPECT_EQ(row[kResult], "RETURN") << row[kId];
  EXPECT_EQ(r[0][kReason], "NOT_COVERED");
  EXPECT_NE(r[0][kMessage].find("20250410"), std::string::npos) << r[0][kMessage];
  EXPECT_EQ(r[1][kReason], "PARTLY_COVERED");
  EXPECT_EQ(r[2][kReason], "NOT_REGISTERED");
  EXPECT_EQ(r[3][kReason], "NOT_COVERED");
  EXPECT_EQ(r[4][kReason], "PERSON_MISMATCH");
  EXPECT_NE(r[4][kMessage].find("Birthdate"), std::string::npos);
  EXPECT_EQ(r[5][kReason], "PERSON_MISMATCH");
  EXPECT_NE(r[5][kMessage].find("Name"), std::string::npos);
}

// R-CONF-6, R-CLM-1: reception confirmed online and the system then showed coverage; the
// loss registered afterwards, retroactively, does not return the claim (as known at the
// confirmation's time). A confirmation made after the loss was known does not excuse it, nor
// does another institution's.
TEST_F(ClaimsTest, AcceptWhatReceptionWasShownBeforeARetroactiveLoss) {
  auto v1 = qualification(kInsurerA, "12", "777", "00", "佐藤　花", "19900101", "20180401");
  put(v1, "sato");
  confirm(clinic, v1, "20250415");
  auto v2 = v1;
  v2.disqualification_date = "20250401";
  v2.reason_of_loss = "03";
  put(v2, "sato");
  Rows r = run(claim_row("C1", clinic, "", "20250415", "20250422", v1) +
               claim_row("C2", other_clinic, "", "20250415", "20250415", v1));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "CONFIRMED_ONLINE");
  EXPECT_EQ(r[1][kResult], "RETURN");
  EXPECT_EQ(r[1][kReason], "NOT_COVERED");

  confirm(other_clinic, v1, "20250416");  // now, after the loss was registered
  Rows again = run(claim_row("C2", other_clinic, "", "20250416", "20250416", v1));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0][kResult], "RETURN");
}

// R-CONF-6: the same answer whether confirmations are preloaded with the history, read per
// claim through the audit index (the service's kept history), or older than the window.
TEST_F(ClaimsTest, ConfirmationsAreFoundWithAndWithoutThePreloadedWindow) {
  auto v1 = qualification(kInsurerA, "12", "776", "00", "佐藤　花", "19900101", "20180401");
  put(v1, "sato");
  confirm(clinic, v1, "20250415");
  auto v2 = v1;
  v2.disqualification_date = "20250401";
  put(v2, "sato");
  Claim c;
  c.claim_id = "W1";
  c.medical_institution_code = clinic;
  c.service_month = "202504";
  c.first_service_date = c.last_service_date = "20250415";
  c.insurer_number = kInsurerA;
  c.insured_card_symbol = "12";
  c.insured_identification_number = "776";
  c.insured_branch_number = "00";
  c.name = v1.name;
  c.birthdate = v1.birthdate;
  c.sex1 = "1";
  for (int64_t since : {int64_t{0}, History::kNoConfirmations,
                        static_cast<int64_t>(core::now_unix_us() + 3600000000LL)}) {
    auto h = History::load(*store_, since);
    ASSERT_TRUE(h.ok());
    Summary s;
    auto rows = check_claim(**h, *store_, c, s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].result, Outcome::kAccept) << since;
    EXPECT_EQ(rows[0].reason_code, "CONFIRMED_ONLINE") << since;
    EXPECT_EQ(s.confirmation_lookups, 1);
  }
}

// R-CLM-1: wrong data registered then corrected — the name shown at reception counts.
TEST_F(ClaimsTest, AcceptWhenTheRegisteredNameWasCorrectedAfterConfirmation) {
  auto v1 = qualification(kInsurerA, "12", "778", "00", "佐藤　花子", "19900101", "20180401");
  put(v1, "sato");
  confirm(clinic, v1, "20250415");
  auto v2 = v1;
  v2.name = "佐藤　華子";
  put(v2, "sato");
  Rows r = run(claim_row("C1", clinic, "", "20250415", "20250415", v1));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "CONFIRMED_ONLINE");
}

// R-CLM-1: a pharmacy without the system, dispensing on a prescription from an institution
// that confirmed online, is treated like that institution.
TEST_F(ClaimsTest, PharmacyWithoutTheSystemUsesThePrescribersConfirmation) {
  auto v1 = qualification(kInsurerA, "12", "779", "00", "佐藤　花", "19900101", "20180401");
  put(v1, "sato");
  confirm(clinic, v1, "20250430");
  auto v2 = v1;
  v2.disqualification_date = "20250401";
  put(v2, "sato");
  Rows r = run(claim_row("C1", pharmacy, clinic, "20250502", "20250502", v1) +
               claim_row("C2", pharmacy, "", "20250502", "20250502", v1) +
               claim_row("C3", pharmacy, other_clinic, "20250502", "20250502", v1));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "CONFIRMED_BY_PRESCRIBER");
  EXPECT_EQ(r[1][kResult], "RETURN");
  EXPECT_EQ(r[2][kResult], "RETURN");
}

// R-CLM-1: the registry holds 高 where the insurer's system (and the claim) has 髙; the
// conversion recorded at registration explains the difference.
TEST_F(ClaimsTest, AcceptADifferenceThatIsARecordedKanjiConversion) {
  auto q = qualification(kInsurerA, "12", "780", "00", "高橋　一郎", "19700707", "20180401");
  put(q, "takahashi", R"([{"field":"Name","position":0,"original":"髙","replacement":"高"}])");
  auto plain = qualification(kInsurerA, "12", "781", "00", "高橋　二郎", "19700708", "20180401");
  put(plain, "takahashi2");
  Rows r = run(claim_row("C1", clinic, "", "20250415", "20250415", q, "髙橋　一郎") +
               claim_row("C2", clinic, "", "20250415", "20250415", q, "髙橋　三郎") +
               claim_row("C3", clinic, "", "20250415", "20250415", plain, "髙橋　二郎"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "KANJI_CONVERSION");
  EXPECT_NE(r[0][kMessage].find("髙→高"), std::string::npos) << r[0][kMessage];
  EXPECT_EQ(r[1][kResult], "RETURN");
  EXPECT_EQ(r[1][kReason], "PERSON_MISMATCH");
  EXPECT_EQ(r[2][kReason], "PERSON_MISMATCH");
}

// R-CONF-8 即日発行: the card was issued at the counter on the acquisition date and used the
// same day; the registration reached the system that day or later.
TEST_F(ClaimsTest, SameDayIssueAndUseIsAccepted) {
  std::string d = ymd(today());
  auto q = qualification(kInsurerA, "12", "790", "00", "新井　一", "19950101", d);
  put(q, "arai");
  Rows r = run(claim_row("C1", clinic, "", d, d, q));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "SAME_DAY_ISSUE");
}

// R-CONF-8 新設保険者の登録遅れ, and a late registration by an insurer already in the system;
// data the system held before the day of care stay plain OK.
TEST_F(ClaimsTest, LateRegistrationIsAccepted) {
  core::Date care = today().add_days(-3);
  std::string d = ymd(care);
  auto early = qualification(kInsurerA, "12", "800", "00", "早川　一", "19800101", "20180401");
  put(early, "early");
  backdate(kInsurerA, 10);  // insurer A has been in the system for ten days
  auto late_same_insurer =
      qualification(kInsurerA, "12", "801", "00", "遅井　二", "19800102", "20180401");
  auto new_insurer = qualification(kInsurerB, "55", "1", "00", "新田　三", "19800103", "20180401");
  put(late_same_insurer, "late");
  put(new_insurer, "new");
  Rows r = run(claim_row("C1", clinic, "", d, d, early) +
               claim_row("C2", clinic, "", d, d, late_same_insurer) +
               claim_row("C3", clinic, "", d, d, new_insurer));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0][kResult], "OK");
  EXPECT_EQ(r[1][kResult], "ACCEPT");
  EXPECT_EQ(r[1][kReason], "LATE_REGISTRATION");
  EXPECT_EQ(r[2][kResult], "ACCEPT");
  EXPECT_EQ(r[2][kReason], "LATE_NEW_INSURER");
}

// Before the system held any data, nothing could have been confirmed: claims for care before
// the initial load are plain OK, not late registrations.
TEST_F(ClaimsTest, ClaimsBeforeTheInitialLoadAreNotLate) {
  auto q = qualification(kInsurerA, "12", "810", "00", "古川　一", "19800101", "20180401");
  put(q);
  Rows r = run(claim_row("C1", clinic, "", "20250415", "20250415", q));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "OK");
}

// Malformed rows are RETURNed with a parse reason; the run goes on.
TEST_F(ClaimsTest, MalformedRowsAreReturnedAndTheRunContinues) {
  auto q = qualification(kInsurerA, "12", "820", "00", "正木　一", "19800101", "20180401");
  put(q);
  std::string good = claim_row("OK1", clinic, "", "20250415", "20250415", q);
  auto with = [&](const std::string& id, const std::string& from, const std::string& to) {
    std::string row = claim_row(id, clinic, "", "20250415", "20250415", q);
    row.replace(row.find(from), from.size(), to);
    return row;
  };
  std::string rows =
      good + "B1,only,three\n" +  // column count
      std::string("B2,\"") + clinic +
      "\"x,,202504,20250415,20250415,06130488,12,820,00,正木　一,19800101,1\n" +
      with("B3", clinic, clinic.substr(0, 9) + std::to_string((clinic[9] - '0' + 1) % 10)) +
      with("B4", "20250415,20250415", "20250431,20250415") +  // impossible date
      with("B5", "20250415,20250415", "20250415,20250410") +  // last before first
      with("B6", "202504,", "202505,") +                      // outside the month
      with("B7", "06130488", "●6130488") +                    // ● in a number
      with("B8", ",820,", ",,") +                             // no number
      with("B9", "19800101", "19801301") +                    // birth date
      with("B10", "19800101,1", "19800101,9") +               // sex
      with("B11", "正木　一", "") +                           // name
      with("B12", clinic + ",,", clinic + ",1234567890,") +   // prescriber
      with("B13", "B13", "") +                                // ClaimId
      "B14,\"unterminated\n" + good;
  Rows r = run(rows);
  ASSERT_EQ(r.size(), 15u);
  EXPECT_EQ(r[0][kId], "OK1");
  EXPECT_EQ(r[0][kResult], "OK");  // the run goes on around bad rows
  std::map<std::string, std::string> reason;
  for (const auto& row : r) {
    EXPECT_EQ(row.size(), 10u);
    if (row[kId] != "OK1") {
      EXPECT_EQ(row[kResult], "RETURN") << row[kId];
    }
    reason[row[kId]] = row[kReason];
  }
  EXPECT_EQ(reason["B1"], "E_ROW");
  EXPECT_EQ(reason["B2"], "E_ROW");
  EXPECT_EQ(reason["B3"], "E_MEDICAL_INSTITUTION_CODE");
  EXPECT_EQ(reason["B4"], "E_SERVICE_DATE");
  EXPECT_EQ(reason["B5"], "E_SERVICE_DATE");
  EXPECT_EQ(reason["B6"], "E_SERVICE_DATE");
  EXPECT_EQ(reason["B7"], "E_INSURER_NUMBER");
  EXPECT_EQ(reason["B8"], "E_CARD_NUMBER");
  EXPECT_EQ(reason["B9"], "E_BIRTHDATE");
  EXPECT_EQ(reason["B10"], "E_SEX");
  EXPECT_EQ(reason["B11"], "E_NAME");
  EXPECT_EQ(reason["B12"], "E_PRESCRIBING_INSTITUTION_CODE");
  EXPECT_EQ(reason[""], "E_CLAIM_ID");
  // The unterminated quote swallows the rest of the file into one bad row.
  EXPECT_EQ(reason["B14"], "E_ROW");
}

TEST_F(ClaimsTest, UnusableHeaderIsAnError) {
  fs::path in = dir_ / "claims.csv";
  auto h = History::load(*store_);
  ASSERT_TRUE(h.ok());
  write_file(in, "ClaimId,Whatever\n1,2\n");
  auto s = check_csv_file(**h, *store_, in, dir_ / "out.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "E_CSV_HEADER");
  auto missing = check_csv_file(**h, *store_, dir_ / "nope.csv", dir_ / "out.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "E_FILE");
  EXPECT_FALSE(fs::exists(dir_ / "out.csv"));
}

// Shift_JIS (CP932) input, with CRLF line ends; the results come back in Shift_JIS.
TEST_F(ClaimsTest, ShiftJisInput) {
  auto q = qualification(kInsurerA, "12", "830", "00", "渡邉　一", "19800101", "20180401");
  put(q);
  std::string text = header() + claim_row("C1", clinic, "", "20250415", "20250415", q) +
                     claim_row("C2", clinic, "", "20250415", "20250415", q, "渡辺　一");
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto sjis = core::utf8_to_shift_jis(crlf);
  ASSERT_TRUE(sjis.ok());
  fs::path in = dir_ / "sjis.csv";
  write_file(in, *sjis);
  auto h = History::load(*store_);
  ASSERT_TRUE(h.ok());
  auto s = check_csv_file(**h, *store_, in, dir_ / "out.csv");
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::string raw = read_file(dir_ / "out.csv");
  EXPECT_FALSE(core::is_valid_utf8(raw) && raw.find("\x82") == std::string::npos && false);
  auto utf8 = core::shift_jis_to_utf8(raw);
  ASSERT_TRUE(utf8.ok());
  Rows r = parse_results(*utf8);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kResult], "OK");
  EXPECT_EQ(r[1][kReason], "PERSON_MISMATCH");
  EXPECT_NE(utf8->find("請求の内容"), std::string::npos);
}

// Streaming: small batches on two threads give the rows in input order.
TEST_F(ClaimsTest, BatchesOnTwoThreadsKeepTheInputOrder) {
  auto q =
      qualification(kInsurerA, "12", "840", "00", "順番　一", "19800101", "20180401", "20250415");
  auto n = qualification(kInsurerB, "12", "840", "00", "順番　一", "19800101", "20250415");
  put(q, "order");
  put(n, "order");
  std::string rows;
  for (int i = 0; i < 500; ++i) {
    switch (i % 4) {
      case 0:
        rows += claim_row("C" + std::to_string(i), clinic, "", "20250410", "20250410", q);
        break;
      case 1:
        rows += claim_row("C" + std::to_string(i), clinic, "", "20250410", "20250420", q);
        break;
      case 2:
        rows += claim_row("C" + std::to_string(i), clinic, "", "20250420", "20250420", q);
        break;
      default:
        rows += "C" + std::to_string(i) + ",bad\n";
        break;
    }
  }
  CheckOptions opt;
  opt.batch_size = 7;
  opt.threads = 2;
  Rows r = run(rows, opt);
  ASSERT_EQ(r.size(), 625u);
  size_t at = 0;
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(r[at][kId], "C" + std::to_string(i));
    const char* want[] = {"OK", "SPLIT", "REASSIGN", "RETURN"};
    EXPECT_EQ(r[at][kResult], want[i % 4]);
    at += i % 4 == 1 ? 2 : 1;
  }
  EXPECT_EQ(summary_.claims, 500);
  EXPECT_EQ(summary_.rows, 625);
}

// The HTTPS body forms: CSV, a JSON array in lowerCamelCase, {"claims":[…]}, bad elements.
TEST_F(ClaimsTest, RequestBodies) {
  auto csv = parse_claims_body(
      header() + "C1," + clinic + ",,202504,20250401,20250401,06130488,1,2,00,名,19800101,1\n",
      false);
  ASSERT_TRUE(csv.ok());
  ASSERT_EQ(csv->size(), 1u);
  EXPECT_EQ((*csv)[0].insurer_number, "06130488");
  auto json = parse_claims_body(
      R"({"claims":[{"claimId":"J1","insurerNumber":"06130488","sex1":1},42]})", true);
  ASSERT_TRUE(json.ok());
  ASSERT_EQ(json->size(), 2u);
  EXPECT_EQ((*json)[0].claim_id, "J1");
  EXPECT_EQ((*json)[0].sex1, "1");
  EXPECT_EQ((*json)[1].row_error_code, "E_ROW");
  EXPECT_EQ(parse_claims_body("{oops", true).error().code, "E_JSON_SYNTAX");
  EXPECT_EQ(parse_claims_body("{\"claims\":1}", true).error().code, "E_JSON_TYPE");
  EXPECT_EQ(parse_claims_body("Nope\n", false).error().code, "E_CSV_HEADER");
  std::vector<ResultRow> rows(1);
  rows[0].claim_id = "J1";
  rows[0].reason_code = "NOT_REGISTERED";
  rows[0].message = "a \"quoted\", message";
  EXPECT_NE(results_to_json(rows).find("\"claimId\":\"J1\""), std::string::npos);
  EXPECT_NE(results_to_csv(rows).find("\"a \"\"quoted\"\", message\""), std::string::npos);
}

}  // namespace
}  // namespace onshi::claims::testing

namespace onshi::claims::testing {
namespace {

// The history snapshot is reused only while it matches the store; a new registration, or a
// damaged file, makes the next load read the store again — with the same answers.
TEST_F(ClaimsTest, HistorySnapshotIsReusedOnlyWhileItMatchesTheStore) {
  auto old_q = qualification(kInsurerC, "3050021", "7", "00", "田中　誠", "19850125", "20080401",
                             "20250416");
  put(old_q, "tanaka", R"([{"field":"Name","position":0,"original":"⽥","replacement":"田"}])");
  fs::path snap = dir_ / "claims-history.bin";
  std::string rows = claim_row("C1", clinic, "", "20250401", "20250430", old_q);
  auto check = [&](bool expect_snapshot) {
    auto h = History::load(*store_, 0, snap);
    EXPECT_TRUE(h.ok());
    if (!h.ok()) return std::vector<std::string>{};
    EXPECT_EQ((*h)->from_snapshot(), expect_snapshot);
    std::vector<std::string> out;
    Summary s;
    auto claims = parse_claims_body(header() + rows, false);
    EXPECT_TRUE(claims.ok());
    for (const auto& c : *claims) {
      for (const auto& r : check_claim(**h, *store_, c, s)) {
        out.push_back(std::string(outcome_name(r.result)) + "/" + r.reason_code + "/" +
                      r.from_date + "-" + r.to_date + "/" + r.insurer_number);
      }
    }
    return out;
  };
  auto first = check(false);
  ASSERT_TRUE(fs::exists(snap));
  EXPECT_EQ(first, check(true));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].substr(0, 6), "RETURN");

  put(qualification(kInsurerB, "88", "1001", "00", "田中　誠", "19850125", "20250416"), "tanaka");
  auto after = check(false);  // stale: one more version
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].substr(0, 5), "SPLIT");
  EXPECT_EQ(after, check(true));

  std::string bytes = read_file(snap);
  bytes[bytes.size() / 2] ^= 0x5A;
  bytes.resize(bytes.size() - 3);
  write_file(snap, bytes);
  EXPECT_EQ(after, check(false));  // damaged: rebuilt from the store
}

}  // namespace
}  // namespace onshi::claims::testing
