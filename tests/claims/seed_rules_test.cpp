// The seeds' rules of the claims check that came last: the R-CONF-8 exceptions of the
// 高齢受給者証 and the 特定疾病療養受療証 issued at the counter and used the same day, 個人番号の
// 未提出, card-layout misreads (R-CONF-9) and the old handling before full operation
// (core/rule_dates.h) — on real SQLite stores and real CSV files.
#include <gtest/gtest.h>

#include "claims_test_util.h"
#include "core/rule_dates.h"

namespace onshi::claims::testing {
namespace {

const char* kInsurerA = "06130488";
const char* kInsurerB = "06270011";

using Rows = std::vector<std::vector<std::string>>;
enum { kId, kResult, kReason, kInsurer, kSymbol, kNumber, kBranch, kFrom, kTo, kMessage };

class SeedRulesTest : public ClaimsFixture {
 protected:
  std::string clinic = institution('1', 31);

  // A header with every column, the certificate columns included.
  static std::string full_header() {
    std::string h;
    for (const auto& c : input_columns()) h += (h.empty() ? "" : ",") + c;
    return h + "\n";
  }
  // claim_row with the two certificate columns appended.
  static std::string row_with(const std::string& id, const std::string& inst,
                              const std::string& day, const core::Qualification& q,
                              const std::string& ratio, const std::string& disease) {
    std::string r = claim_row(id, inst, "", day, day, q);
    r.pop_back();
    return r + "," + ratio + "," + disease + "\n";
  }
  Rows run_full(const std::string& rows) { return run("", {}, full_header() + rows); }

  static core::Qualification elderly(const std::string& number, const std::string& ratio,
                                     const std::string& issued) {
    auto q = qualification(kInsurerA, "70", number, "00", "高齢　一郎", "19530601", "20180401");
    q.elderly_recipient = core::ElderlyRecipientCertificate{issued, issued, "", ratio};
    return q;
  }
};

// R-CONF-8 高齢受給者証 即日発行: 「所得区分を変更した日に高齢者受給者証を窓口で発行（即日発行）し、
// 同日に導入医療機関等を利用した場合」(seed 000 §3). The member's 2割 certificate was in the system
// for weeks; the income category changed today, the 3割 certificate was issued at the counter
// today and used today, and reached the system only afterwards: ACCEPT, its own reason code.
TEST_F(SeedRulesTest, ElderlyCertificateIssuedOnTheDayTheIncomeCategoryChanged) {
  std::string d = ymd(today());
  auto before = elderly("901", "020", "20230801");
  put(before, "elderly");
  auto known = elderly("902", "030", d);  // a control: its 3割 was known days before
  put(known, "known");
  backdate(kInsurerA, 20);
  put(elderly("901", "030", d), "elderly");  // recorded now: after reception saw 2割
  Rows r = run_full(row_with("C1", clinic, d, before, "030", "") +
                    row_with("C2", clinic, d, known, "030", "") +
                    row_with("C3", clinic, d, before, "020", ""));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "ELDERLY_SAME_DAY_ISSUE");
  EXPECT_NE(r[0][kMessage].find("高齢受給者証"), std::string::npos);
  EXPECT_EQ(r[1][kResult], "OK");  // the system knew the 3割 before the day of care
  EXPECT_EQ(r[1][kReason], "COVERED");
  EXPECT_EQ(r[2][kResult], "OK");  // a claim written with another ratio is noted, not excused
  EXPECT_NE(r[2][kMessage].find("負担割合"), std::string::npos);
}

// R-CONF-8 特定疾病療養受療証 即日発行: 「特定疾病療養受療証の対象者として登録した日に、特定疾病療養
// 受療証を窓口で発行し（即日発行）、同日に導入医療機関等を利用した場合」(seed 000 §3).
TEST_F(SeedRulesTest, SpecificDiseaseCertificateIssuedOnTheRegistrationDay) {
  std::string d = ymd(today());
  auto q = qualification(kInsurerA, "12", "950", "00", "透析　二郎", "19700202", "20180401");
  put(q, "dialysis");
  backdate(kInsurerA, 20);
  auto with = q;
  with.specific_diseases.push_back({"02", d, d, "", "10000"});  // 人工透析, from today
  put(with, "dialysis");
  auto other = qualification(kInsurerA, "12", "951", "00", "透析　三郎", "19700303", "20180401");
  other.specific_diseases.push_back({"02", d, d, "", "10000"});
  put(other, "other");
  Rows r = run_full(row_with("C1", clinic, d, q, "", "02") + row_with("C2", clinic, d, q, "", "01"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kResult], "ACCEPT");
  EXPECT_EQ(r[0][kReason], "SPECIFIC_DISEASE_SAME_DAY_ISSUE");
  EXPECT_EQ(r[1][kResult], "OK");  // a category the insurer never registered: noted only
  EXPECT_NE(r[1][kMessage].find("特定疾病"), std::string::npos);
}

// R-CONF-8 個人番号の未提出: a member whose insurer holds no My Number cannot be found by the card
// (no person link), but the claim written from the 保険証 is matched by its numbers and is not
// returned for that reason.
TEST_F(SeedRulesTest, NoMyNumberIsNoReasonToReturn) {
  auto q = qualification(kInsurerA, "12", "960", "00", "番号　未提出", "19880808", "20180401");
  put(q);  // no person link
  Rows r = run(claim_row("C1", clinic, "", "20250505", "20250505", q));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kResult], "OK");
  EXPECT_EQ(r[0][kReason], "COVERED");
}

// R-CONF-9 券面の読み違い (seed 000 §6): the claim's 記号・番号 are a re-split of the registered ones of
// the same person — run together, split elsewhere, the 枝番 appended, leading zeros dropped,
// full-width and hyphen forms. Each gets CARD_LAYOUT_MISREAD with the registered numbers
// proposed; nothing is paid under them. Another person's re-split is not proposed.
TEST_F(SeedRulesTest, CardLayoutMisreadsProposeTheRegisteredNumbers) {
  auto q = qualification(kInsurerB, "0123", "04567", "01", "券面　読子", "19751010", "20180401");
  put(q, "reader");
  auto misread = [&](const std::string& id, const std::string& sym, const std::string& num,
                     const std::string& branch, const std::string& birth = "") {
    auto c = q;
    c.insured_card_symbol = sym;
    c.insured_identification_number = num;
    c.insured_branch_number = branch;
    return claim_row(id, clinic, "", "20250601", "20250601", c, "", birth);
  };
  Rows r = run(misread("together", "", "12304567", "01") +  // run together (zeros dropped)
               misread("split", "12", "304567", "01") +     // split elsewhere
               misread("branch", "123", "456701", "") +     // 枝番 appended, zeros dropped
               misread("zeros", "123", "4567", "01") +      // leading zeros dropped
               misread("wide", "０１２３", "０４５６７－", "01") +  // full width and a hyphen
               misread("hyphen", "", "0123-04567", "01") +  // printed with a hyphen
               misread("stranger", "", "12304567", "01", "19751011"));
  ASSERT_EQ(r.size(), 7u);
  for (size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE(r[i][kId]);
    EXPECT_EQ(r[i][kResult], "RETURN");
    EXPECT_EQ(r[i][kReason], "CARD_LAYOUT_MISREAD");
    EXPECT_EQ(r[i][kSymbol], "0123");
    EXPECT_EQ(r[i][kNumber], "04567");
    EXPECT_EQ(r[i][kBranch], "01");
  }
  EXPECT_EQ(r[6][kReason], "NOT_REGISTERED");
}

// R-CONF-9: when the claim's numbers are a re-split of two members who are the same person by
// name and birth date (not expected, but possible), nothing is proposed.
TEST_F(SeedRulesTest, AnAmbiguousReSplitProposesNothing) {
  auto a = qualification(kInsurerB, "1", "234", "00", "同名　太郎", "19600101", "20180401");
  auto b = qualification(kInsurerB, "12", "34", "00", "同名　太郎", "19600101", "20180401");
  put(a);
  put(b);
  auto c = a;
  c.insured_card_symbol = "";
  c.insured_identification_number = "1234";
  Rows r = run(claim_row("C1", clinic, "", "20250601", "20250601", c));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][kReason], "NOT_REGISTERED");
}

// R-CONF-6 / R-CLM-1 from full operation only: 「プレ運用では…従来どおりの取扱いとしておりましたが、
// …本格運用開始以降は…当該システム上の情報が原則正しいと判断します」(seed 000 §1). A confirmation made
// for care on 2021-10-19 does not excuse a retroactive loss; the same for care on 2021-10-20
// does.
TEST_F(SeedRulesTest, BeforeFullOperationTheSystemWasNotTakenAsCorrect) {
  EXPECT_EQ(core::full_operation_start().yyyymmdd(), "20211020");
  auto pre = qualification(kInsurerA, "12", "970", "00", "前田　一", "19800101", "20180401");
  auto full = qualification(kInsurerA, "12", "971", "00", "本田　二", "19800102", "20180401");
  put(pre, "pre");
  put(full, "full");
  confirm(clinic, pre, "20211019");
  confirm(clinic, full, "20211020");
  for (auto* q : {&pre, &full}) {
    auto lost = *q;
    lost.disqualification_date = "20211001";
    put(lost, q == &pre ? "pre" : "full");
  }
  Rows r = run(claim_row("C1", clinic, "", "20211019", "20211019", pre) +
               claim_row("C2", clinic, "", "20211020", "20211020", full));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][kResult], "RETURN");
  EXPECT_EQ(r[0][kReason], "NOT_COVERED");
  EXPECT_EQ(r[1][kResult], "ACCEPT");
  EXPECT_EQ(r[1][kReason], "CONFIRMED_ONLINE");
}

// Bad certificate columns are parse reasons, the run goes on.
TEST_F(SeedRulesTest, MalformedCertificateColumnsAreReturned) {
  auto q = qualification(kInsurerA, "12", "980", "00", "不正　値", "19800101", "20180401");
  put(q);
  Rows r = run_full(row_with("C1", clinic, "20250601", q, "25", "") +
                    row_with("C2", clinic, "20250601", q, "", "X1") +
                    row_with("C3", clinic, "20250601", q, "", ""));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0][kReason], "E_ELDERLY_RATIO");
  EXPECT_EQ(r[1][kReason], "E_DISEASE_CATEGORY");
  EXPECT_EQ(r[2][kResult], "OK");
}

}  // namespace
}  // namespace onshi::claims::testing
