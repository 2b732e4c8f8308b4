// bench_make_aid_files — the two files a welfare office sends, for the import benchmark
// (bench/medical_aid_import.sh): recipients (受給者, `onshi import --kind medical-aid`) and
// their tickets (医療券・調剤券, `--kind medical-aid-tickets`), every row valid.
//
// Recipients are spread over 40 offices (公費負担者番号 法別 12, with check digit); each has a
// 受給者番号 (6 digits + check digit), a My Number (mod-11), 保護開始 before the ticket months
// and, for one in ten, a 廃止 after them. Tickets are handed out round-robin, one per recipient
// and month, starting at --month: a 医療券 (入院外) designating one of 500 clinics, or one in
// four a 調剤券 designating one of 200 pharmacies with the clinic as prescriber, valid for the
// whole month. Output is a pure function of the flags (own PRNG).
//
//   bench_make_aid_files --recipients 200000 --tickets 1000000 --month 202501 --seed 42
//                        --out-recipients recipients.csv --out-tickets tickets.csv  (one line)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/numbers.h"

namespace {

using onshi::core::Date;

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
};

std::string with_check(const std::string& body) {
  return body + std::to_string(onshi::core::weighted_check_digit(body));
}

std::string pad(uint64_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

// 法別 12 + 都道府県 + 実施機関 + check digit.
std::string office(int i) {
  return with_check("12" + pad(static_cast<uint64_t>(1 + i % 47), 2) + pad(100 + i, 3));
}

// 医療機関コード: 都道府県 13, 点数表 ('1' clinic, '4' pharmacy), 郡市区 01, the n-th number of
// the 点数表's range that is not 欠番 (middle or last two digits "90").
std::string institution(char table, int n) {
  int number = table == '4' ? 4000 : 1000;
  for (int seen = -1;; ++number) {
    if (number / 10 % 100 == 90 || number % 100 == 90) continue;
    if (++seen == n) break;
  }
  return with_check(std::string("13") + table + "01" + pad(static_cast<uint64_t>(number), 4));
}

std::string my_number(uint64_t serial) {
  std::string body = pad(10000000000ull + serial, 11);
  return body + std::to_string(onshi::core::my_number_check_digit(body));
}

const char* const kFamily[] = {"山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"};
const char* const kFamilyKana[] = {"ヤマダ", "サトウ", "スズキ",   "タカハシ",
                                   "タナカ", "イトウ", "ワタナベ", "ナカムラ"};
const char* const kGiven[] = {"太郎", "花子", "一郎", "幸子", "誠", "茂", "ハナ", "健"};
const char* const kGivenKana[] = {"タロウ", "ハナコ", "イチロウ", "サチコ",
                                  "マコト", "シゲル", "ハナ",     "ケン"};

struct Args {
  long recipients = 200000, tickets = 1000000;
  int month = 202501;
  uint64_t seed = 42;
  std::string out_recipients = "recipients.csv", out_tickets = "tickets.csv";
};

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--recipients")
      a.recipients = std::atol(v.c_str());
    else if (k == "--tickets")
      a.tickets = std::atol(v.c_str());
    else if (k == "--month")
      a.month = std::atoi(v.c_str());
    else if (k == "--seed")
      a.seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--out-recipients")
      a.out_recipients = v;
    else if (k == "--out-tickets")
      a.out_tickets = v;
    else
      return false;
  }
  return a.recipients > 0 && a.tickets >= 0 && a.month % 100 >= 1 && a.month % 100 <= 12;
}

struct Recipient {
  std::string insurer, number;
};

std::vector<Recipient> write_recipients(const Args& a, Rng& rng, std::ofstream& out) {
  out << "InsurerNumber,InsurerName,InsuredIdentificationNumber,Name,NameKana,Sex1,Birthdate,"
         "PostNumber,Address,QualificationDate,DisqualificationDate,ReasonOfLoss,MyNumber\n";
  std::vector<Recipient> all;
  all.reserve(static_cast<size_t>(a.recipients));
  const int last_year = a.month / 100 + 2;
  for (long i = 0; i < a.recipients; ++i) {
    Recipient r{office(static_cast<int>(i % 40)), with_check(pad(100000 + i / 40, 6))};
    size_t f = rng.below(8), g = rng.below(8);
    int year = 1940 + static_cast<int>(rng.below(70));
    std::string birth =
        pad(static_cast<uint64_t>(year), 4) + pad(1 + rng.below(12), 2) + pad(1 + rng.below(28), 2);
    bool ends = rng.below(10) == 0;
    out << r.insurer << ",福祉事務所" << r.insurer.substr(4, 3) << "," << r.number << ","
        << kFamily[f] << "　" << kGiven[g] << "," << kFamilyKana[f] << "　" << kGivenKana[g] << ","
        << (g % 2 ? "2" : "1") << "," << birth << ",100-0001,東京都千代田区千代田1-" << (i % 100 + 1)
        << ",2023040" << (1 + i % 9) << "," << (ends ? std::to_string(last_year) + "0401" : "")
        << "," << (ends ? "01" : "") << "," << my_number(static_cast<uint64_t>(i) * 7 + 3) << "\n";
    all.push_back(std::move(r));
  }
  return all;
}

void write_tickets(const Args& a, const std::vector<Recipient>& all, Rng& rng, std::ofstream& out) {
  out << "InsurerNumber,InsuredIdentificationNumber,TicketType,MedicalTicketValidDate,"
         "MedicalTicketExpirationDate,IssueNumber,MedicalTreatmentMonth,"
         "DesignatedMedicalInstitutionCode,DesignatedMedicalInstitutionName,"
         "PrescriptionIssuerMedicalInstitutionCode,PrescriptionIssuerMedicalInstitutionName,"
         "InjuryName1,InjuryName2,InjuryName3,MedicalTreatmentType,SelfPayAmount,"
         "DistrictContactName,HandlingContactName,SingleOrCombinedUse,StatusOfSocialInsurance,"
         "ConsistencyFlag,StatusOfInfecton,StatusOfElderlyMedicalCare,"
         "StatusOfPrefecturalExpenses,Remarks1,Remarks2,Remarks3\n";
  const long n = static_cast<long>(all.size());
  for (long t = 0; t < a.tickets; ++t) {
    const Recipient& r = all[static_cast<size_t>(t % n)];
    const long round = t / n;  // the month offset
    int y = a.month / 100, m = a.month % 100 + static_cast<int>(round % 12);
    y += (m - 1) / 12;
    m = (m - 1) % 12 + 1;
    Date first = Date::from_ymd(y, m, 1);
    Date last = first.first_of_next_month().add_days(-1);
    const int clinic_n = static_cast<int>(rng.below(500));
    const bool pharmacy = rng.below(4) == 0;
    const std::string clinic = institution('1', clinic_n);
    out << r.insurer << "," << r.number << "," << (pharmacy ? "02" : "01") << ","
        << first.yyyymmdd() << "," << last.yyyymmdd() << ","
        << pad(static_cast<uint64_t>(round + 1), 6) << "," << pad(static_cast<uint64_t>(y), 4)
        << pad(static_cast<uint64_t>(m), 2) << ","
        << (pharmacy ? institution('4', static_cast<int>(rng.below(200))) : clinic) << ","
        << (pharmacy ? "デモ薬局" : "デモ診療所") << "," << (pharmacy ? clinic : "") << ","
        << (pharmacy ? "デモ診療所" : "") << ",高血圧症,,," << (pharmacy ? "04" : "02")
        << ",0,地区担当,取扱担当,01,02,,02,02,02,,,\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse_args(argc, argv, a)) {
    std::cerr << "usage: bench_make_aid_files --recipients N --tickets M --month YYYYMM "
                 "--seed S --out-recipients R.csv --out-tickets T.csv\n";
    return 2;
  }
  Rng rng{a.seed};
  std::ofstream rec(a.out_recipients, std::ios::binary | std::ios::trunc);
  std::ofstream tic(a.out_tickets, std::ios::binary | std::ios::trunc);
  if (!rec || !tic) {
    std::cerr << "cannot write the output files\n";
    return 1;
  }
  auto all = write_recipients(a, rng, rec);
  write_tickets(a, all, rng, tic);
  rec.flush();
  tic.flush();
  if (!rec || !tic) return 1;
  std::fprintf(stderr, "%ld recipients, %ld tickets\n", a.recipients, a.tickets);
  return 0;
}
