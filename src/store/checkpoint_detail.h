// Keeping a SQLite file's WAL bounded without checkpointing inside its writer's commits,
// private to src/store/. SQLite's automatic checkpoint runs in the connection that commits:
// every N pages a commit also copies the WAL into the database and syncs both files, and
// whoever waits for that commit (an answer waiting for its audit entry) waits for the copy
// too. A WalCheckpointer turns the writer's automatic checkpoint off and does the copying on
// its own connection and thread:
//
// - the writer's WAL hook reports the WAL's size after each commit (no I/O on that thread);
// - once the WAL has grown by `passive_pages` since the last pass, the thread runs a PASSIVE
//   checkpoint, which copies what it can without holding off the writer or readers;
// - when the WAL still holds `restart_pages` after that pass (a busy writer appends while a
//   pass copies, so the WAL never empties by itself), the thread runs a RESTART checkpoint
//   holding the writer's mutex: only the frames written since the pass are left to copy, and
//   the writer's next commit starts the WAL over from its beginning;
// - should the thread fall behind (a disk slower than the writer), the writer's hook itself
//   waits for the thread's pass to end and runs a PASSIVE checkpoint once the WAL holds
//   `writer_pages`, as SQLite's automatic checkpoint would; with no reader on the WAL that
//   pass copies all of it and the next commit starts the WAL over, so the WAL stays near
//   `writer_pages` whatever the thread's pace.
//
// Nothing of durability moves: a commit is in the WAL before it returns (synchronous=NORMAL,
// as before), and a checkpoint only copies committed frames. The thread is stopped and
// joined by the destructor, before the writer connection is closed.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "core/status.h"

namespace onshi::store {

struct WalCheckpointOptions {
  int64_t passive_pages = 1000;  // WAL growth that starts a PASSIVE pass
  int64_t restart_pages = 8000;  // WAL size after a pass that starts a RESTART
  int64_t writer_pages = 32000;  // WAL size at which the writer checkpoints itself
};

class WalCheckpointer {
 public:
  // Opens a connection of its own to `file`, turns the automatic checkpoint of `writer` off
  // and installs the WAL hook on it, and starts the thread. `writer_mu` is the mutex that
  // serialises the writer's transactions (held during a RESTART). Errors: E_STORE_OPEN.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::filesystem::path& file,
                                                        sqlite3* writer, std::mutex& writer_mu,
                                                        WalCheckpointOptions options);
  ~WalCheckpointer();  // removes the hook, stops and joins the thread, closes its connection
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  struct Counts {
    int64_t passive = 0, restart = 0, by_writer = 0;
  };
  Counts counts() const;

 private:
  WalCheckpointer(sqlite3* writer, sqlite3* own, std::mutex& writer_mu, WalCheckpointOptions o);
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
  void run();
  void sync_database();  // the database file, through the connection's handle

  sqlite3* writer_;
  sqlite3* db_;
  std::mutex& writer_mu_;
  WalCheckpointOptions options_;
  std::mutex pass_mu_;  // held by whoever runs a checkpoint (after writer_mu_, if both)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t wal_pages_ = 0;     // the WAL's size after the writer's last commit
  int64_t checkpointed_ = 0;  // the WAL's size when the last pass began
  bool stop_ = false;
  Counts counts_;
  std::thread thread_;
};

}  // namespace onshi::store
