// `onshi db copy` end to end (issue 12 §4): a SQLite data directory filled with a bit of
// everything — members with several versions and My Numbers, audited confirmations, an
// institution walked through steps, a card issued and linked, a bulk reception, a 医療扶助
// ticket with two versions — is copied by the real binary to PostgreSQL, copied again
// (nothing to copy), verified with `onshi audit verify --db`, copied back into a new SQLite
// directory, and compared field by field; confirmations answer byte-identically on all three (apart from the processing time).
// A target holding another installation's data is refused with E_COPY_CONFLICT (exit 2).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "confirm/confirm.h"
#include "core/date.h"
#include "oqs/messages.h"
#include "security/audit.h"
#include "store/database.h"
#include "store/dump_database.h"
#include "store/test_database.h"

namespace onshi {
namespace {

using onshi::testing::TestDatabase;

// Runs the onshi binary with `args`; returns stdout, sets the exit code, stderr into `err`.
std::string onshi(const std::string& args, int* rc, const std::string& err_file) {
  std::string cmd = std::string(ONSHI_BINARY) + " " + args + " 2>" + err_file;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string slurp(const std::string& file) {
  std::string out;
  if (FILE* f = std::fopen(file.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

core::Qualification member(int i) {
  core::Qualification q;
  q.insurer_number = "06130488";
  q.insured_card_symbol = "12" + std::to_string(i % 3);
  q.insured_identification_number = std::to_string(5000 + i);
  q.insured_branch_number = "00";
  q.insurer_name = "試験健康保険組合";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.name = "試験　太郎" + std::to_string(i);
  q.name_kana = "シケン　タロウ";
  q.sex1 = "1";
  q.birthdate = "19800101";
  q.qualification_date = "20200401";
  return q;
}

// Members with three versions each (a My Number's link and seal on each), an import run.
void fill_members(store::Store& s) {
  for (int round = 0; round < 3; ++round) {
    std::vector<store::PutItem> items;
    for (int i = 0; i < 20; ++i) {
      auto q = member(i);
      if (round >= 1) q.name_kana = "シケン　タロウ" + std::to_string(round);
      if (round == 2 && i % 2) q.disqualification_date = "20991231";
      items.push_back({q, "person-link-" + std::to_string(i), "sealed-" + std::to_string(round),
                       "import:members.csv",
                       round == 1 ? "[{\"from\":\"髙\",\"to\":\"高\"}]" : ""});
    }
    ASSERT_TRUE(s.put_qualifications(items).ok());
    ASSERT_TRUE(s.record_import({core::now_unix_us(), "members.csv", 20, 0, 0, "{}"}).ok());
  }
}

// The registry: an entry registered, applied for a reader, designated and in use.
void fill_institutions(store::InstitutionStore& s) {
  Status st = s.transact([](store::InstitutionTx& tx) -> Status {
    store::InstitutionRow r;
    r.provisional_code = "T0000001";
    r.kind = "clinic";
    r.prefecture = "13";
    r.district = "01";
    r.name = "オン資クリニック";
    r.address = "東京都千代田区霞が関1-2-2";
    auto in = tx.insert(r);
    if (!in) return in.error();
    for (const char* step : {"register", "reader.apply", "designate", "usage.start"})
      if (Status e = tx.append_event({0, 0, "T0000001", step, "operator", "{}"}); !e) return e;
    in->stage = "inUse";
    in->reader = "applied";
    in->reader_applied_on = "20240301";
    in->reception_number = "0112345";
    in->medical_institution_code = "1310112345";
    in->usage_start = "20240401";
    if (Status e = tx.update(*in); !e) return e;
    if (Status e = tx.set_high_water("13", "1", "01", 12345); !e) return e;
    if (auto c = tx.next_counter("provisional"); !c) return c.error();
    if (Status e = tx.add_medical_aid_setting(in->id, "20240401", true); !e) return e;
    if (Status e = tx.put_schedule_override({"202405", "20240420", "", ""}); !e) return e;
    return tx.set_population("clinic", "13", 12000);
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
}

std::vector<oqs::ConfirmRequest> requests() {
  std::vector<oqs::ConfirmRequest> out;
  for (int i : {0, 3, 7, 99}) {
    oqs::ConfirmRequest r;
    r.header.qualification_confirmation_date = "20250601";
    r.header.medical_institution_code = "1310112345";
    r.header.arbitrary_file_identifier = "copy-" + std::to_string(i);
    auto q = member(i);
    r.search.insurer_number = q.insurer_number;
    r.search.insured_card_symbol = q.insured_card_symbol;
    r.search.insured_identification_number = q.insured_identification_number;
    r.search.insured_branch_number = q.insured_branch_number;
    r.search.birthdate = q.birthdate;
    r.search.limit_application_certificate_related_cons_flg = "0";
    out.push_back(r);
  }
  return out;
}

// The answers to requests() as known at `known_at`, audited; the processing time blanked.
std::vector<std::string> confirm_all(store::Database& db, int64_t known_at) {
  security::AuditLog audit(db.members());
  confirm::Confirmer confirmer(db.members(), audit);
  std::vector<std::string> out;
  confirm::Options o;
  o.known_at_us = known_at;
  for (const auto& r : requests()) {
    auto result = confirmer.confirm(r, {"1310112345"}, o);
    result.header.process_execution_time.clear();
    auto xml = oqs::write_confirm_result_xml(result);
    EXPECT_TRUE(xml.ok());
    out.push_back(xml.ok() ? *xml : "");
  }
  EXPECT_TRUE(audit.flush().ok());
  return out;
}

int64_t copied(const std::string& json_line) {
  auto v = boost::json::parse(json_line);
  return v.at("copied").as_int64();
}

// issue 12 §4: sqlite → postgresql → sqlite through the real CLI, everything identical.
TEST(DbCopy, SqliteToPostgresqlAndBack) {
  TestDatabase src("sqlite"), pg("postgresql"), back("sqlite");
  ONSHI_REQUIRE_DATABASE(pg);
  const std::string err = (src.dir() / "stderr").string();
  std::vector<std::string> answers;
  int64_t known_at = 0;
  {
    auto db = store::open_store(src.url());
    ASSERT_TRUE(db.ok()) << db.error().message;
    fill_members((*db)->members());
    fill_institutions((*db)->institutions());
    ASSERT_TRUE((*db)->cards().insert({"0ABC", "person-link-3", "カード", 100, {}, {}}).ok());
    ASSERT_TRUE((*db)->cards().set_linked("0ABC", 200).ok());
    ASSERT_TRUE((*db)
                    ->bulk()
                    .add("1310112345", core::now_unix_us(),
                         [](const std::string& n) -> Result<std::string> {
                           return "<OQSmuquc02res>" + n + "</OQSmuquc02res>";
                         })
                    .ok());
    // issue 15 §3: a 医療扶助 ticket with two versions travels too.
    core::MedicalTicket t;
    t.insurer_number = "12131015";
    t.insured_identification_number = "1234567";
    t.issue_number = "0001";
    t.medical_treatment_month = "202405";
    t.designated_code = "1310112345";
    std::vector<store::TicketPut> tickets{{t, "import:tickets.csv"}};
    ASSERT_TRUE((*db)->tickets().put_tickets(tickets).ok());
    tickets[0].ticket.remarks1 = "再交付";
    ASSERT_TRUE((*db)->tickets().put_tickets(tickets).ok());
    known_at = core::now_unix_us();
    answers = confirm_all(**db, known_at);
  }

  int rc = -1;
  std::string out = onshi("db copy --from " + src.url() + " --to '" + pg.url() + "'", &rc, err);
  ASSERT_EQ(rc, 0) << slurp(err);
  EXPECT_GT(copied(out), 60);
  out = onshi("db copy --from " + src.url() + " --to '" + pg.url() + "'", &rc, err);
  ASSERT_EQ(rc, 0) << slurp(err);
  EXPECT_EQ(copied(out), 0) << out;
  out = onshi("audit verify --db '" + pg.url() + "'", &rc, err);
  EXPECT_EQ(rc, 0) << out << slurp(err);
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
  out = onshi("db copy --from '" + pg.url() + "' --to " + back.url(), &rc, err);
  ASSERT_EQ(rc, 0) << slurp(err);

  auto a = store::open_store(src.url());
  auto b = store::open_store(pg.url());
  auto c = store::open_store(back.url());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto dump_a = onshi::testing::dump_database(**a);
  EXPECT_EQ(dump_a.versions.size(), 60u);
  EXPECT_EQ(dump_a.audit.size(), 4u) << answers[0];
  EXPECT_EQ(dump_a.tickets.size(), 2u);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].find("<ErrorCode>"), std::string::npos) << answers[0];
  EXPECT_NE(answers[0].find("<QualificationValidity>"), std::string::npos) << answers[0];
  onshi::testing::expect_same_database(dump_a, onshi::testing::dump_database(**b));
  onshi::testing::expect_same_database(dump_a, onshi::testing::dump_database(**c));
  EXPECT_EQ(confirm_all(**b, known_at), answers);
  EXPECT_EQ(confirm_all(**c, known_at), answers);
}

// issue 12 §4: a target with another installation's audit chain is refused, exit 2, and
// nothing is written into it.
TEST(DbCopy, ConflictIsRefused) {
  TestDatabase src("sqlite"), dst("sqlite");
  const std::string err = (src.dir() / "stderr").string();
  {
    auto a = store::open_store(src.url());
    auto b = store::open_store(dst.url());
    ASSERT_TRUE(a.ok() && b.ok());
    fill_members((*a)->members());
    confirm_all(**a, core::now_unix_us());
    security::AuditLog other((*b)->members());
    other.record({"operator", "member.view", "", "{}", 0});
    ASSERT_TRUE(other.flush().ok());
  }
  int rc = -1;
  std::string out = onshi("db copy --from " + src.url() + " --to " + dst.url(), &rc, err);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(slurp(err).find("E_COPY_CONFLICT"), std::string::npos) << slurp(err);
  auto b = store::open_store(dst.url());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*(*b)->members().count_versions(), 0);
}

}  // namespace
}  // namespace onshi
