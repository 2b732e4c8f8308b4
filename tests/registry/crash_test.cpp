// R-REG-1 crash safety: an import killed with SIGKILL at arbitrary points and then re-run
// ends in exactly the state of one clean run — same qualifications, same person links, and
// no extra versions. Both data directories share one master key so person links compare.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "core/qualification_json.h"
#include "security/crypto.h"
#include "store/store.h"
#include "test_util.h"

extern char** environ;

namespace onshi::registry {
namespace {

using testutil::TempDir;

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

std::map<std::string, std::pair<std::string, std::string>> state(const std::filesystem::path& dir) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  auto s = store::open_sqlite(store::store_path(dir));
  EXPECT_TRUE(s.ok());
  if (!s.ok()) return out;
  (*s)->scan_current("", [&](const store::QualificationVersion& v) {
    out[v.qualification.card_key()] = {core::qualification_to_json(v.qualification), v.person_link};
    return true;
  });
  return out;
}

int64_t count(const std::filesystem::path& dir, bool versions) {
  auto s = store::open_sqlite(store::store_path(dir));
  if (!s.ok()) return -1;
  auto n = versions ? (*s)->count_versions() : (*s)->count_card_keys();
  return n.ok() ? *n : -1;
}

// Waits until the import `pid` has more card keys in `dir` than `before` (or two minutes
// passed): true; false when it ended first (reaped).
bool wait_for_progress(pid_t pid, const std::filesystem::path& dir, int64_t before) {
  for (int i = 0; i < 6000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    if (count(dir, false) > before) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Removes everything of the data directory `dir` but its keys.
void empty_store(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename() != "keys") std::filesystem::remove_all(e.path());
}

TEST(CrashSafety, KilledImportsThenRerunEqualOneCleanRun) {  // R-REG-1 crash safety
  TempDir tmp;
  const std::string bin = ONSHI_BINARY;
  const auto csv = tmp / "members.csv";
  constexpr int kRows = 200000;
  ASSERT_EQ(testutil::run(bin + " generate members --count " + std::to_string(kRows) +
                          " --seed 11 --as-of 20251101 --out " + testutil::quote(csv.string()) +
                          " >/dev/null"),
            0);
  const auto crashed = tmp / "crashed", clean = tmp / "clean";
  ASSERT_TRUE(security::Keyring::load_or_create(crashed).ok());
  std::filesystem::create_directories(clean / "keys");
  std::filesystem::copy_file(crashed / "keys" / "master.key", clean / "keys" / "master.key");

  auto import_args = [&](const std::filesystem::path& dir) {
    return std::vector<std::string>{bin, "import", "--data-dir", dir.string(), "--report",
                                    (dir / "report.json").string(), "--batch-size", "5000",
                                    csv.string()};
  };

  int mid_run_kills = 0;
  // Each kill comes this long after the run's first batch is in the store: a kill before it
  // would prove nothing, and how long that takes depends on the machine (and the sanitizers).
  // A run that finished before its kill (a busy machine) leaves nothing to resume: until a
  // kill has landed mid-run, such a store is emptied again (keys kept) for the next delay.
  const double delays[] = {0.0, 0.3, 0.05, 0.8, 0.15, 1.5, 0.5};
  for (double delay : delays) {
    const int64_t before = std::max<int64_t>(count(crashed, false), 0);
    pid_t pid = spawn(import_args(crashed));
    ASSERT_GT(pid, 0);
    bool landed = wait_for_progress(pid, crashed, before);
    if (landed) {
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      bool killed = ::kill(pid, SIGKILL) == 0;
      int status = 0;
      ::waitpid(pid, &status, 0);
      const int64_t n = count(crashed, false);
      landed = killed && WIFSIGNALED(status) && n > 0 && n < kRows;
    }
    if (landed && ++mid_run_kills >= 2) break;
    if (!landed && mid_run_kills > 0) break;  // it had finished: nothing more to crash
    if (!landed) empty_store(crashed);
  }
  EXPECT_GE(mid_run_kills, 1) << "no kill landed in the middle of an import";

  // Re-run to completion, and one clean run elsewhere.
  pid_t a = spawn(import_args(crashed));
  pid_t b = spawn(import_args(clean));
  int sa = 0, sb = 0;
  ::waitpid(a, &sa, 0);
  ::waitpid(b, &sb, 0);
  ASSERT_TRUE(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
  ASSERT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);

  auto sc = state(crashed), sl = state(clean);
  EXPECT_EQ(sc.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(sc.size(), sl.size());
  EXPECT_TRUE(sc == sl) << "crashed-and-resumed state differs from a clean run";
  // Re-running committed batches added no versions.
  EXPECT_EQ(count(crashed, true), count(clean, true));
}

}  // namespace
}  // namespace onshi::registry
