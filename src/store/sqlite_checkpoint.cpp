// The WAL checkpointer of a SQLite file (see checkpoint_detail.h): the writer's hook that
// reports the WAL's size, and the thread that copies the WAL into the database off the
// writer's commits.
//
// The checkpointer's connection waits for nobody (no busy handler): a RESTART that finds a
// reader still on the WAL, or another process writing, gives up at once and is tried again
// after the next pass, so holding the writer's mutex never waits on a reader.
//
// A PASSIVE pass that the writer overtakes (a commit lands while it copies) writes pages
// into the database file without syncing it; SQLite syncs them at the pass that catches up,
// which under steady load is the RESTART, while the writer waits. So before a RESTART the
// thread syncs the database file itself, outside the writer's mutex, and the RESTART syncs
// only the pages of the frames written since. It syncs through its connection's own file
// handle: a descriptor of its own, once closed, would drop every POSIX lock this process
// holds on the file, the writer's included.
#include "store/checkpoint_detail.h"

#include "store/sqlite.h"

namespace onshi::store {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(
    const std::filesystem::path& file, sqlite3* writer, std::mutex& writer_mu,
    WalCheckpointOptions options) {
  sqlite::OpenOptions oo;
  oo.create = false;
  oo.cache_mib = 1;
  auto own = sqlite::open(file, oo);
  if (!own) return own.error();
  sqlite3_busy_timeout(*own, 0);
  // The pragma installs SQLite's own hook (none at 0); the hook below replaces it.
  if (auto st = sqlite::exec(writer, "PRAGMA wal_autocheckpoint=0"); !st) {
    sqlite3_close_v2(*own);
    return Error{"E_STORE_OPEN", "", st.error().message};
  }
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(writer, *own, writer_mu, options));
  sqlite3_wal_hook(writer, &WalCheckpointer::on_commit, c.get());
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

WalCheckpointer::WalCheckpointer(sqlite3* writer, sqlite3* own, std::mutex& writer_mu,
                                 WalCheckpointOptions o)
    : writer_(writer), db_(own), writer_mu_(writer_mu), options_(o) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(db_);
}

WalCheckpointer::Counts WalCheckpointer::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

// Runs on the writer's thread after each commit, the transaction's locks released.
int WalCheckpointer::on_commit(void* p, sqlite3* db, const char* schema, int pages) {
  auto* self = static_cast<WalCheckpointer*>(p);
  bool wake = false, self_checkpoint = false;
  {
    std::lock_guard lock(self->mu_);
    if (pages < self->wal_pages_) self->checkpointed_ = 0;  // the WAL started over
    self->wal_pages_ = pages;
    wake = pages - self->checkpointed_ >= self->options_.passive_pages;
    self_checkpoint = pages >= self->options_.writer_pages;
    if (self_checkpoint) ++self->counts_.by_writer;
  }
  if (wake) self->cv_.notify_one();
  if (self_checkpoint) {
    // Waits for the thread's pass, if one runs, so this one is not turned away busy.
    std::lock_guard pass(self->pass_mu_);
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

void WalCheckpointer::sync_database() {
  sqlite3_file* f = nullptr;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f &&
      f->pMethods)
    f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

void WalCheckpointer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || wal_pages_ - checkpointed_ >= options_.passive_pages; });
    if (stop_) return;
    checkpointed_ = wal_pages_;
    lock.unlock();
    int log = 0, done = 0, rc = SQLITE_OK;
    {
      std::lock_guard pass(pass_mu_);
      rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    }
    const bool restart = rc == SQLITE_OK && log >= options_.restart_pages;
    if (restart) {
      sync_database();
      std::lock_guard writer(writer_mu_);  // first: the writer's hook holds it too
      std::lock_guard pass(pass_mu_);
      rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done);
    }
    lock.lock();
    ++counts_.passive;
    if (restart && rc == SQLITE_OK) ++counts_.restart;
  }
}

}  // namespace onshi::store
