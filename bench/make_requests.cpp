// Turns a member CSV (as `onshi generate members` writes it) into confirmation request bodies
// for the load generator: OQSsiquc01req XML documents (UTF-8) or the JSON twins, separated by
// a line holding a single form feed. Members are sampled at random through the whole file
// (seeded, so a run is repeatable) so the load touches the whole key space, not the first
// pages of the store; only about twice the rows asked are held in memory, so a file of the
// whole nation (122 M rows, bench/national.sh) is read in one pass.
//
//   bench_make_requests --csv members.csv --count 20000 --institution 1310112345
//       --date 20250415 --format xml > bodies.txt          (one command line)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/csv.h"

namespace {


std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  std::string csv = arg(argc, argv, "--csv", "");
  long count = std::stol(arg(argc, argv, "--count", "10000"));
  std::string inst = arg(argc, argv, "--institution", "1310112345");
  std::string date = arg(argc, argv, "--date", "20250415");
  std::string format = arg(argc, argv, "--format", "xml");
  std::ifstream in(csv);
  if (csv.empty() || !in) {
    std::cerr << "usage: bench_make_requests --csv FILE [--count N] [--institution CODE] "
                 "[--date YYYYMMDD] [--format xml|json]\n";
    return 2;
  }
  std::string line;
  std::getline(in, line);
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
  auto header = onshi::core::csv_fields(line);
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  // Rows kept with probability `keep`: about twice `count` of the file's rows (its length
  // over the header line's length times two is a low estimate of a row's bytes).
  std::error_code ec;
  const double rows_est =
      static_cast<double>(std::filesystem::file_size(csv, ec)) / (2.0 * (line.size() + 1));
  const double keep = ec ? 1.0 : std::min(1.0, 4.0 * static_cast<double>(count) / rows_est);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (keep < 1.0 && coin(rng) >= keep) continue;
    auto f = onshi::core::csv_fields(line);
    if (f.size() != header.size()) continue;
    if (!f[col["DisqualificationDate"]].empty()) continue;  // ask about covered members
    rows.push_back({f[col["InsurerNumber"]], f[col["InsuredCardSymbol"]],
                    f[col["InsuredIdentificationNumber"]], f[col["InsuredBranchNumber"]],
                    f[col["Birthdate"]]});
  }
  if (rows.empty()) return 1;
  std::shuffle(rows.begin(), rows.end(), rng);
  long written = 0;
  for (size_t i = 0; written < count; i = (i + 1) % rows.size(), ++written) {
    const auto& r = rows[i];
    if (written) std::cout << "\n\f\n";
    if (format == "json") {
      std::cout << "{\"qualificationConfirmationDate\":\"" << date
                << "\",\"medicalInstitutionCode\":\"" << inst << "\",\"insurerNumber\":\"" << r[0]
                << "\",\"insuredCardSymbol\":\"" << r[1] << "\",\"insuredIdentificationNumber\":\""
                << r[2] << "\",\"insuredBranchNumber\":\"" << r[3] << "\",\"birthdate\":\"" << r[4]
                << "\",\"limitApplicationCertificateRelatedConsFlg\":\"1\"}";
    } else {
      std::cout << "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<XmlMsg>"
                << "<MessageHeader><QualificationConfirmationDate>" << date
                << "</QualificationConfirmationDate><MedicalInstitutionCode>" << inst
                << "</MedicalInstitutionCode><ArbitraryFileIdentifier>bench-" << written
                << "</ArbitraryFileIdentifier></MessageHeader><MessageBody>"
                << "<QualificationConfirmSearchInfo><InsurerNumber>" << r[0]
                << "</InsurerNumber><InsuredCardSymbol>" << r[1]
                << "</InsuredCardSymbol><InsuredIdentificationNumber>" << r[2]
                << "</InsuredIdentificationNumber><InsuredBranchNumber>" << r[3]
                << "</InsuredBranchNumber><Birthdate>" << r[4]
                << "</Birthdate><LimitApplicationCertificateRelatedConsFlg>1"
                << "</LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo>"
                << "</MessageBody></XmlMsg>";
    }
  }
  std::cout << "\n";
  return 0;
}
