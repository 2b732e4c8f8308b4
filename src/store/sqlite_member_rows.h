// Private to src/store/: how a row of `qualification_version` holds a version on SQLite since
// schema 5 — the payload compressed against the store's dictionary (store/payload_codec.h)
// and the source as a number into `version_source`, `insurer_number` left empty (it is the
// start of card_key). Rows written before keep their text payload and source and are read as
// they are; `onshi db migrate` rewrites them (compact_legacy_rows).
//
// Readers may meet a dictionary or source written by another process after they opened the
// store: they load it through the connection the row came from and keep it (both are never
// changed once committed). The writer trains the store's one dictionary on the first batch
// of at least PayloadCodec::kMinTrainingSamples payloads, inside that batch's transaction,
// so a load cut short and run again trains the same dictionary on the same rows.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/payload_codec.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace onshi::store::detail {

class MemberRows {
 public:
  // The columns read() takes, in this order.
  static constexpr const char* kColumns =
      "version_id, recorded_at, person_link, my_number_sealed, payload, source, conversions, "
      "source_id";
  // When false, payloads are stored as text (a test's uncompressed twin of a store).
  explicit MemberRows(bool compress = true) : compress_(compress) {}

  // ---- reading (any connection, any thread) ----
  // One row selected with kColumns into `v` (default-constructed). E_STORE_CORRUPT when the
  // payload cannot be read.
  Status read(sqlite::Stmt& s, sqlite3* db, QualificationVersion& v);
  // The payload text of column `col` into `out`, expanded when stored compressed.
  Status payload_text(sqlite::Stmt& s, int col, sqlite3* db, std::string& out);
  // The source of columns `text_col` (text, rows before schema 5) and `id_col` (source_id).
  Result<std::string> source_of(sqlite::Stmt& s, int text_col, int id_col, sqlite3* db);

  // ---- writing (the writer connection, inside its write transaction) ----
  // Before a batch: makes the store's dictionary current, training and storing it on
  // `payloads` when the store has none.
  Status begin_batch(sqlite3* writer, std::span<const std::string> payloads);
  // After the batch's transaction: a dictionary trained in one that rolled back is forgotten.
  void end_batch(bool committed);
  // Binds `text` at parameter `i` of `s`: compressed (a BLOB in `scratch`, which must
  // outlive the statement's step) or as text (which must outlive it too).
  void bind_payload(sqlite::Stmt& s, int i, const std::string& text, std::string& scratch);
  // A batch of payloads compressed ahead, on two threads from kParallelFrom payloads on (a bulk
  // load, where every payload is written): each one's stored bytes, or "" to store its text.
  static constexpr size_t kParallelFrom = 2000;
  std::vector<std::string> compress_batch(std::span<const std::string> texts) const;
  // Binds what compress_batch gave for `text`: its bytes as a BLOB, or the text ("" given).
  static void bind_stored(sqlite::Stmt& s, int i, const std::string& text,
                          const std::string& stored);
  // The number of `source` in version_source, added when new (cached for the transaction).
  Result<int64_t> source_id(sqlite3* writer, const std::string& source);

  // Rewrites the rows stored before schema 5 as above, in transactions of `batch` rows, each
  // under `write_mu` (the store's writer mutex); `progress(rows seen)` after each. Returns
  // the number of rows rewritten. The versions themselves do not change.
  Result<int64_t> compact_legacy_rows(sqlite3* writer, std::mutex& write_mu, int64_t batch,
                                      const std::function<void(int64_t)>& progress);

 private:
  Status ensure_dictionary(sqlite3* db, int id);
  Status load_current(sqlite3* writer);

  bool compress_;
  PayloadCodec codec_;
  int trained_in_batch_ = 0;  // a dictionary stored by the open transaction
  std::map<std::string, int64_t, std::less<>> batch_sources_;
  std::shared_mutex sources_mu_;
  std::unordered_map<int64_t, std::string> sources_;  // committed: never change
};

}  // namespace onshi::store::detail
