// A full disk on PostgreSQL (issue 20 point 3): the database's tablespace on a small tmpfs
// of the test (mounting one needs root — CI runs as root; elsewhere, or without the private
// test cluster of ONSHI_TEST_PG_URL, the tests skip and say so). The tmpfs is handed to the
// cluster's owner, a tablespace is made there and a fresh database with it as its default,
// so every table and index of that database lives on the small disk while the cluster's
// write-ahead log stays on its own (as with a separate data volume). Filling the tmpfs makes
// the server's writes fail with "could not extend file … No space left on device"
// (SQLSTATE 53100): an import stops with E_STORE keeping only whole batches, a registration
// and a confirmation are refused with 503 E_STORE with nothing of them written, and once
// space is freed the same commands succeed and the audit chain verifies.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "reliability/full_disk_util.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "store/database.h"
#include "store/store.h"
#include "store/test_database.h"

namespace onshi::reliability {
namespace {

namespace fs = std::filesystem;
using onshi::testing::pg_url_with_db;
using onshi::testing::test_pg_base_url;

// A database of the test cluster whose tablespace is a tmpfs of `mib` MiB.
class PgOnSmallDisk {
 public:
  explicit PgOnSmallDisk(int mib) : disk_(mib) {
    base_ = test_pg_base_url();
    if (base_.empty() || !disk_.mounted()) return;
    auto c = store::pg::connect(base_, "test cluster");
    if (!c) {
      why_ = c.error().message;
      return;
    }
    // The tablespace's directory must belong to the user the server runs as: the owner of
    // its data directory.
    auto dd = (*c)->exec("SELECT current_setting('data_directory')");
    struct stat st {};
    if (!dd || dd->size() != 1 || ::stat(dd->str(0, 0).c_str(), &st) != 0) {
      why_ = "cannot find the cluster's data directory";
      return;
    }
    if (::chown(disk_.path().c_str(), st.st_uid, st.st_gid) != 0) {
      why_ = "cannot hand the tmpfs to the cluster's owner";
      return;
    }
    name_ = "onshi_full_" + std::to_string(::getpid()) + "_" + std::to_string(++counter());
    // DDL takes no parameters: the names are made above, the path by mkdtemp (no quote in it).
    if (auto s = (*c)->exec_script(
            ("CREATE TABLESPACE " + name_ + " LOCATION '" + disk_.path().string() + "'").c_str());
        !s) {
      why_ = s.error().message;
      return;
    }
    tablespace_ = true;
    if (auto s = (*c)->exec_script(("CREATE DATABASE " + name_ + " TABLESPACE " + name_).c_str());
        !s) {
      why_ = s.error().message;
      return;
    }
    url_ = pg_url_with_db(base_, name_);
    scratch_ = disk_.path().parent_path() / (disk_.path().filename().string() + "-scratch");
    fs::create_directories(scratch_);
  }
  ~PgOnSmallDisk() {
    if (auto c = store::pg::connect(base_, "test cluster"); c && tablespace_) {
      if (!url_.empty())
        (void)(*c)->exec_script(("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").c_str());
      (void)(*c)->exec_script(("DROP TABLESPACE IF EXISTS " + name_).c_str());
    }
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
  }
  PgOnSmallDisk(const PgOnSmallDisk&) = delete;
  PgOnSmallDisk& operator=(const PgOnSmallDisk&) = delete;

  SmallDisk& disk() { return disk_; }
  const std::string& url() const { return url_; }
  // Files of the test, off the small disk (the CSV, keys, certificates, reports).
  const fs::path& scratch() const { return scratch_; }
  const std::string& base() const { return base_; }
  const std::string& why() const { return why_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  SmallDisk disk_;  // first: unmounted last, after the database and tablespace are dropped
  std::string base_, name_, url_, why_;
  fs::path scratch_;
  bool tablespace_ = false;
};

#define ONSHI_REQUIRE_PG_ON_SMALL_DISK(pg)                                                     \
  do {                                                                                         \
    ONSHI_REQUIRE_ROOT_TMPFS((pg).disk());                                                     \
    if ((pg).base().empty()) GTEST_SKIP() << "no PostgreSQL test cluster (ONSHI_TEST_PG_URL)"; \
    ASSERT_FALSE((pg).url().empty()) << (pg).why();                                            \
  } while (0)

struct Counts {
  int64_t keys = -1, versions = -1, confirms = -1;
  std::string why;  // the read that failed
};

// The counts read through `db`, a database opened before the disk was filled: opening one on
// the full tablespace can itself fail.
Counts counts(store::Database& db) {
  Counts out;
  store::Store& s = db.members();
  if (auto n = s.count_card_keys()) out.keys = *n;
  if (auto n = s.count_versions()) out.versions = *n;
  int64_t c = 0;
  Status st = s.scan_audit(1, [&](const store::AuditEntry& e) {
    c += e.action == "confirm" ? 1 : 0;
    return true;
  });
  if (st)
    out.confirms = c;
  else
    out.why = st.error().message;
  return out;
}

Counts counts(const std::string& url) {
  auto db = store::open_store(url);
  if (!db) return Counts{-1, -1, -1, db.error().message};
  return counts(**db);
}

// Opens the database once, so its schema is in place before the disk is filled.
void migrate(const std::string& url) {
  auto db = store::open_store(url);
  ASSERT_TRUE(db.ok()) << db.error().message;
}

// R-REG-1 (PostgreSQL): an import onto a full tablespace stops with E_STORE, keeps only whole
// batches and a whole audit chain; with the space freed the same import finishes.
TEST(FullDiskPg, ImportStopsCleanlyAndResumes) {
  PgOnSmallDisk pg(64);
  ONSHI_REQUIRE_PG_ON_SMALL_DISK(pg);
  const fs::path csv = pg.scratch() / "members.csv", dir = pg.scratch() / "data";
  auto g = run_onshi({"generate", "members", "--count", "20000", "--seed", "21", "--as-of",
                      "20251101", "--out", csv.string()},
                     pg.scratch());
  ASSERT_EQ(g.exit_code, 0) << g.err;
  migrate(pg.url());
  auto reader = store::open_store(pg.url());  // opened while there is space
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  fill(pg.disk().path() / "filler", int64_t{2} << 20);  // 2 MiB left for the members
  const std::vector<std::string> import{"import",
                                        "--data-dir",
                                        dir.string(),
                                        "--db",
                                        pg.url(),
                                        "--report",
                                        (pg.scratch() / "report.json").string(),
                                        "--batch-size",
                                        "1000",
                                        csv.string()};
  auto full = run_onshi(import, pg.scratch());
  EXPECT_NE(full.exit_code, 0) << "20,000 members fit in 2 MiB?";
  EXPECT_NE(full.err.find("E_STORE"), std::string::npos) << full.err;
  Counts c = counts(**reader);
  std::cout << "the import on a full tablespace: " << c.keys << " members in; " << full.err;
  EXPECT_GE(c.keys, 0);
  EXPECT_LT(c.keys, 20000);
  EXPECT_EQ(c.keys % 1000, 0) << "a half-written batch";
  EXPECT_EQ(c.versions, c.keys);
  EXPECT_TRUE(audit_verifies(pg.url(), pg.scratch()));

  fs::remove(pg.disk().path() / "filler");
  auto again = run_onshi(import, pg.scratch());
  EXPECT_EQ(again.exit_code, 0) << again.err;
  c = counts(pg.url());
  EXPECT_EQ(c.keys, 20000);
  EXPECT_EQ(c.versions, 20000);
  EXPECT_TRUE(audit_verifies(pg.url(), pg.scratch()));
}

// A registration of `n` members from `first` in one request.
std::string registrations(int first, int n) {
  std::string body = "[";
  for (int i = 0; i < n; ++i) body += (i ? "," : "") + full_disk_record(first + i);
  return body + "]";
}

// R-AUD-1 fail closed and R-REG-1 (PostgreSQL): with the tablespace full, a registration of
// 200 members is refused with 503 E_STORE and none of them is in; every confirmation answered
// 200 has its audit entry, the others are refused with E_STORE; with the space freed both
// are answered again and the chain verifies.
TEST(FullDiskPg, ServiceRefusesCleanlyAndRecovers) {
  PgOnSmallDisk pg(64);
  ONSHI_REQUIRE_PG_ON_SMALL_DISK(pg);
  const fs::path dir = pg.scratch() / "data";
  ASSERT_TRUE(security::ca_init(dir).ok());
  ASSERT_TRUE(
      security::issue_client(dir, security::Role::kInsurer, kFullDiskInsurer, dir / "insurer")
          .ok());
  ASSERT_TRUE(
      security::issue_client(dir, security::Role::kInstitution, kFullDiskClinic, dir / "clinic")
          .ok());
  auto serve = std::make_unique<ServeProcess>(
      dir, std::vector<std::string>{"--db", pg.url(), "--audit-wait-ms", "2000"});
  ASSERT_NE(serve->port(), 0) << serve->err();
  auto insurer = full_disk_client(dir, "insurer", serve->port());
  auto clinic = full_disk_client(dir, "clinic", serve->port());
  auto first = insurer.request("POST", "/v1/registrations", registrations(0, 20));
  ASSERT_TRUE(first && first->status == 200) << (first ? first->body : first.error().message);

  auto reader = store::open_store(pg.url());  // opened while there is space
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  fill(pg.disk().path() / "filler");
  const Counts before = counts(**reader);
  ASSERT_EQ(before.keys, 20) << "the store cannot be read on a full disk";
  auto reg = insurer.request("POST", "/v1/registrations", registrations(1000, 200));
  ASSERT_TRUE(reg.ok()) << "the service stopped answering: " << reg.error().message;
  const Counts after = counts(**reader);
  std::cout << "tablespace full: a registration of 200 members: " << reg->status << " "
            << reg->body.substr(0, 200) << "\n";
  EXPECT_EQ(reg->status, 503) << "200 members fit on a full disk?";
  EXPECT_NE(reg->body.find("E_STORE"), std::string::npos) << reg->body;
  EXPECT_EQ(after.keys, before.keys) << "a half-written registration";
  EXPECT_EQ(after.versions, before.versions) << "a half-written registration";

  int answered = 0, refused = 0;
  for (int k = 0; k < 200; ++k) {
    auto r =
        clinic.request("POST", "/v1/qualification-confirmations", full_disk_confirmation(k % 20));
    ASSERT_TRUE(r.ok()) << "the service stopped answering: " << r.error().message;
    if (r->status == 200) {
      ++answered;
    } else {
      ++refused;
      EXPECT_EQ(r->status, 503) << r->body;
      EXPECT_NE(r->body.find("E_STORE"), std::string::npos) << r->status << " " << r->body;
    }
  }
  std::cout << "tablespace full: " << answered << " confirmations answered, " << refused
            << " refused\n";
  EXPECT_GT(refused, 0) << "200 audit entries fit on a full disk?";
  const Counts full = counts(**reader);  // on the full disk itself
  EXPECT_GE(full.confirms, answered) << "answered without an audit entry " << full.why;

  fs::remove(pg.disk().path() / "filler");
  bool back = false;
  for (int k = 0; k < 50 && !back; ++k) {
    auto r = clinic.request("POST", "/v1/qualification-confirmations", full_disk_confirmation(1));
    back = r && r->status == 200;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back) << "no confirmation answered once space was back";
  auto again = insurer.request("POST", "/v1/registrations", registrations(1000, 200));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(counts(pg.url()).keys, before.keys + 200);
  serve.reset();
  EXPECT_TRUE(audit_verifies(pg.url(), pg.scratch()));
}

}  // namespace
}  // namespace onshi::reliability
