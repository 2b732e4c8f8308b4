// The bulk-inquiry receptions (一括照会, serve/routes_bulk.cpp): the finished OQSmuquc02res
// document of each OQSmuquc01 request under its reception number and the institution that
// made it, kept for 7 days, so that OQSmuquc02 can hand it out from any server.
//
// The one decision: the reception number is allocated by the database — a sequence on
// PostgreSQL, the next row number inside a write transaction on SQLite — so several
// `onshi serve` on one database never hand out the same number. Its form stays YYYYMMDD (the
// day in JST) followed by 8 digits of that sequence number.
//
// Backends: sqlite:DIR keeps the table `bulk_receptions` in DIR/bulk.db (as it always was);
// postgresql:// the table `bulk_receptions` and the sequence `bulk_reception_seq` (component
// "bulk" in onshi_schema). Implementations are safe for concurrent use from many threads and
// processes; every write is atomic; values are only ever bound. Errors: E_STORE
// (E_STORE_OPEN / E_STORE_SCHEMA from the first call when the store cannot be opened).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace onshi::store {

// How long a reception is kept.
inline constexpr int64_t kBulkKeepUs = 7LL * 24 * 3600 * 1000000;

// One stored reception, as `scan` reads it and `put_verbatim` writes it.
struct BulkReception {
  int64_t seq = 0;               // the sequence number inside reception_number
  std::string reception_number;  // YYYYMMDD + 8 digits
  std::string institution;
  int64_t created_us = 0;
  std::string document;  // the OQSmuquc02res document, bytes as stored
  bool operator==(const BulkReception&) const = default;
};

class BulkStore {
 public:
  virtual ~BulkStore() = default;

  // Writes the document that carries a reception number, given that number.
  using Render = std::function<Result<std::string>(const std::string& reception_number)>;

  // Allocates a new reception number (YYYYMMDD of `now_us` in JST + 8 digits), has `render`
  // write the document carrying it, and stores the document for `institution` at `now_us`;
  // returns the number. Receptions older than kBulkKeepUs before `now_us` are removed on the
  // way. When `render` fails, its error is returned and nothing is stored.
  virtual Result<std::string> add(std::string_view institution, int64_t now_us,
                                  const Render& render) = 0;

  // The document stored under `reception_number` when it belongs to `institution`; nullopt
  // when there is none: unknown, removed by a later add once older than 7 days, or another
  // institution's (not told apart, so a number's existence is not revealed).
  virtual Result<std::optional<std::string>> get(std::string_view reception_number,
                                                 std::string_view institution) = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Calls `fn` for every stored reception with seq > `after_seq`, in seq order, at most
  // `limit` of them; stop early by returning false.
  virtual Status scan(int64_t after_seq, size_t limit,
                      const std::function<bool(const BulkReception&)>& fn) = 0;
  // Stores `rows` exactly as given in one transaction and returns how many were inserted. A
  // seq already present with the same fields is skipped; a seq or reception number present
  // with other fields is E_COPY_CONFLICT naming the number, and nothing of the batch is
  // written. Afterwards `add` still allocates numbers after every stored one.
  virtual Result<int64_t> put_verbatim(std::span<const BulkReception> rows) = 0;
};

}  // namespace onshi::store
