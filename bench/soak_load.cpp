// bench_soak_load: the mixed load of the soak test (bench/soak.sh, docs/reliability.md#soak)
// against one `onshi serve`, over mutual TLS keep-alive connections, either as fast as it
// goes (--rate 0: the peak) or paced at a fixed rate of operations a second.
//
// An operation is one of four kinds, drawn in a fixed interleaved order from the weights of
// --mix (default numbers=60,card=25,registration=14,bulk=1 per 100 operations):
//   numbers       POST /xml/OQSsiquc01 (Shift_JIS, a covered member of the CSV): success is
//                 200 with SegmentOfResult 1
//   card          POST /v1/card/challenges, the card signs (method face: a reader's face
//                 check, so no PIN is spent), POST /v1/card/confirmations: success is 200
//   registration  POST /v1/registrations of one new member of the insurer (a fresh number
//                 each time): success is 200 with "rejected":0
//   bulk          POST /xml/OQSmuquc01 of --bulk-size patients, then POST /xml/OQSmuquc02
//                 with its ReceptionNumber: success is 200, SegmentOfResult 1, NumberOfError 0
// Anything else — another status, an answer without the success mark, a failed connection —
// is an error. --threads workers each hold one connection with the clinic's certificate and
// one with the insurer's. Paced, operation i is due at start + i / rate; a worker takes the
// next due operation, waits for its time, and its latency is counted from that time (a
// worker that falls behind counts its delay: no coordinated omission).
//
// Every --interval seconds one CSV row (--csv) with the interval's operations, achieved rate,
// p50 and p99 latency, errors, and the server's memory and open descriptors
// (/proc/PID/status VmRSS and RssAnon, entries of /proc/PID/fd, PID = --server-pid) and the
// machine's load average (/proc/loadavg). At the
// end one JSON line on stdout: {"ops","seconds","rate","p50_ms","p99_ms","errors",…}.
//
//   bench_soak_load --port P --certs DIR --csv-members members.csv --cards DIR
//       --institution 1310112345 --insurer 06130488 --date YYYYMMDD --duration 600
//       [--rate R] [--threads 8] [--interval 10] [--csv out.csv] [--server-pid PID]
// DIR holds clinic/ and insurer/ (ca.pem, cert.pem, key.pem as `onshi ca issue` writes them);
// --cards holds linked card files (*.card).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

#include "card/card.h"
#include "core/csv.h"
#include "http/client.h"
#include "oqs/messages.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using onshi::oqs::SearchInfo;

enum Kind { kNumbers, kCard, kRegistration, kBulk, kKinds };
const char* const kKindNames[kKinds] = {"numbers", "card", "registration", "bulk"};

struct Options {
  uint16_t port = 0;
  std::string certs, members_csv, cards, institution = "1310112345", insurer = "06130488";
  std::string date, csv, mix = "numbers=60,card=25,registration=14,bulk=1";
  double rate = 0, duration = 600, interval = 10;
  int threads = 8, bulk_size = 50, server_pid = 0;
  int64_t first_id = 900000;
};

// The interleaved order of kinds from the weights (smooth weighted round robin), so every
// stretch of the sequence holds the mix, not runs of one kind.
std::vector<Kind> schedule(const std::string& mix) {
  int weight[kKinds] = {0, 0, 0, 0};
  std::stringstream ss(mix);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto eq = item.find('=');
    bool known = false;
    for (int k = 0; k < kKinds && eq != std::string::npos; ++k)
      if (item.substr(0, eq) == kKindNames[k]) weight[k] = std::stoi(item.substr(eq + 1)), known = true;
    if (!known) throw std::runtime_error("--mix: not KIND=WEIGHT: " + item);
  }
  int total = 0;
  for (int w : weight) total += w;
  if (total <= 0) throw std::runtime_error("--mix: no weight");
  std::vector<Kind> out;
  int current[kKinds] = {0, 0, 0, 0};
  for (int i = 0; i < total; ++i) {
    int best = -1;
    for (int k = 0; k < kKinds; ++k) {
      current[k] += weight[k];
      if (weight[k] && (best < 0 || current[k] > current[best])) best = k;
    }
    current[best] -= total;
    out.push_back(static_cast<Kind>(best));
  }
  return out;
}

// Covered members (no DisqualificationDate) of the CSV, at most `count`, spread through it.
std::vector<SearchInfo> covered_members(const std::string& csv, size_t count) {
  std::ifstream in(csv);
  if (!in) throw std::runtime_error("cannot read " + csv);
  std::string line;
  std::getline(in, line);
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
  auto header = onshi::core::csv_fields(line);
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  std::vector<SearchInfo> rows;
  while (std::getline(in, line)) {
    auto f = onshi::core::csv_fields(line);
    if (f.size() != header.size() || !f[col.at("DisqualificationDate")].empty()) continue;
    SearchInfo s;
    s.insurer_number = f[col.at("InsurerNumber")];
    s.insured_card_symbol = f[col.at("InsuredCardSymbol")];
    s.insured_identification_number = f[col.at("InsuredIdentificationNumber")];
    s.insured_branch_number = f[col.at("InsuredBranchNumber")];
    s.birthdate = f[col.at("Birthdate")];
    s.limit_application_certificate_related_cons_flg = "0";
    rows.push_back(std::move(s));
  }
  if (rows.empty()) throw std::runtime_error("no covered members in " + csv);
  std::vector<SearchInfo> out;
  const size_t step = std::max<size_t>(1, rows.size() / count);
  for (size_t i = 0; i < rows.size() && out.size() < count; i += step) out.push_back(rows[i]);
  return out;
}

// The text of the first <name>…</name> in `xml`, or "".
std::string element(const std::string& xml, const std::string& name) {
  const std::string open = "<" + name + ">";
  size_t a = xml.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = xml.find("</" + name + ">", a);
  return b == std::string::npos ? "" : xml.substr(a, b - a);
}

// What every worker reads: the request bodies made once, and the cards.
struct Workload {
  Options o;
  std::vector<Kind> order;
  std::vector<std::string> numbers;  // OQSsiquc01req documents
  std::vector<std::string> bulks;    // OQSmuquc01req documents of bulk_size patients
  std::vector<std::unique_ptr<onshi::card::Card>> cards;
  std::atomic<int64_t> next_member{0};

  std::string registration() {
    const int64_t id = o.first_id + next_member.fetch_add(1);
    return "[{\"insurerNumber\":\"" + o.insurer +
           "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
           "\"insuredCardSymbol\":\"77\",\"insuredIdentificationNumber\":\"" +
           std::to_string(id) +
           "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
           "\"name\":\"試験　四郎\",\"nameKana\":\"シケン　シロウ\",\"sex1\":\"1\","
           "\"birthdate\":\"19700101\",\"qualificationDate\":\"20190401\"}]";
  }
};

void load_workload(Workload& w) {
  const Options& o = w.o;
  w.order = schedule(o.mix);
  auto members = covered_members(o.members_csv, 20000);
  onshi::oqs::RequestHeader header{o.date, o.institution, "soak"};
  for (const auto& m : members) {
    auto x = onshi::oqs::write_confirm_request_xml({header, m});
    if (!x) throw std::runtime_error("request: " + x.error().message);
    w.numbers.push_back(std::move(*x));
  }
  for (size_t first = 0; first + o.bulk_size <= members.size() && w.bulks.size() < 64;
       first += o.bulk_size) {
    onshi::oqs::BulkRequest b{header, {}};
    for (int i = 0; i < o.bulk_size; ++i) {
      b.searches.push_back(members[first + i]);
      b.searches.back().arbitrary_identifier = std::to_string(i + 1) + "_1";
    }
    auto x = onshi::oqs::write_bulk_request_xml(b);
    if (!x) throw std::runtime_error("bulk request: " + x.error().message);
    w.bulks.push_back(std::move(*x));
  }
  for (const auto& e : fs::directory_iterator(o.cards)) {
    if (e.path().extension() != ".card") continue;
    auto c = onshi::card::Card::load(e.path());
    if (!c) throw std::runtime_error("card: " + c.error().message);
    w.cards.push_back(std::make_unique<onshi::card::Card>(std::move(*c)));
  }
  if (w.cards.empty()) throw std::runtime_error("no *.card in " + o.cards);
  if (w.bulks.empty()) throw std::runtime_error("too few members for one bulk inquiry");
}

onshi::http::Client client(const Options& o, const std::string& who) {
  onshi::http::ClientOptions c;
  c.port = o.port;
  c.ca_file = (fs::path(o.certs) / who / "ca.pem").string();
  c.cert_file = (fs::path(o.certs) / who / "cert.pem").string();
  c.key_file = (fs::path(o.certs) / who / "key.pem").string();
  c.timeout_ms = 30000;
  return onshi::http::Client(c);
}

// One operation of `kind` (the i-th of the run); "" on success, else why it failed.
std::string run_op(Workload& w, Kind kind, int64_t i, onshi::http::Client& clinic,
                   onshi::http::Client& insurer) {
  auto post = [](onshi::http::Client& c, const char* path, const std::string& body,
                 const char* type, std::string& out) -> std::string {
    auto r = c.request("POST", path, body, type);
    if (!r) return std::string(path) + ": " + r.error().code + " " + r.error().message;
    if (r->status != 200) return std::string(path) + ": " + std::to_string(r->status) + " " + r->body.substr(0, 200);
    out = std::move(r->body);
    return "";
  };
  std::string a, b;
  std::string why;
  switch (kind) {
    case kNumbers:
      why = post(clinic, "/xml/OQSsiquc01", w.numbers[i % w.numbers.size()], "application/xml", a);
      if (why.empty() && element(a, "SegmentOfResult") != "1") why = "OQSsiquc01: " + a.substr(0, 300);
      return why;
    case kCard: {
      if (auto e = post(clinic, "/v1/card/challenges", "{}", "application/json", a); !e.empty()) return e;
      const std::string key = "\"challenge\":\"";
      size_t p = a.find(key), q = p == std::string::npos ? p : a.find('"', p + key.size());
      if (q == std::string::npos) return "challenge: " + a.substr(0, 200);
      auto& card = *w.cards[i % w.cards.size()];
      auto pr = card.present(a.substr(p + key.size(), q - p - key.size()), onshi::card::Method::kFace, "");
      if (!pr) return "present: " + pr.error().message;
      std::string pem;
      for (char ch : pr->certificate_pem) pem += ch == '\n' ? std::string("\\n") : std::string(1, ch);
      const std::string body = "{\"challenge\":\"" + pr->challenge + "\",\"certificate\":\"" + pem +
                               "\",\"signature\":\"" + pr->signature + "\",\"method\":\"face\"}";
      return post(clinic, "/v1/card/confirmations", body, "application/json", b);
    }
    case kRegistration:
      why = post(insurer, "/v1/registrations", w.registration(), "application/json", a);
      if (why.empty() && a.find("\"rejected\":0") == std::string::npos) why = "registration: " + a.substr(0, 300);
      return why;
    case kBulk: {
      if (auto e = post(clinic, "/xml/OQSmuquc01", w.bulks[i % w.bulks.size()], "application/xml", a); !e.empty())
        return e;
      const std::string number = element(a, "ReceptionNumber");
      if (number.empty()) return "OQSmuquc01: " + a.substr(0, 300);
      auto fetch = onshi::oqs::write_bulk_result_request_xml({w.o.institution, number});
      if (!fetch) return "OQSmuquc02 request: " + fetch.error().message;
      if (auto e = post(clinic, "/xml/OQSmuquc02", *fetch, "application/xml", b); !e.empty()) return e;
      if (element(b, "SegmentOfResult") != "1" || element(b, "NumberOfError") != "0")
        return "OQSmuquc02: " + b.substr(0, 300);
      return "";
    }
    default:
      return "unknown kind";
  }
}

// The latencies and errors since the last sample, and of the whole run.
struct Tally {
  std::mutex mu;
  std::vector<uint32_t> interval_us, all_us;
  int64_t interval_errors = 0, errors = 0;
  int64_t by_kind[kKinds] = {0, 0, 0, 0};
  int printed = 0;

  void add(Kind k, uint32_t us, const std::string& why) {
    std::lock_guard lock(mu);
    interval_us.push_back(us);
    all_us.push_back(us);
    ++by_kind[k];
    if (!why.empty()) {
      ++interval_errors, ++errors;
      if (printed++ < 20) std::cerr << "soak: error: " << why << "\n";
    }
  }
};

double percentile_ms(std::vector<uint32_t> v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

// VmRSS and RssAnon (KiB) of `pid`, and its open descriptors; -1 when unreadable.
void process_sample(int pid, long& rss, long& anon, long& fds) {
  rss = anon = fds = -1;
  if (pid <= 0) return;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
    if (line.rfind("RssAnon:", 0) == 0) anon = std::stol(line.substr(8));
  }
  std::error_code ec;
  long n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  if (!ec) fds = n;
}

void run(Workload& w, Tally& tally, std::atomic<int64_t>& ticket, Clock::time_point t0,
         Clock::time_point end, onshi::http::Client& clinic, onshi::http::Client& insurer) {
  for (;;) {
    const int64_t i = ticket.fetch_add(1);
    Clock::time_point due = Clock::now();
    if (w.o.rate > 0) {
      due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i / w.o.rate));
      if (due >= end) return;
      std::this_thread::sleep_until(due);
    } else if (due >= end) {
      return;
    }
    const Kind kind = w.order[static_cast<size_t>(i) % w.order.size()];
    std::string why = run_op(w, kind, i, clinic, insurer);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - due).count();
    tally.add(kind, static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)), why);
  }
}

// Runs operations until `end`; its connections stay open until `release`, so the last sample
// sees the server as it was under load, not while the connections close.
void worker(Workload& w, Tally& tally, std::atomic<int64_t>& ticket, Clock::time_point t0,
            Clock::time_point end, const std::atomic<bool>& release) {
  auto clinic = client(w.o, "clinic"), insurer = client(w.o, "insurer");
  run(w, tally, ticket, t0, end, clinic, insurer);
  while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// Writes one CSV row every interval up to `end`.
void sampler(const Options& o, Tally& tally, Clock::time_point t0, Clock::time_point end) {
  std::ofstream csv;
  if (!o.csv.empty()) {
    csv.open(o.csv, std::ios::trunc);
    csv << "t_s,ops,rate_ops_s,p50_ms,p99_ms,errors,rss_kib,rss_anon_kib,fds,load1\n" << std::flush;
  }
  auto last = t0;
  for (int k = 1;; ++k) {
    auto at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k * o.interval));
    if (at > end + std::chrono::milliseconds(500)) return;
    std::this_thread::sleep_until(at);
    std::vector<uint32_t> us;
    int64_t errors;
    {
      std::lock_guard lock(tally.mu);
      us.swap(tally.interval_us);
      errors = tally.interval_errors;
      tally.interval_errors = 0;
    }
    auto now = Clock::now();
    double secs = std::chrono::duration<double>(now - last).count();
    last = now;
    long rss, anon, fds;
    process_sample(o.server_pid, rss, anon, fds);
    double load1 = -1;
    std::ifstream("/proc/loadavg") >> load1;
    char row[256];
    std::snprintf(row, sizeof row, "%.0f,%zu,%.1f,%.2f,%.2f,%lld,%ld,%ld,%ld,%.2f\n",
                  std::chrono::duration<double>(now - t0).count(), us.size(), us.size() / secs,
                  percentile_ms(us, 0.5), percentile_ms(us, 0.99), static_cast<long long>(errors),
                  rss, anon, fds, load1);
    if (csv.is_open()) csv << row << std::flush;
    std::cerr << "soak: " << row;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Workload w;
  Options& o = w.o;
  CLI::App app{"the soak test's mixed, paced load"};
  app.add_option("--port", o.port)->required();
  app.add_option("--certs", o.certs, "directory with clinic/ and insurer/")->required();
  app.add_option("--csv-members", o.members_csv, "member CSV the store was imported from")->required();
  app.add_option("--cards", o.cards, "directory of linked card files")->required();
  app.add_option("--institution", o.institution);
  app.add_option("--insurer", o.insurer);
  app.add_option("--date", o.date, "confirmation date YYYYMMDD")->required();
  app.add_option("--mix", o.mix);
  app.add_option("--rate", o.rate, "operations a second (0: as fast as it goes)");
  app.add_option("--duration", o.duration)->check(CLI::PositiveNumber);
  app.add_option("--interval", o.interval)->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads)->check(CLI::PositiveNumber);
  app.add_option("--bulk-size", o.bulk_size)->check(CLI::Range(1, 10000));
  app.add_option("--first-id", o.first_id, "the first new member's InsuredIdentificationNumber");
  app.add_option("--csv", o.csv, "one row per interval");
  app.add_option("--server-pid", o.server_pid, "sample this process's memory and descriptors");
  CLI11_PARSE(app, argc, argv);
  try {
    load_workload(w);
    Tally tally;
    std::atomic<int64_t> ticket{0};
    std::atomic<bool> release{false};
    const auto t0 = Clock::now();
    const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
    std::thread sample([&] { sampler(o, tally, t0, end); });
    std::vector<std::thread> workers;
    for (int t = 0; t < o.threads; ++t)
      workers.emplace_back([&] { worker(w, tally, ticket, t0, end, release); });
    sample.join();
    release = true;
    for (auto& t : workers) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const size_t n = tally.all_us.size();
    std::printf("{\"ops\":%zu,\"seconds\":%.1f,\"rate\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"errors\":%lld",
                n, seconds, n / seconds, percentile_ms(tally.all_us, 0.5),
                percentile_ms(tally.all_us, 0.99), static_cast<long long>(tally.errors));
    for (int k = 0; k < kKinds; ++k)
      std::printf(",\"%s\":%lld", kKindNames[k], static_cast<long long>(tally.by_kind[k]));
    std::printf(",\"registered\":%lld}\n", static_cast<long long>(w.next_member.load()));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_soak_load: " << e.what() << "\n";
    return 1;
  }
}
