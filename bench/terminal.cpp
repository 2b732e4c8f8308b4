// Benchmarks of the institution terminal's folder bridge (docs/performance.md, "Terminal"),
// each against a baseline measured in the same run: the same work sent straight to the
// central service over one keep-alive HTTPS connection with http::Client.
//
// The terminal under test is the real `onshi terminal` process, started by bench/terminal.sh
// on --folder with --poll-ms (watching req/, or polling only with --no-watch); this program
// only drops files into req/ (written under a temporary name beside req/, then renamed in,
// as receipt computers are told to) and waits for the result file in res/.
//
//   --mode folder: COUNT OQSsiquc01req files dropped one at a time; latency from the rename
//     into req/ until res/OQSsiquc01res_<tail>.xml exists, vs the direct POST /xml/OQSsiquc01
//     of the same document (the two interleaved, request by request). Prints median and p99.
//   --mode bulk: one OQSmuquc01req of COUNT patients → OQSmuquc01res, then OQSmuquc02req →
//     OQSmuquc02res; the time of each step and the total, vs COUNT single confirmations
//     POST /xml/OQSsiquc01 over one keep-alive connection (and, for the breakdown, the same
//     bulk pair posted directly).
//
//   bench_terminal --mode folder|bulk --csv members.csv --count N --folder OQS \
//       --host 127.0.0.1 --port P --cert-dir DIR [--poll-ms MS] [--institution CODE] [--date YYYYMMDD]
// Output: one JSON line on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/client.h"
#include "core/text.h"
#include "oqs/messages.h"

#include "core/csv.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

[[noreturn]] void die(const std::string& why) {
  std::cerr << "bench_terminal: " << why << "\n";
  std::exit(1);
}


// `count` covered members sampled evenly through the CSV (as bench_make_requests does).
std::vector<onshi::oqs::SearchInfo> sample_members(const std::string& csv, size_t count) {
  std::ifstream in(csv);
  if (!in) die("cannot read " + csv);
  std::string line;
  std::getline(in, line);
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
  auto header = onshi::core::csv_fields(line);
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* c : {"InsurerNumber", "InsuredCardSymbol", "InsuredIdentificationNumber",
                        "InsuredBranchNumber", "Birthdate", "DisqualificationDate"})
    if (!col.count(c)) die(std::string("column ") + c + " missing in " + csv);
  std::vector<onshi::oqs::SearchInfo> rows;
  while (std::getline(in, line)) {
    auto f = onshi::core::csv_fields(line);
    if (f.size() != header.size() || !f[col["DisqualificationDate"]].empty()) continue;
    onshi::oqs::SearchInfo s;
    s.insurer_number = f[col["InsurerNumber"]];
    s.insured_card_symbol = f[col["InsuredCardSymbol"]];
    s.insured_identification_number = f[col["InsuredIdentificationNumber"]];
    s.insured_branch_number = f[col["InsuredBranchNumber"]];
    s.birthdate = f[col["Birthdate"]];
    s.limit_application_certificate_related_cons_flg = "0";
    rows.push_back(std::move(s));
  }
  if (rows.empty()) die("no covered members in " + csv);
  std::vector<onshi::oqs::SearchInfo> out;
  size_t step = std::max<size_t>(1, rows.size() / count);
  for (size_t i = 0; out.size() < count; i = (i + step) % rows.size()) {
    out.push_back(rows[i]);
    out.back().arbitrary_identifier = std::to_string(out.size()) + "_1";
  }
  return out;
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) die("cannot write " + p.string());
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `bytes` beside req/ and renames it into req/`name`; returns the time of the rename.
Clock::time_point drop(const fs::path& folder, const std::string& name, const std::string& bytes) {
  const fs::path tmp = folder / (".bench-" + name);
  spit(tmp, bytes);
  auto t = Clock::now();
  fs::rename(tmp, folder / "req" / name);
  return t;
}

// Waits until `file` exists (checked every 200 µs; the bridge renames results in whole).
Clock::time_point wait_for(const fs::path& file, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  std::error_code ec;
  while (!fs::exists(file, ec)) {
    if (Clock::now() > deadline) die("no " + file.string() + " within " + std::to_string(limit.count()) + " s");
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return Clock::now();
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string post(onshi::http::Client& c, const std::string& path, const std::string& body) {
  auto r = c.request("POST", path, body, "application/xml");
  if (!r) die(path + ": " + r.error().code + " " + r.error().message);
  if (r->status != 200) die(path + ": HTTP " + std::to_string(r->status));
  return r->body;
}

std::string element(const std::string& text, const std::string& name) {
  auto b = text.find("<" + name + ">");
  auto e = text.find("</" + name + ">");
  if (b == std::string::npos || e == std::string::npos) return "";
  b += name.size() + 2;
  return text.substr(b, e - b);
}

}  // namespace

int main(int argc, char** argv) {
  namespace oqs = onshi::oqs;
  const std::string mode = arg(argc, argv, "--mode", "");
  const std::string csv = arg(argc, argv, "--csv", "");
  const size_t count = std::stoul(arg(argc, argv, "--count", mode == "bulk" ? "10000" : "1000"));
  const fs::path folder = arg(argc, argv, "--folder", "");
  const std::string cert_dir = arg(argc, argv, "--cert-dir", "");
  const std::string inst = arg(argc, argv, "--institution", "1310112345");
  const std::string date = arg(argc, argv, "--date", "20250415");
  const int poll_ms = std::stoi(arg(argc, argv, "--poll-ms", "50"));  // the terminal's, for the phase
  if ((mode != "folder" && mode != "bulk") || csv.empty() || folder.empty() || cert_dir.empty())
    die("usage: bench_terminal --mode folder|bulk --csv FILE --count N --folder DIR --host H "
        "--port P --cert-dir DIR [--institution CODE] [--date YYYYMMDD]");
  onshi::http::ClientOptions co;
  co.host = arg(argc, argv, "--host", "127.0.0.1");
  co.port = static_cast<uint16_t>(std::stoi(arg(argc, argv, "--port", "0")));
  co.ca_file = cert_dir + "/ca.pem";
  co.cert_file = cert_dir + "/cert.pem";
  co.key_file = cert_dir + "/key.pem";
  co.timeout_ms = 300000;
  onshi::http::Client client(co);
  if (!fs::is_directory(folder / "req") || !fs::is_directory(folder / "res"))
    die(folder.string() + " has no req/ and res/ (is `onshi terminal --folder` running?)");

  const auto members = sample_members(csv, count);
  oqs::RequestHeader header{date, inst, ""};
  auto single = [&](size_t i, onshi::core::Encoding enc) {
    oqs::ConfirmRequest r{header, members[i]};
    r.header.arbitrary_file_identifier = "bench-" + std::to_string(i);
    auto doc = oqs::write_confirm_request_xml(r, enc);
    if (!doc) die("request " + std::to_string(i) + ": " + doc.error().message);
    return *doc;
  };

  if (mode == "folder") {
    // Warm-up, so connection set-up is outside the measurement.
    post(client, "/xml/OQSsiquc01", single(0, onshi::core::Encoding::kUtf8));
    // Each drop waits a random 0..poll_ms first: otherwise every drop would follow the
    // terminal's scan that wrote the previous result, always at the same phase of its cycle.
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> phase(0, std::max(0, poll_ms * 1000 - 1));
    std::vector<double> bridge, direct;
    size_t valid = 0;
    char tail[32];
    for (size_t i = 0; i < count; ++i) {
      const std::string body = single(i, onshi::core::Encoding::kShiftJis);
      auto t0 = Clock::now();
      std::string answer = post(client, "/xml/OQSsiquc01", body);
      direct.push_back(ms(Clock::now() - t0));
      std::snprintf(tail, sizeof tail, "%012zu", i);
      std::this_thread::sleep_for(std::chrono::microseconds(phase(rng)));
      const std::string name = std::string("OQSsiquc01req_") + tail + ".xml";
      auto t1 = drop(folder, name, body);
      auto t2 = wait_for(folder / "res" / (std::string("OQSsiquc01res_") + tail + ".xml"),
                         std::chrono::seconds(60));
      bridge.push_back(ms(t2 - t1));
      valid += element(answer, "QualificationValidity") == "1";
    }
    const double bm = quantile(bridge, 0.5), b99 = quantile(bridge, 0.99);
    const double dm = quantile(direct, 0.5), d99 = quantile(direct, 0.99);
    std::printf(
        "{\"bench\":\"terminal_folder\",\"requests\":%zu,\"valid\":%zu,\"bridge_median_ms\":%.2f,"
        "\"bridge_p99_ms\":%.2f,\"bridge_min_ms\":%.2f,\"bridge_max_ms\":%.2f,"
        "\"direct_median_ms\":%.2f,\"direct_p99_ms\":%.2f,\"ratio_median\":%.1f,\"ratio_p99\":%.1f}\n",
        count, valid, bm, b99, quantile(bridge, 0), quantile(bridge, 1), dm, d99, bm / dm, b99 / d99);
    return 0;
  }

  // ---- bulk ----
  oqs::BulkRequest bulk{header, members};
  bulk.header.arbitrary_file_identifier = "bench-bulk";
  auto upload = oqs::write_bulk_request_xml(bulk, onshi::core::Encoding::kShiftJis);
  if (!upload) die("bulk request: " + upload.error().message);

  // Baseline 1: COUNT single confirmations over one keep-alive connection.
  std::vector<std::string> bodies;
  bodies.reserve(count);
  for (size_t i = 0; i < count; ++i) bodies.push_back(single(i, onshi::core::Encoding::kShiftJis));
  post(client, "/xml/OQSsiquc01", bodies[0]);  // warm-up (connection)
  auto t0 = Clock::now();
  size_t valid = 0;
  for (const auto& b : bodies) valid += element(post(client, "/xml/OQSsiquc01", b), "QualificationValidity") == "1";
  const double singles_ms = ms(Clock::now() - t0);

  // Baseline 2 (breakdown): the bulk pair posted directly.
  t0 = Clock::now();
  std::string receipt = post(client, "/xml/OQSmuquc01", *upload);
  const double direct01_ms = ms(Clock::now() - t0);
  oqs::BulkResultRequest down{inst, element(receipt, "ReceptionNumber")};
  auto download = oqs::write_bulk_result_request_xml(down, onshi::core::Encoding::kShiftJis);
  t0 = Clock::now();
  std::string direct_result = post(client, "/xml/OQSmuquc02", *download);
  const double direct02_ms = ms(Clock::now() - t0);

  // Through the folder.
  auto d1 = drop(folder, "OQSmuquc01req_bench00000001.xml", *upload);
  auto r1 = wait_for(folder / "res" / "OQSmuquc01res_bench00000001.xml", std::chrono::seconds(600));
  auto parsed_receipt = oqs::parse_bulk_receipt_xml(slurp(folder / "res" / "OQSmuquc01res_bench00000001.xml"));
  if (!parsed_receipt || parsed_receipt->reception_number.empty())
    die("OQSmuquc01res without a ReceptionNumber");
  down.reception_number = parsed_receipt->reception_number;
  download = oqs::write_bulk_result_request_xml(down, onshi::core::Encoding::kShiftJis);
  auto d2 = drop(folder, "OQSmuquc02req_bench00000002.xml", *download);
  auto r2 = wait_for(folder / "res" / "OQSmuquc02res_bench00000002.xml", std::chrono::seconds(600));
  const std::string result_bytes = slurp(folder / "res" / "OQSmuquc02res_bench00000002.xml");
  // Counted as text: 10,000 units (about 19 MB) are more than oqs::kMaxBulkDocumentBytes.
  std::string result_text = result_bytes;
  std::string parse_error;
  if (result_bytes.find("encoding=\"Shift_JIS\"") != std::string::npos) {
    auto utf8 = onshi::core::shift_jis_to_utf8(result_bytes);
    if (utf8) result_text = std::move(*utf8);
    else parse_error = utf8.error().code;
  }
  auto occurrences = [&](const std::string& needle) {
    size_t n = 0;
    for (auto at = result_text.find(needle); at != std::string::npos; at = result_text.find(needle, at + 1)) ++n;
    return n;
  };
  const size_t units = occurrences("<BulkConfirmUnit>");
  const size_t units_valid = occurrences("<QualificationValidity>1</QualificationValidity>");
  if (element(result_text, "SegmentOfResult") != "1")
    parse_error += " SegmentOfResult " + element(result_text, "SegmentOfResult") + " " +
                   element(result_text, "ErrorCode");
  const double bridge01 = ms(r1 - d1), bridge02 = ms(r2 - d2), total = ms(r2 - d1);
  std::printf(
      "{\"bench\":\"terminal_bulk\",\"patients\":%zu,\"upload_bytes\":%zu,\"result_bytes\":%zu,"
      "\"direct_result_bytes\":%zu,\"units\":%zu,\"units_valid\":%zu,\"singles_valid\":%zu,"
      "\"parse_error\":\"%s\",\"bridge_01_ms\":%.0f,\"bridge_02_ms\":%.0f,\"bridge_total_ms\":%.0f,"
      "\"direct_01_ms\":%.0f,\"direct_02_ms\":%.0f,\"singles_ms\":%.0f,\"singles_per_s\":%.0f,"
      "\"ratio_bridge_to_singles\":%.2f,\"ratio_bridge_to_direct_bulk\":%.2f}\n",
      count, upload->size(), result_bytes.size(), direct_result.size(), units, units_valid, valid,
      parse_error.c_str(), bridge01, bridge02, total, direct01_ms, direct02_ms, singles_ms,
      1000.0 * static_cast<double>(count) / singles_ms, total / singles_ms,
      total / (direct01_ms + direct02_ms));
  if (units != count || units_valid != valid) {
    std::cerr << "bench_terminal: the OQSmuquc02res has " << units << " units (" << units_valid
              << " valid); expected " << count << " (" << valid << ")\n";
    return 1;
  }
  return 0;
}
