// Prepares the 医療扶助 side of the confirmation benchmark (bench/medical_aid.sh): writes
// `--count` recipients (10 welfare offices, 受給者番号 with check digits) and one 医療券 each
// for the month of `--date` designating `--institution`, turns the institution's
// 「医療扶助情報：利用する」 setting on, all through the stores of the data directory, and prints
// one OQSsiquc01req (UTF-8) per recipient for the load generator, separated by a line holding
// a single form feed — the same body format as bench_make_requests.
//
//   bench_make_medical_aid --data-dir DIR --count 20000 --institution 1310112345
//                          --date 20250415 > aid_bodies.txt   (one command line)
#include <iostream>
#include <string>
#include <vector>

#include "core/numbers.h"
#include "oqs/messages.h"
#include "store/database.h"

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

std::string with_check_digit(const std::string& body) {
  return body + std::to_string(onshi::core::weighted_check_digit(body));
}

std::string padded(long n, size_t width) {
  std::string s = std::to_string(n);
  return std::string(width - s.size(), '0') + s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace onshi;
  const std::string dir = arg(argc, argv, "--data-dir", "");
  const long count = std::stol(arg(argc, argv, "--count", "20000"));
  const std::string inst = arg(argc, argv, "--institution", "1310112345");
  const std::string date = arg(argc, argv, "--date", "20250415");
  if (dir.empty()) {
    std::cerr << "usage: bench_make_medical_aid --data-dir DIR [--count N] [--institution CODE] "
                 "[--date YYYYMMDD]\n";
    return 2;
  }
  auto db = store::open_store("sqlite:" + dir);
  if (!db) {
    std::cerr << db.error().message << "\n";
    return 1;
  }
  Status st = (*db)->institutions().transact([&](store::InstitutionTx& tx) -> Status {
    store::InstitutionRow row;
    row.provisional_code = "0099999";
    row.kind = "clinic";
    row.prefecture = inst.substr(0, 2);
    row.name = "ベンチ医療機関";
    row.stage = "inUse";
    row.medical_institution_code = inst;
    auto r = tx.insert(row);
    if (!r) return r.error();
    return tx.add_medical_aid_setting(r->id, "20240301", true);
  });
  if (!st) std::cerr << "setting: " << st.error().message << " (kept as it is)\n";
  const std::string month = date.substr(0, 6);
  std::vector<store::PutItem> members;
  std::vector<store::TicketPut> tickets;
  for (long i = 0; i < count; ++i) {
    core::Qualification q;
    q.insurer_number = with_check_digit("1213" + padded(100 + i % 10, 3));
    q.insured_identification_number = with_check_digit(padded(100000 + i, 6));
    q.insurer_name = "ベンチ福祉事務所";
    q.insured_card_classification = "A1";
    q.name = "扶助　太郎";
    q.name_kana = "フジョ　タロウ";
    q.sex1 = "1";
    q.birthdate = "19600505";
    q.qualification_date = "20240101";
    core::MedicalTicket t;
    t.insurer_number = q.insurer_number;
    t.insured_identification_number = q.insured_identification_number;
    t.ticket_type = "01";
    t.issue_number = padded(i, 7);
    t.medical_treatment_month = month;
    t.designated_code = inst;
    t.designated_name = "ベンチ医療機関";
    t.injury_name1 = "高血圧症";
    t.self_pay_amount = "0";
    oqs::ConfirmRequest req;
    req.header.qualification_confirmation_date = date;
    req.header.medical_institution_code = inst;
    req.search.insurer_number = q.insurer_number;
    req.search.insured_identification_number = q.insured_identification_number;
    req.search.birthdate = q.birthdate;
    req.search.limit_application_certificate_related_cons_flg = "0";
    if (i > 0) std::cout << "\f\n";  // the body ends with a line break: "\n\f\n" between
    std::cout << *oqs::write_confirm_request_xml(req, core::Encoding::kUtf8);
    members.push_back({std::move(q), "", "", "bench", ""});
    tickets.push_back({std::move(t), "bench"});
    if (members.size() == 5000 || i + 1 == count) {
      if (auto r = (*db)->members().put_qualifications(members); !r) {
        std::cerr << r.error().message << "\n";
        return 1;
      }
      if (auto r = (*db)->tickets().put_tickets(tickets); !r) {
        std::cerr << r.error().message << "\n";
        return 1;
      }
      members.clear();
      tickets.clear();
    }
  }
  return 0;
}
