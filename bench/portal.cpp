// Benchmarks of the patient's portal (docs/performance.md, "Portal"), on the real service over
// HTTPS on 127.0.0.1 (in this process), against a baseline measured in the same run:
//
//   a. who looked: GET /v1/me/accesses of a person with PERSON audit entries among ENTRIES
//      (default 1,000 among 10 M), p50/p99 over ROUNDS requests, the page's own query (newest
//      200) and limit=1000; baseline GET /v1/me/qualifications of the same session (the same
//      session check and audit write, no log read). Also the process's CPU ms per request.
//   b. freshness: a clinic confirms the person by card; from its answer, the portal polls
//      GET /v1/me/accesses?limit=1 until the new entry is listed; p50/p99 of that delay.
//   c. sign-ins per second (challenge, PIN and signature by the card, session) against
//      confirmations by card (challenge, PIN and signature, POST /v1/card/confirmations) on the
//      same server, one after the other on one connection each: the ratio.
//
// The log is filled for the benchmark only, by the bulk path a database copy uses
// (Store::append_audit: entries stored exactly as given, seq and hashes computed here with
// security::audit_hash), in batches of 50,000 — a valid chain that `onshi audit verify`
// accepts. Every (ENTRIES / PERSON)-th entry is a confirmation of the person's card key; the
// others confirm one of 1 M other card keys, so the subject index holds many subjects.
//
//   bench_portal --dir DIR [--db URL] [--entries N] [--person 1000] [--rounds 300]
//                [--fresh 200] [--signins 300]
// Output: one JSON line on stdout; progress on stderr.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "card/card.h"
#include "core/numbers.h"
#include "core/qualification.h"
#include "http/client.h"
#include "security/audit.h"
#include "security/audit_events.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "serve/service.h"
#include "store/database.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace onshi;
using Clock = std::chrono::steady_clock;
constexpr const char* kClinic = "1310112345";

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "bench_portal: " << what << "\n";
  std::exit(1);
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

json::object stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v.empty() ? 0.0 : v[std::min(v.size() - 1, size_t(q * v.size()))]; };
  return {{"n", v.size()}, {"p50Ms", at(0.5)}, {"p99Ms", at(0.99)}, {"maxMs", v.empty() ? 0.0 : v.back()}};
}

core::Qualification qualification() {
  core::Qualification q;
  q.insurer_number = "06130488";
  q.insured_card_symbol = "12";
  q.insured_identification_number = "100";
  q.insured_branch_number = "00";
  q.insurer_name = "試験健康保険組合";
  q.insured_card_classification = "01";
  q.personal_family_classification = "1";
  q.name = "試験　花子";
  q.name_kana = "シケン　ハナコ";
  q.sex1 = "2";
  q.birthdate = "19800505";
  q.qualification_date = "20200401";
  q.insured_partial_contribution_ratio = "030";
  return q;
}

// The CA, a clinic's and a portal's certificates, the person and their linked card.
std::string set_up(const fs::path& dir, store::Database& db) {
  if (!security::ca_init(dir)) die("ca init");
  if (!security::issue_client(dir, core::Role::kInstitution, kClinic, dir / "clinic")) die("clinic");
  if (!security::issue_client(dir, core::Role::kPortal, "portal-1", dir / "portal")) die("portal");
  const std::string body = "12345678901";
  const std::string mn = body + std::to_string(core::my_number_check_digit(body));
  card::IssueOptions o;
  o.my_number = mn;
  o.pin = "1234";
  o.label = "試験 花子";
  if (!card::issue(dir, db, o, dir / "person.card")) die("card issue");
  auto keyring = security::Keyring::load_or_create(dir);
  if (!keyring) die("keyring");
  const core::Qualification q = qualification();
  std::vector<store::PutItem> items{{q, keyring->person_link(mn), "", "bench"}};
  if (!db.members().put_qualifications(items)) die("put");
  if (!card::link(dir, db, dir / "person.card", "1234")) die("link");
  return q.card_key();
}

// Appends `n` entries to the chain, `person` of them about `key`; the entries per second.
double fill(store::Store& s, int64_t n, int64_t person, const std::string& key) {
  auto last = s.last_audit();
  if (!last) die("last_audit");
  int64_t seq = *last ? (**last).seq : 0;
  std::string prev = *last ? (**last).hash : "";
  security::Confirmation c;
  c.medical_institution_code = kClinic;
  c.card_key = key;
  c.date = *core::Date::parse("20250401");
  c.validity = core::QualificationValidity::kValid;
  c.matches = 1;
  c.method = security::IdentityCheck::kPin;
  c.card_serial = "bench";
  const security::AuditEvent ev = security::encode(c);
  const int64_t every = std::max<int64_t>(1, n / std::max<int64_t>(1, person));
  const int64_t t0 = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count() - n * 10;
  const auto start = Clock::now();
  std::vector<store::AuditEntry> batch;
  for (int64_t i = 0; i < n; ++i) {
    store::AuditEntry e;
    e.seq = ++seq;
    e.time_us = t0 + i * 10;
    e.actor = ev.actor;
    e.action = ev.action;
    e.subject = (i % every == 0 && i / every < person)
                    ? key
                    : "06130488\x1f" "12\x1f" + std::to_string(1000000 + i % 1000000) + "\x1f" "00";
    e.detail = ev.detail;
    e.prev_hash = prev;
    e.hash = security::audit_hash(e);
    prev = e.hash;
    batch.push_back(std::move(e));
    if (batch.size() == 50000 || i + 1 == n) {
      if (auto st = s.append_audit(batch); !st) die("append_audit: " + st.error().message);
      batch.clear();
      if ((i + 1) % 1000000 == 0) std::cerr << "  " << (i + 1) << " entries\n";
    }
  }
  return double(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

struct Bench {
  fs::path dir;
  uint16_t port = 0;
  std::unique_ptr<card::Card> card;

  http::Client client(const std::string& who) const {
    http::ClientOptions o;
    o.port = port;
    o.ca_file = (dir / who / "ca.pem").string();
    o.cert_file = (dir / who / "cert.pem").string();
    o.key_file = (dir / who / "key.pem").string();
    return http::Client(o);
  }
  // A fresh challenge from `path`, answered by the card with its PIN.
  std::string presentation(http::Client& c, const char* path) {
    auto r = c.request("POST", path, "{}");
    if (!r || r->status != 200) die(std::string(path) + " refused");
    auto p = card->present(std::string(json::parse(r->body).at("challenge").as_string()),
                           card::Method::kPin, "1234");
    if (!p) die("present: " + p.error().message);
    return json::serialize(json::object{{"challenge", p->challenge},
                                        {"certificate", p->certificate_pem},
                                        {"signature", p->signature},
                                        {"method", "pin"}});
  }
  std::string sign_in(http::Client& portal) {
    auto r = portal.request("POST", "/v1/me/sessions", presentation(portal, "/v1/me/challenges"));
    if (!r || r->status != 201) die("sign-in refused: " + (r ? r->body : r.error().message));
    return std::string(json::parse(r->body).at("session").as_string());
  }
  void confirm(http::Client& clinic) {
    auto r = clinic.request("POST", "/v1/card/confirmations",
                            presentation(clinic, "/v1/card/challenges"));
    if (!r || r->status != 200) die("confirmation refused: " + (r ? r->body : r.error().message));
  }
  http::ClientResponse get(http::Client& portal, const std::string& target, const std::string& token) {
    auto r = portal.request("GET", target, "", "application/json", "Bearer " + token);
    if (!r || r->status != 200) die(target + " refused: " + (r ? r->body : r.error().message));
    return *r;
  }
};

// CPU time of this whole process (service threads and client), in ms: a guide to the cost
// of a request that the other loads of a shared machine do not inflate.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// a: the page's query, limit=1000 and the baseline, interleaved, `rounds` times each.
json::object who_looked(Bench& b, http::Client& portal, const std::string& token, int rounds) {
  std::vector<double> wall[3], cpu[3];
  const std::string targets[3] = {"/v1/me/accesses", "/v1/me/accesses?limit=1000",
                                  "/v1/me/qualifications"};
  size_t listed = 0;
  for (int i = 0; i < rounds; ++i) {
    for (int k = 0; k < 3; ++k) {
      const double c = cpu_ms();
      const auto t = Clock::now();
      auto r = b.get(portal, targets[k], token);
      wall[k].push_back(ms_since(t));
      cpu[k].push_back(cpu_ms() - c);
      if (k == 1) listed = json::parse(r.body).at("accesses").as_array().size();
    }
  }
  json::object o{{"listed", listed}};
  const char* names[3] = {"page", "limit1000", "baselineQualifications"};
  for (int k = 0; k < 3; ++k) {
    json::object s = stats(wall[k]);
    s["cpuMsMean"] = std::accumulate(cpu[k].begin(), cpu[k].end(), 0.0) / cpu[k].size();
    o[names[k]] = std::move(s);
  }
  return o;
}

// b: confirmation answered → the portal lists it; `rounds` times.
json::object freshness(Bench& b, http::Client& portal, const std::string& token, int rounds) {
  auto clinic = b.client("clinic");
  std::vector<double> delay;
  int64_t polls = 0;
  for (int i = 0; i < rounds; ++i) {
    auto top = [&] {
      auto a = json::parse(b.get(portal, "/v1/me/accesses?limit=1", token).body).at("accesses");
      return a.as_array().empty() ? int64_t(0) : a.at(0).at("seq").as_int64();
    };
    const int64_t before = top();
    b.confirm(clinic);
    const auto answered = Clock::now();
    while (top() <= before) ++polls;
    ++polls;
    delay.push_back(ms_since(answered));
  }
  json::object o = stats(delay);
  o["polls"] = polls;
  return o;
}

// c: sign-ins and confirmations by card, `n` each, in alternating blocks of 50.
json::object sign_ins(Bench& b, int n) {
  auto portal = b.client("portal");
  auto clinic = b.client("clinic");
  double t_sign = 0, t_conf = 0;
  for (int done = 0; done < n; done += 50) {
    auto t = Clock::now();
    for (int i = 0; i < 50; ++i) b.sign_in(portal);
    t_sign += ms_since(t);
    t = Clock::now();
    for (int i = 0; i < 50; ++i) b.confirm(clinic);
    t_conf += ms_since(t);
  }
  const int total = (n + 49) / 50 * 50;
  const double sps = total / (t_sign / 1000), cps = total / (t_conf / 1000);
  return {{"n", total}, {"signInsPerSecond", sps}, {"confirmationsPerSecond", cps},
          {"ratio", sps / cps}};
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = arg(argc, argv, "--dir", "");
  if (dir.empty()) die("--dir DIR is required");
  const std::string url = arg(argc, argv, "--db", "");
  const int64_t entries = std::stoll(arg(argc, argv, "--entries", "10000000"));
  const int64_t person = std::stoll(arg(argc, argv, "--person", "1000"));
  const int rounds = std::stoi(arg(argc, argv, "--rounds", "300"));
  const int fresh = std::stoi(arg(argc, argv, "--fresh", "200"));
  const int signins = std::stoi(arg(argc, argv, "--signins", "300"));
  fs::remove_all(dir);
  fs::create_directories(dir);
  json::object out{{"entries", entries}, {"personEntries", person}};
  {
    auto db = store::open_store(url.empty() ? store::sqlite_url(dir) : url);
    if (!db) die("open: " + db.error().message);
    const std::string key = set_up(dir, **db);
    std::cerr << "filling the audit log with " << entries << " entries\n";
    const auto t = Clock::now();
    out["fillEntriesPerSecond"] = fill((*db)->members(), entries, person, key);
    out["fillSeconds"] = ms_since(t) / 1000;
  }
  serve::ServiceOptions so;
  so.data_dir = dir;
  so.db_url = url;
  auto service = serve::Service::open(so);
  if (!service) die("serve: " + service.error().message);
  if (!(*service)->start()) die("listen");
  Bench b{dir, (*service)->port(), nullptr};
  auto c = card::Card::load(dir / "person.card");
  if (!c) die("card");
  b.card = std::make_unique<card::Card>(std::move(*c));
  auto portal = b.client("portal");
  const std::string token = b.sign_in(portal);
  std::cerr << "a. who looked\n";
  out["whoLooked"] = who_looked(b, portal, token, rounds);
  std::cerr << "b. freshness\n";
  out["freshness"] = freshness(b, portal, token, fresh);
  std::cerr << "c. sign-ins vs confirmations\n";
  out["signIn"] = sign_ins(b, signins);
  (*service)->stop();
  std::cout << json::serialize(out) << "\n";
  return 0;
}
