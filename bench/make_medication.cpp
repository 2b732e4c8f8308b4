// bench_make_medication — a medication CSV (`onshi clinical import --kind medication`) for the
// clinical import benchmark, made from a member CSV (`onshi generate members`): every row names
// a registered qualification whose member has a My Number, so every row is loaded.
//
// Rows go round the members, one dispensing of one of a dozen common drugs at one of three
// pharmacies a row, the dates stepping back a week per round (at most 400 rounds) — so each row's natural key
// (qualification, date, pharmacy, drug, usage) is unique and a person gets about
// rows / members rows, like the ≈150 of three years of history. Output is a pure function of
// the flags.
//
//   bench_make_medication --members members.csv --rows 1000000 --as-of 20250601 --out med.csv
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/numbers.h"

namespace {

using onshi::core::Date;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

struct Drug {
  const char *code, *name, *qty, *unit, *usage;
};
constexpr Drug kDrugs[] = {
    {"622083601", "アムロジピン錠5mg", "1", "錠", "1日1回朝食後"},
    {"622243201", "ロスバスタチン錠2.5mg", "1", "錠", "1日1回夕食後"},
    {"622148901", "メトホルミン塩酸塩錠250mgMT", "4", "錠", "1日2回朝夕食後"},
    {"3969010F1026", "シタグリプチン錠50mg", "1", "錠", "1日1回朝食後"},
    {"622190301", "ランソプラゾールOD錠15mg", "1", "錠", "1日1回朝食後"},
    {"620008901", "酸化マグネシウム錠330mg", "3", "錠", "1日3回毎食後"},
    {"622095401", "テルミサルタン錠40mg", "1", "錠", "1日1回朝食後"},
    {"622043101", "アトルバスタチン錠10mg", "1", "錠", "1日1回夕食後"},
    {"622186101", "ロキソプロフェンNa錠60mg", "3", "錠", "1日3回毎食後"},
    {"620005301", "レバミピド錠100mg", "3", "錠", "1日3回毎食後"},
    {"622098701", "フェキソフェナジン塩酸塩錠60mg", "2", "錠", "1日2回朝夕食後"},
    {"620004601", "カルボシステイン錠500mg", "3", "錠", "1日3回毎食後"},
};

}  // namespace

int main(int argc, char** argv) {
  std::string members, out, as_of = "20250601";
  long long rows = 1000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--members") members = argv[i + 1];
    else if (a == "--rows") rows = std::stoll(argv[i + 1]);
    else if (a == "--as-of") as_of = argv[i + 1];
    else if (a == "--out") out = argv[i + 1];
  }
  auto today = Date::parse(as_of);
  std::ifstream in(members);
  std::ofstream o(out, std::ios::binary);
  if (members.empty() || out.empty() || !today || !in || !o) {
    std::cerr << "usage: bench_make_medication --members M.csv --rows N --as-of YYYYMMDD --out F\n";
    return 2;
  }
  std::string line;
  std::getline(in, line);
  auto head = split(line);
  auto col = [&](const char* name) {
    for (size_t i = 0; i < head.size(); ++i)
      if (head[i] == name) return i;
    return head.size();
  };
  const size_t ins = col("InsurerNumber"), sym = col("InsuredCardSymbol"),
               num = col("InsuredIdentificationNumber"), br = col("InsuredBranchNumber"),
               mn = col("MyNumber");
  std::vector<std::string> quals;
  while (std::getline(in, line)) {
    auto v = split(line);
    if (v.size() == head.size() && !v[mn].empty())
      quals.push_back(v[ins] + "," + v[sym] + "," + v[num] + "," + v[br]);
  }
  if (quals.empty()) return 2;
  const std::string pharmacies[] = {"1340140126", "1340140233", "1340140340"};
  o << "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,"
       "DispensingDate,MedicalInstitutionCode,MedicalInstitutionName,InstitutionClassification,"
       "DrugC,DrugN,Qua1,Unit,UsageN,Times\n";
  for (long long i = 0; i < rows; ++i) {
    const long long round = i / static_cast<long long>(quals.size());
    const Drug& d = kDrugs[(i + round) % 12];
    const std::string& place = pharmacies[i % 3];
    o << quals[i % quals.size()] << ',' << today->add_days(-1 - 7 * static_cast<int>(round % 400)).yyyymmdd()
      << ',' << place << ",さくら薬局,4," << d.code << ',' << d.name << ',' << d.qty << ','
      << d.unit << ',' << d.usage << ",28\n";
  }
  return o ? 0 : 1;
}
