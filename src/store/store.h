// The store: where qualifications, their history and the audit log are kept.
//
// Qualifications are bitemporal. Effective dates (資格取得日, 喪失日, certificate validity) come
// from the insurer inside core::Qualification; the recorded time is when onshi learned a
// state. Every registration that changes something appends a new immutable version; nothing
// is updated or deleted. "Coverage on date D as known at time T" is `qualification_as_of(key,
// T)` followed by `covers(D)`: reception asks (today, now), a claim check asks (date of care,
// time of the confirmation made at reception) — which is what R-CONF-6 and R-CLM-1 need.
//
// Store is an interface with an embedded backend (SQLite, WAL: store/sqlite_store.cpp) and a
// server backend (PostgreSQL: store/pg_store.cpp) behind it; both pass one conformance suite
// (tests/store/store_contract_test.cpp). Implementations are safe for concurrent use from many threads: reads run in
// parallel, writes are serialised. Every write method is atomic: it all happens or nothing.
// SQL is only ever built with bound parameters.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/qualification.h"
#include "core/status.h"

namespace onshi::store {

// One stored version of a qualification.
struct QualificationVersion {
  int64_t version_id = 0;
  int64_t recorded_at_us = 0;  // transaction time (Unix µs); strictly increasing per store
  core::Qualification qualification;
  std::string person_link;       // keyed hash of the My Number (raw bytes) or "" when none
  std::string my_number_sealed;  // AES-GCM sealed My Number (raw bytes) or ""
  std::string source;            // who registered it, e.g. "import:members.csv", "insurer:06139999"
  std::string conversions;       // kanji conversions applied at registration (JSON array) or ""
};

// One state to register. The store decides whether it is new, changed or unchanged by
// comparing `qualification` and `person_link` with the current version of its card key
// (the sealed My Number is not compared: sealing is randomised).
struct PutItem {
  core::Qualification qualification;
  std::string person_link;
  std::string my_number_sealed;
  std::string source;
  std::string conversions;  // JSON array of kanji conversions made at registration, or ""
};
enum class PutOutcome { kAdded, kChanged, kUnchanged };

// An audit log entry. The entries form one hash chain per store: the store numbers them and
// links each to its predecessor inside its write transaction (`chain_audit`), so several
// processes appending to one database still extend one chain; the hash function itself is
// security/audit.h's, handed in by the caller.
struct AuditEntry {
  int64_t seq = 0;        // 1, 2, 3 … without gaps, assigned by the store (chain_audit)
  int64_t time_us = 0;    // Unix µs
  std::string actor;      // "institution:1310112345", "insurer:06139999", "operator"
  std::string action;     // "confirm", "register", "member.view", …
  std::string subject;    // card key of the member read/changed, or ""
  std::string detail;     // compact JSON (date asked, result, consent …); never a My Number
  std::string prev_hash;  // hex SHA-256 of the previous entry ("" for the first)
  std::string hash;       // hex SHA-256 over prev_hash and the fields above
};

// Summary of one import run, kept for the insurer's data-quality reports.
struct ImportRun {
  int64_t started_at_us = 0;
  std::string source;  // file name or "https:<insurer>"
  int64_t accepted = 0, unchanged = 0, rejected = 0;
  std::string rejected_by_code_json;  // {"E_CHECK_DIGIT":3,…}
  bool operator==(const ImportRun&) const = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- qualifications ----
  // Registers a batch in one transaction. Items are applied in order (a later item with the
  // same card key compares with the earlier one). Returns one outcome per item.
  virtual Result<std::vector<PutOutcome>> put_qualifications(std::span<const PutItem> items) = 0;

  // The version of `card_key` as known at `known_at_us` (the latest version recorded at or
  // before it), or nullopt when onshi knew nothing of the key then.
  virtual Result<std::optional<QualificationVersion>> qualification_as_of(
      std::string_view card_key, int64_t known_at_us) = 0;

  // Every card key with this insurer number, symbol and number (any branch number), each
  // as known at `known_at_us`. Used when a request omits the 枝番.
  virtual Result<std::vector<QualificationVersion>> find_by_card(std::string_view insurer_number,
                                                                 std::string_view symbol,
                                                                 std::string_view number,
                                                                 int64_t known_at_us) = 0;

  // Every card key whose version as known at `known_at_us` carries this person link.
  virtual Result<std::vector<QualificationVersion>> find_by_person_link(
      std::string_view person_link, int64_t known_at_us) = 0;

  // Every version of every card key, in (card_key, recorded_at) order — for batch work that
  // holds the whole history in memory (the claims check). Stop early by returning false.
  // (Scans hold one database connection while they run; `fn` may call the store again.)
  virtual Status scan_versions(const std::function<bool(const QualificationVersion&)>& fn) = 0;

  // Every version of `card_key`, oldest first.
  virtual Result<std::vector<QualificationVersion>> history(std::string_view card_key) = 0;

  // Number of card keys (current qualifications) and of versions.
  virtual Result<int64_t> count_card_keys() = 0;
  virtual Result<int64_t> count_versions() = 0;

  // Calls `fn` with the current version of every card key of one insurer (all insurers when
  // `insurer_number` is empty), in card-key order; stop early by returning false.
  virtual Status scan_current(std::string_view insurer_number,
                              const std::function<bool(const QualificationVersion&)>& fn) = 0;

  // ---- audit log ----
  // Computes an entry's hash from all its other fields (security::audit_hash).
  using AuditHasher = std::function<std::string(const AuditEntry&)>;
  // Appends `entries` to the end of the chain in one transaction and returns them as stored.
  // Inside that transaction the store takes the tail, numbers the entries tail.seq + 1, + 2 …,
  // sets each prev_hash to the hash before it and then hash = hasher(entry); the caller's
  // seq, prev_hash and hash are ignored. Concurrent appends — from threads or from other
  // processes on the same database — are serialised, so the chain never forks or skips.
  virtual Result<std::vector<AuditEntry>> chain_audit(std::span<const AuditEntry> entries,
                                                      const AuditHasher& hasher) = 0;
  // Stores `entries` exactly as given (seq, prev_hash and hash included), for copying a
  // chain from another database. A seq already present fails the whole batch.
  virtual Status append_audit(std::span<const AuditEntry> entries) = 0;
  virtual Result<std::optional<AuditEntry>> last_audit() = 0;
  // Calls `fn` for entries with seq ≥ from_seq in order; stop early by returning false.
  virtual Status scan_audit(int64_t from_seq,
                            const std::function<bool(const AuditEntry&)>& fn) = 0;
  // Calls `fn` for the entries about one subject (card key), in seq order (indexed).
  virtual Status scan_audit_by_subject(std::string_view subject,
                                       const std::function<bool(const AuditEntry&)>& fn) = 0;

  // ---- import runs ----
  virtual Status record_import(const ImportRun& run) = 0;
  virtual Result<std::vector<ImportRun>> import_runs() = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Stores `versions` exactly as given — version_id, recorded_at, person link, sealed My
  // Number, source and conversions kept — in one transaction, and returns how many were
  // inserted. A version_id already present with the same contents is skipped (so a copy can
  // be run again); one present with other contents is E_COPY_CONFLICT naming the version_id,
  // and nothing of the batch is written. Afterwards the next put_qualifications still gets a
  // fresh version_id and a recorded_at strictly greater than every stored one.
  virtual Result<int64_t> put_versions_verbatim(std::span<const QualificationVersion> versions) = 0;

  // ---- a large file into an empty store (`onshi import`) ----
  // A backend may load a member file into a store that holds no version faster by appending
  // the versions and building its indexes once at the end. begin_bulk() starts such a load
  // when the store is empty and no other load runs, and answers whether it did (false: use
  // put_qualifications — the default, and always on PostgreSQL). During the load put_bulk
  // takes batches, each in one transaction, every item as new (kAdded): the caller guarantees
  // each card key is new and given once (registry/ rejects a key repeated in its file).
  // finish_bulk builds what the load left out. Meanwhile other writers get E_LOCKED, and
  // readers see the versions committed so far (found by a scan, not an index, until the end).
  // A load that never finishes (kill -9) is finished by the next process that opens or writes
  // the store: its state is then that of the transactions committed, exactly as with
  // put_qualifications, so running the file again completes it.
  virtual Result<bool> begin_bulk() { return false; }
  virtual Status put_bulk(std::span<const PutItem> items) {
    return put_qualifications(items).status();
  }
  virtual Status finish_bulk() { return Status::Ok(); }

  // ---- the layout of stored versions (`onshi db migrate`) ----
  // Rewrites versions a backend stores in an older layout into its current one — on SQLite
  // the compact rows of schema 5 (a compressed payload, the source by number), then VACUUM so
  // the file shrinks — without changing any version. Safe to run again (then 0) and beside a
  // running service; `progress(rows rewritten)` after each transaction. Returns the rows
  // rewritten (always 0 on PostgreSQL, whose layout has not changed).
  virtual Result<int64_t> compact_versions(const std::function<void(int64_t)>& progress) {
    (void)progress;
    return int64_t{0};
  }
};

struct SqliteOptions {
  bool create = true;            // create the file and schema when missing
  int64_t cache_mib = 256;       // page cache per connection
  int64_t mmap_mib = 16384;      // memory-mapped reads (SQLite caps it at its compiled maximum)
  // The audit file's WAL is copied into the file by a thread of the store, off the commits an
  // answer waits for, every time it has grown by this many pages; it is started over once it
  // holds 8 × as many, and the committing thread checkpoints itself only at 32 × (a disk
  // slower than the writer).
  int64_t audit_checkpoint_pages = 1000;
  // Payloads compressed against a dictionary the store trains on its first large batch
  // (store/payload_codec.h); false keeps them as text (a test's uncompressed twin).
  bool compress_payloads = true;
};

// Opens (and migrates) the SQLite store at `db_file` (WAL mode). Errors: E_STORE_OPEN,
// E_STORE_SCHEMA (a file written by a newer onshi).
Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& db_file,
                                           const SqliteOptions& options = {});

// The store file inside a data directory: DIR/onshi.db. The audit log is kept beside it in
// DIR/onshi-audit.db (same WAL mode), so its appends never slow qualification reads.
std::filesystem::path store_path(const std::filesystem::path& data_dir);
std::filesystem::path audit_path(const std::filesystem::path& data_dir);

}  // namespace onshi::store
