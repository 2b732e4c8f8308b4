// Helpers of the kill -9 tests (issue 20 point 3): the seeded kill points, running and killing
// the real `onshi` binary, and a canonical dump of a database — its rows without the times and
// ids a second run cannot repeat — so a crashed-and-restarted database can be compared with
// one clean run's.
//
//   ONSHI_KILL_SEED=N    replay the kill points of an earlier run (every run prints its seed)
//   ONSHI_KILL_POINTS=K  kill points per scenario (default 5; four scenarios make 20)
//
// The seed fixes the delays after which each process is killed; how far a process has come
// after a given delay still depends on the machine's load, so a replay kills at the same
// delays, not necessarily at the same instruction.
#pragma once

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/qualification_json.h"
#include "store/database.h"
#include "store/dump_database.h"

extern char** environ;

namespace onshi::reliability {

// The seed of this run: ONSHI_KILL_SEED, else one drawn now; printed once.
inline uint64_t kill_seed() {
  static const uint64_t seed = [] {
    const char* e = std::getenv("ONSHI_KILL_SEED");
    uint64_t s = e && *e ? std::strtoull(e, nullptr, 10) : std::random_device{}();
    std::cout << "kill points: ONSHI_KILL_SEED=" << s << " replays them\n";
    return s;
  }();
  return seed;
}

inline int kill_points() {
  const char* e = std::getenv("ONSHI_KILL_POINTS");
  int n = e && *e ? std::atoi(e) : 5;
  return std::max(n, 1);
}

// The kill delays of one scenario, in seconds within [0, span): the same for the same seed
// and scenario name.
inline std::vector<double> kill_delays(const std::string& scenario, double span) {
  std::seed_seq seq{kill_seed(), static_cast<uint64_t>(std::hash<std::string>{}(scenario))};
  std::mt19937_64 rng(seq);
  std::uniform_real_distribution<double> d(0.0, span);
  std::vector<double> out;
  for (int i = 0; i < kill_points(); ++i) out.push_back(d(rng));
  std::cout << scenario << ": kill delays (s)";
  for (double x : out) std::cout << " " << x;
  std::cout << "\n";
  return out;
}

// Starts `args` (args[0] the binary) with stdout into `out` ("" = a file beside nothing:
// stdout is discarded into a temporary file) and stderr into `err`.
inline pid_t spawn(const std::vector<std::string>& args, const std::string& out,
                   const std::string& err) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// Waits for `pid`; its exit code, or -1 when a signal ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Kills `pid` with SIGKILL after `delay` seconds; true when the kill ended it (false: it had
// already exited on its own).
inline bool kill_after(pid_t pid, double delay) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(delay);
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Run {
  int exit_code = -1;
  std::string out, err;
};

// Runs the real binary to its end.
inline Run run_onshi(const std::vector<std::string>& args, const std::filesystem::path& scratch) {
  std::vector<std::string> full{ONSHI_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  const auto o = scratch / "run.out", e = scratch / "run.err";
  Run r;
  r.exit_code = wait_exit(spawn(full, o.string(), e.string()));
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

// The database's rows without what a second run cannot repeat: version ids, recorded and
// event times, sealed My Numbers (sealed with a fresh nonce) and the logs of the runs
// themselves (the audit log, verified on its own, and the import runs, one per attempt).
// Versions are kept in full otherwise, one line each, sorted: a duplicate version shows.
inline std::string canonical_dump(store::Database& db) {
  auto d = onshi::testing::dump_database(db);
  std::vector<std::string> lines;
  for (const auto& v : d.versions)
    lines.push_back("version " + core::qualification_to_json(v.qualification) + " " +
                    v.person_link + " " + v.source + " " + v.conversions);
  for (const auto& r : d.institutions.entries)
    lines.push_back("institution " + r.provisional_code + " " + r.kind + r.prefecture +
                    r.district + " " + r.name + " " + r.stage + " " + r.reception_number + " " +
                    r.medical_institution_code + " " + r.designation_date + " " +
                    r.designated_on + " " + r.usage_start);
  for (const auto& e : d.institutions.events)
    lines.push_back("institution-event " + e.provisional_code + " " + e.action + " " +
                    e.actor + " " + e.detail);
  for (const auto& c : d.institutions.counters)
    lines.push_back("counter " + c.name + " " + std::to_string(c.value));
  for (const auto& h : d.institutions.high_water)
    lines.push_back("high-water " + h.prefecture + h.score_table + h.district + " " +
                    std::to_string(h.number));
  lines.push_back("cards " + std::to_string(d.cards.size()) + " bulk " +
                  std::to_string(d.bulk.size()) + " tickets " + std::to_string(d.tickets.size()) +
                  " clinical " + std::to_string(d.clinical.size()));
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

inline std::string canonical_dump(const std::string& url) {
  auto db = store::open_store(url);
  EXPECT_TRUE(db.ok()) << (db ? "" : db.error().message);
  return db ? canonical_dump(**db) : "<unopenable>";
}

// `onshi audit verify` on the database: true when the chain is whole.
inline bool audit_verifies(const std::string& url, const std::filesystem::path& scratch) {
  auto r = run_onshi({"audit", "verify", "--db", url}, scratch);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return r.exit_code == 0;
}

}  // namespace onshi::reliability
