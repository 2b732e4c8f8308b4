// bench_make_claims — a claims CSV for the claims-check benchmark, made from a member CSV
// (`onshi generate members`), so every claim refers to real registered qualifications.
//
// The mix is what a review & payment organisation sees in a month: most claims covered by
// their qualification, and the cases the check exists for — claims on a card lost before the
// dates of care (the same person holds a new qualification: 振替; or none: 返戻), claims that
// span the day a qualification was lost (分割), card numbers that match nobody, a birth date
// that is not the member's, and garbage rows (impossible dates, bad check digits, "●", wrong
// column counts, a 和暦 birth date). Broken CSV quoting is left to the tests: the sqlite3
// shell that the benchmark compares with stops importing at the first such row. Output is a pure
// function of the flags (own PRNG).
//
//   bench_make_claims --members members.csv --count 1000000 --seed 42 --month 202505 --out
//   claims.csv
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <unordered_map>
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

struct Member {
  std::string insurer, symbol, number, branch, name, birth, sex;
  int32_t qd = 0, dq = 0;  // yyyymmdd; dq 0 = open
  int32_t person = -1;     // index of the My Number group, -1 = none
};

int32_t ymd(Date d) {
  return d.year() * 10000 + d.month() * 100 + d.day();
}
Date date_of(int32_t v) {
  return Date::from_ymd(v / 10000, v / 100 % 100, v % 100);
}
int32_t to_int(const std::string& s) {
  return s.size() == 8 ? std::stoi(s) : 0;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t c = line.find(',', start);
    out.push_back(line.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  if (!out.empty() && !out.back().empty() && out.back().back() == '\r') out.back().pop_back();
  return out;
}

std::string institution_code(int n, char table) {
  // 都道府県 13, 点数表, 郡市区, and a 医療機関番号 in the table's range (医科 1000-, 薬局 4000-)
  // avoiding the never-issued ..90 numbers.
  int serial = (table == '4' ? 4000 : 1000) + (n % 800);
  if (serial % 100 == 90 || serial / 10 % 100 == 90) serial += 1;
  char body[10];
  std::snprintf(body, sizeof body, "13%c%02d%04d", table, n % 89 + 10, serial);
  return std::string(body) + std::to_string(onshi::core::weighted_check_digit(body));
}

int usage() {
  std::cerr << "usage: bench_make_claims --members FILE --count N --out FILE [--seed S] [--month "
               "YYYYMM]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string members_file, out_file;
  int64_t count = 0;
  uint64_t seed = 42;
  int month = 202505;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--members")
      members_file = argv[i + 1];
    else if (a == "--out")
      out_file = argv[i + 1];
    else if (a == "--count")
      count = std::stoll(argv[i + 1]);
    else if (a == "--seed")
      seed = std::stoull(argv[i + 1]);
    else if (a == "--month")
      month = std::stoi(argv[i + 1]);
    else
      return usage();
  }
  if (members_file.empty() || out_file.empty() || count <= 0) return usage();

  std::ifstream in(members_file, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << members_file << "\n";
    return 2;
  }
  std::string line;
  std::getline(in, line);
  auto header = split(line);
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* need :
       {"InsurerNumber", "InsuredCardSymbol", "InsuredIdentificationNumber", "InsuredBranchNumber",
        "Name", "Birthdate", "Sex1", "QualificationDate", "DisqualificationDate", "MyNumber"}) {
    if (!col.count(need)) {
      std::cerr << "member CSV has no column " << need << "\n";
      return 2;
    }
  }
  std::vector<Member> members;
  std::unordered_map<std::string, int32_t> persons;
  std::vector<std::vector<uint32_t>> person_members;
  while (std::getline(in, line)) {
    auto f = split(line);
    if (f.size() != header.size()) continue;
    Member m;
    m.insurer = f[col["InsurerNumber"]];
    m.symbol = f[col["InsuredCardSymbol"]];
    m.number = f[col["InsuredIdentificationNumber"]];
    m.branch = f[col["InsuredBranchNumber"]];
    m.name = f[col["Name"]];
    m.birth = f[col["Birthdate"]];
    m.sex = f[col["Sex1"]];
    m.qd = to_int(f[col["QualificationDate"]]);
    m.dq = to_int(f[col["DisqualificationDate"]]);
    const std::string& mn = f[col["MyNumber"]];
    if (!mn.empty()) {
      auto [it, added] = persons.try_emplace(mn, static_cast<int32_t>(person_members.size()));
      if (added) person_members.emplace_back();
      m.person = it->second;
      person_members[static_cast<size_t>(it->second)].push_back(
          static_cast<uint32_t>(members.size()));
    }
    members.push_back(std::move(m));
  }

  const Date month_start = Date::from_ymd(month / 100, month % 100, 1);
  const Date month_end = month_start.first_of_next_month().add_days(-1);
  std::vector<uint32_t> covered, lost;
  for (uint32_t i = 0; i < members.size(); ++i) {
    const Member& m = members[i];
    if (m.qd <= ymd(month_start) && (m.dq == 0 || m.dq > ymd(month_end))) covered.push_back(i);
    // Lost mid-month, having been covered since that month's start: a split candidate.
    if (m.dq != 0 && date_of(m.dq).day() > 1 && m.qd <= ymd(date_of(m.dq).first_of_month())) {
      lost.push_back(i);
    }
  }
  if (covered.empty()) {
    std::cerr << "no member is covered in " << month << "\n";
    return 2;
  }
  if (lost.empty()) lost = covered;

  std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
  out << "ClaimId,MedicalInstitutionCode,PrescribingMedicalInstitutionCode,ServiceMonth,"
         "FirstServiceDate,LastServiceDate,InsurerNumber,InsuredCardSymbol,"
         "InsuredIdentificationNumber,InsuredBranchNumber,Name,Birthdate,Sex1\n";
  Rng rng{seed};
  std::vector<std::string> clinics, pharmacies;
  for (int i = 0; i < 64; ++i) clinics.push_back(institution_code(i * 37 + 11, '1'));
  for (int i = 0; i < 16; ++i) pharmacies.push_back(institution_code(i * 53 + 7, '4'));
  int64_t kinds[8] = {};
  std::string row;
  for (int64_t n = 0; n < count; ++n) {
    uint64_t r = rng.below(1000);
    const Member* m;
    Date first, last;
    std::string birth;
    int kind;
    if (r < 780) {  // covered
      kind = 0;
      m = &members[covered[rng.below(covered.size())]];
      first =
          month_start.add_days(static_cast<int>(rng.below(static_cast<uint64_t>(month_end.day()))));
      last = first.add_days(
          static_cast<int>(rng.below(static_cast<uint64_t>(ymd(month_end) - ymd(first) + 1) % 8)));
      if (last > month_end) last = month_end;
    } else if (r < 860) {  // after the loss: 振替 when a new qualification exists, else 返戻
      kind = 1;
      m = &members[lost[rng.below(lost.size())]];
      Date d = date_of(m->dq);
      Date end = d.first_of_next_month().add_days(-1);
      first = d;
      last = std::min(end, d.add_days(static_cast<int>(rng.below(5))));
    } else if (r < 920) {  // spanning the loss: 分割
      kind = 2;
      m = &members[lost[rng.below(lost.size())]];
      Date d = date_of(m->dq);
      first = d.first_of_month();
      last = d.first_of_next_month().add_days(-1);
    } else if (r < 950) {  // numbers nobody holds
      kind = 3;
      m = &members[covered[rng.below(covered.size())]];
      first = last = month_start.add_days(static_cast<int>(rng.below(28)));
    } else if (r < 960) {  // a birth date that is not the member's
      kind = 4;
      m = &members[covered[rng.below(covered.size())]];
      first = last = month_start.add_days(static_cast<int>(rng.below(28)));
      birth = "19010101";
    } else {  // garbage
      kind = 5;
      m = &members[covered[rng.below(covered.size())]];
      first = last = month_start.add_days(static_cast<int>(rng.below(28)));
    }
    ++kinds[kind];
    const bool pharmacy = rng.below(10) == 0;
    std::string inst =
        pharmacy ? pharmacies[rng.below(pharmacies.size())] : clinics[rng.below(clinics.size())];
    std::string rx = pharmacy ? clinics[rng.below(clinics.size())] : std::string();
    std::string number = kind == 3 ? m->number + "9" + std::to_string(rng.below(1000)) : m->number;
    char ym[8];
    std::snprintf(ym, sizeof ym, "%04d%02d", first.year(), first.month());
    row.clear();
    row += "C" + std::to_string(n + 1) + "," + inst + "," + rx + "," + ym + "," + first.yyyymmdd() +
           "," + last.yyyymmdd() + "," + m->insurer + "," + m->symbol + "," + number + "," +
           m->branch + "," + m->name + "," + (birth.empty() ? m->birth : birth) + "," + m->sex +
           "\n";
    if (kind == 5) {
      switch (rng.below(6)) {
        case 0:
          row.replace(row.find(first.yyyymmdd()), 8, first.yyyymmdd().substr(0, 6) + "32");
          break;
        case 1:
          row.replace(row.find(inst), 10,
                      inst.substr(0, 9) + std::to_string((inst[9] - '0' + 1) % 10));
          break;
        case 2:
          row.replace(row.find("," + m->insurer + ","), m->insurer.size() + 2,
                      ",●" + m->insurer.substr(1) + ",");
          break;
        case 3:
          row = "C" + std::to_string(n + 1) + "," + inst + ",,only,four\n";
          break;
        case 4:
          row.replace(row.find("," + m->birth + ","), m->birth.size() + 2, ",H01.01.01,");
          break;
        default:
          row.replace(row.rfind(',') + 1, std::string::npos, "9\n");
          break;
      }
    }
    out << row;
  }
  out.flush();
  if (!out) {
    std::cerr << "cannot write " << out_file << "\n";
    return 1;
  }
  std::cerr << "claims " << count << ": covered " << kinds[0] << ", after loss " << kinds[1]
            << ", spanning a loss " << kinds[2] << ", unknown numbers " << kinds[3]
            << ", wrong birth date " << kinds[4] << ", garbage " << kinds[5] << "\n";
  return 0;
}
