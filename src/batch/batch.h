// The batch pipeline every file input runs on (member import, claims check, and the inputs to
// come): read → header check → row parse and validate → write in batches → report.
//
// An input says only what is its own: its columns, how one row becomes a typed record (parse
// and validate), and how a batch of records is written (one store transaction, or result rows
// to a file). The pipeline does the rest, the same way for every input:
// - encoding: a UTF-8 BOM, else the text around the first non-ASCII byte decides between
//   UTF-8 and Shift_JIS (CP932); `Options::encoding` overrides (core/text.h converts);
// - records: RFC 4180 CSV cut on the raw bytes (core/csv.h; ',', '"', CR and LF are ASCII and
//   neither UTF-8 nor CP932 uses an ASCII byte inside a character, so boundaries found before
//   decoding are the true ones), or fixed-length records through `Input::split`;
// - header: every unknown, duplicate and missing column is found at once (E_CSV_HEADER, the
//   first problem's column as the field, each one in `Options::file_problems`);
// - rows: decoded a batch at a time on worker threads; a row that cannot be read (E_ENCODING,
//   E_CSV_QUOTE, E_CSV_FIELDS, E_RECORD_LENGTH) or that the input rejects is reported with row
//   number, field, code and message, and the run goes on;
// - writing: batches reach `Input::write` in file order on one thread, each once; at most
//   threads + 2 batches exist at a time, so memory is bounded by the batch size;
// - kill -9: a batch is written whole or not at all (the input's transaction). An input whose
//   write is idempotent (writing an identical record changes nothing) is simply run again; with
//   a `Checkpoint` the run resumes after the last batch written instead;
// - progress: a bar on stderr while it is a terminal.
//
// Thread safety: `parse`, `unreadable` and `prepare` are called concurrently from worker
// threads and must not touch shared state without their own locking; `start` and `write` are
// called from the thread that called `run`, one at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"
#include "core/text.h"

namespace onshi::batch {

// One column of an input: its header name (the interface's element name) and whether a file
// must have it.
struct Column {
  std::string name;
  bool required = true;
};

// A problem with one row (row ≥ 1, the header being row 0) or with the file (row 0).
struct RowError {
  int64_t row = 0;
  std::string field;  // the column, or "" when the row as a whole is at fault
  std::string code;   // stable, docs/errors.md
  std::string message;
};

// Why the pipeline could not hand a row's fields to the input.
enum class Unreadable {
  kNone,
  kEncoding,     // bytes not valid in the file's encoding (E_ENCODING)
  kQuote,        // quotes not per RFC 4180 (E_CSV_QUOTE)
  kFieldCount,   // another number of fields than the header (E_CSV_FIELDS)
  kLength,       // a fixed-length record of the wrong length (E_RECORD_LENGTH)
};

// One data row as an input sees it. Views are valid during the call only.
struct Row {
  int64_t number = 0;  // 1-based data row; blank lines are not counted
  // Values by the input's column index ("" for a column the file lacks). With kFieldCount,
  // the fields the row has, as far as the header names them.
  const std::vector<std::string_view>* values = nullptr;
  std::string_view text;  // the record decoded (UTF-8); "" with kEncoding
  Unreadable problem = Unreadable::kNone;
  core::Encoding encoding = core::Encoding::kUtf8;  // the file's
  size_t fields_in_row = 0, fields_in_header = 0;
  // The input's column index of each column of the file, in file order.
  const std::vector<int>* file_columns = nullptr;
  std::string_view value(size_t column) const { return (*values)[column]; }
};

// What the run is reading, for `start` and `prepare`.
struct FileInfo {
  std::filesystem::path path;
  core::Encoding encoding = core::Encoding::kUtf8;
  bool encoding_given = false;  // from Options::encoding rather than detected
  int64_t first_row = 1;        // > 1 when resumed from a checkpoint
  // The input's column index of each column of the file, in file order (which optional
  // columns the file has).
  std::vector<int> columns;
};

// The part of a batch that does not depend on the record type.
struct BatchBase {
  size_t index = 0;               // 0-based, in file order (counting from the run's start)
  int64_t rows_read = 0;          // data rows in the batch
  int64_t rejected = 0;           // rows rejected (a row with several errors counts once)
  int64_t undecodable = 0;        // rows not valid in the encoding
  std::vector<RowError> errors;   // by row
  std::string output;             // bytes an input's `prepare` made for its `write`, if any
  uint64_t file_offset_end = 0;   // bytes of the file consumed through this batch
  int64_t last_row = 0;           // number of the batch's last data row
  virtual ~BatchBase() = default;
  // Rejects a row: counts it and keeps the error.
  void reject(int64_t row, std::string field, std::string code, std::string message);
};

template <class Record>
struct Batch : BatchBase {
  std::vector<Record> records;  // the rows the input accepted, in file order
  std::vector<int64_t> rows;    // the data row of each record
};

// Cuts one raw record (bytes in the file's encoding, no line end) into fields in the input's
// column order; false when the record does not have the layout's shape (E_RECORD_LENGTH).
// Fields are decoded by the pipeline afterwards. An input with a splitter has no header line.
using SplitRecord =
    std::function<bool(std::string_view raw, std::vector<std::string_view>& fields)>;

// A splitter for fixed-length records: field i is `widths[i]` bytes of the file's encoding,
// trailing ASCII spaces dropped; a record must be exactly the sum of the widths.
SplitRecord fixed_width(std::vector<size_t> widths);

// What an input provides. Only `columns`, `parse` and `write` are required.
template <class Record>
struct Input {
  std::vector<Column> columns;
  // CSV: a quote inside a bare field is malformed (otherwise kept as text).
  bool strict_quotes = false;
  // Fixed-length (or other) records instead of CSV; see SplitRecord.
  SplitRecord split;
  // Parses and validates one readable row: the record, or every error found in it.
  std::function<std::variant<Record, std::vector<RowError>>(const Row&)> parse;
  // A row the pipeline could not read: a record after all (an input that answers every row,
  // like the claims check), or nullopt to have the pipeline's own error reported.
  std::function<std::optional<Record>(const Row&)> unreadable;
  // Called once after the header was accepted, before any batch (e.g. open the output).
  std::function<Status(const FileInfo&)> start;
  // Called on the worker thread once a batch is parsed (e.g. format and encode its output).
  std::function<void(Batch<Record>&, const FileInfo&)> prepare;
  // Writes one batch, in file order: one transaction. It may reject more rows (e.g. a key
  // already seen in the file) through BatchBase::reject. An error stops the run: the batches
  // written before stay written and the checkpoint, if any, points after them.
  std::function<Status(Batch<Record>&)> write;
};

// Where a run stands after its last written batch.
struct Position {
  uint64_t offset = 0;     // bytes of the file consumed
  int64_t last_row = 0;    // the last data row written
  int64_t batches = 0;     // batches written
  bool operator==(const Position&) const = default;
};

// Remembers the position of a run so that a re-run after a crash starts after the batches
// already written. Saved after each batch's write returns; a crash between the two repeats
// that one batch, so `write` must leave the same state when given the same batch twice (or
// the input implements Checkpoint inside its own transaction).
class Checkpoint {
 public:
  virtual ~Checkpoint() = default;
  // The position of an unfinished run over `input`, if any.
  virtual std::optional<Position> load(const std::filesystem::path& input) = 0;
  virtual Status save(const std::filesystem::path& input, const Position& at) = 0;
  // The run finished: the next run starts from the beginning.
  virtual Status clear() = 0;
};

// A checkpoint kept in a small file (written to a temporary file, synced and renamed). It
// belongs to the input file of the same path, size and modification time; any other file
// starts from the beginning. Errors of save/clear: E_CHECKPOINT.
std::unique_ptr<Checkpoint> file_checkpoint(std::filesystem::path file);

struct Options {
  std::optional<core::Encoding> encoding;  // nullopt = detect
  size_t batch_size = 20000;               // rows per batch (0 is taken as 1)
  int threads = 2;                         // worker threads (< 1 is taken as 1)
  bool progress = false;  // draw a bar on stderr — only while stderr is a terminal
  std::string progress_label;  // printed before the bar (e.g. "claims check"), or ""
  Checkpoint* checkpoint = nullptr;  // nullptr: a re-run starts from the beginning
  // When set and the file is refused: every problem found, as entries of row 0.
  std::vector<RowError>* file_problems = nullptr;
};

// What a finished run read. Row errors are the pipeline's and those the input reported.
struct Summary {
  FileInfo file;
  int64_t rows = 0;      // data rows read by this run
  int64_t rejected = 0;  // rows rejected
  std::vector<RowError> errors;                   // by row
  std::map<std::string, int64_t> errors_by_code;  // number of errors of each code
  // What to do about the run as a whole, or "": when no row at all could be decoded, the
  // encoding used and the --encoding option to choose another.
  std::string notice;
};

namespace detail {
// The pipeline's own error for an unreadable row (E_ENCODING, E_CSV_QUOTE, E_CSV_FIELDS,
// E_RECORD_LENGTH).
RowError unreadable_error(const Row& row);
// The typed input seen through virtual calls, so the engine is compiled once.
class Stages {
 public:
  virtual ~Stages() = default;
  // A batch with room for `rows` records (records are large: growing the vector would move
  // each one again and again).
  virtual std::unique_ptr<BatchBase> new_batch(size_t rows) = 0;
  // Empties a batch already written so that it takes the next one (its memory kept: a fresh
  // batch's tens of MiB would be faulted in and zeroed again by the kernel each time).
  virtual void reuse(BatchBase& batch, size_t rows);
  virtual void parse(BatchBase& batch, const Row& row) = 0;
  virtual void prepare(BatchBase& batch, const FileInfo& file) = 0;
  virtual Status start(const FileInfo& file) = 0;
  virtual Status write(BatchBase& batch) = 0;
};
struct Shape {
  const std::vector<Column>* columns = nullptr;
  bool strict_quotes = false;
  const SplitRecord* split = nullptr;
};
Result<Summary> run(const std::filesystem::path& file, const Shape& shape, Stages& stages,
                    const Options& options);
Result<Summary> run_bytes(std::string_view bytes, const Shape& shape, Stages& stages,
                          const Options& options);
}  // namespace detail

// Runs `input` over `file`. Errors (nothing was written, unless a write or the checkpoint
// failed): E_FILE (missing, unreadable), E_ENCODING (the header is not valid in the encoding),
// E_CSV_HEADER (empty file, unclosed quote, unknown, duplicate or missing columns), the
// errors of `start` and `write`, E_CHECKPOINT.
template <class Record>
Result<Summary> run(const std::filesystem::path& file, const Input<Record>& input,
                    const Options& options = {});

// Runs `input` over `bytes`, a file's whole contents held in memory, as run() runs it over a
// file of these bytes — the same encoding detection, records, header check, decoding, hooks,
// batches and summary (Summary::file.path is empty) — but on the calling thread, one batch
// after the other; `Options::threads`, `checkpoint` and `progress` are not used. For inputs
// that arrive whole and small, where threads would cost more than the rows (the fuzz targets
// of fuzz/ run every file input through it). Errors: those of run() but E_FILE.
template <class Record>
Result<Summary> run_bytes(std::string_view bytes, const Input<Record>& input,
                          const Options& options = {});

// ---- the pieces, for inputs that arrive whole (e.g. an HTTP body) ----

// The input's column index of each column of a header line (UTF-8, no line end). Errors:
// E_CSV_HEADER, with every problem in `problems` when given.
Result<std::vector<int>> check_header(std::string_view header, const std::vector<Column>& columns,
                                      bool strict_quotes,
                                      std::vector<RowError>* problems = nullptr);

// Hands every row of `text` (UTF-8, a header line first) to `each`, as the pipeline would —
// for inputs that arrive whole, like an HTTP body. Blank lines are not rows. Errors:
// E_CSV_HEADER.
Status for_each_row(std::string_view text, const std::vector<Column>& columns,
                    bool strict_quotes, const std::function<void(const Row&)>& each);

// Whether run() can read `path`: a regular file, or a pipe (a FIFO; standard input as
// /dev/stdin), which it reads once as a stream — no size, no checkpoint. A command checks it
// before it changes anything; run() refuses anything else with E_FILE.
bool readable_input(const std::filesystem::path& path);

// The encoding of a file: a UTF-8 BOM, else the text around its first non-ASCII byte (an
// all-ASCII file is UTF-8). Errors: E_FILE.
Result<core::Encoding> detect_file_encoding(const std::filesystem::path& file);

// The encoding of bytes held in memory, decided as detect_file_encoding decides it for a file
// of these bytes.
core::Encoding detect_bytes_encoding(std::string_view bytes);

// "1,234,567".
std::string with_commas(int64_t n);

// ---- the rule "the first row of a key wins" ----
//
// Inputs whose file must hold one state per key (members, recipients, tickets) keep the first
// valid row of each key and reject the later ones, so that a re-run changes nothing. The rule
// spans batches, so it runs in `write` (batches arrive there in file order, once each).

// The keys a run has kept, each remembered as a 128-bit fingerprint of its bytes (two
// independent 64-bit hashes: two different keys share one with odds of about 2^-128) with
// the row that first held it, in an open-addressing table of 24 bytes an entry. So a file of
// millions of rows needs no second pass and not its keys' text in memory. Not thread-safe
// (`write` is called from one thread).
class FirstRows {
 public:
  // A key's fingerprint. A batch's keys are fingerprinted first and each slot is asked for
  // (prefetch) a few keys before it is probed: the table is far larger than the caches, and a
  // probe that waits for memory cost more than everything else a row does on this thread.
  struct Print {
    uint64_t a = 0, b = 0;
  };
  static Print print(std::string_view key);
  void prefetch(const Print& p) const {
    if (capacity_) __builtin_prefetch(&slots_[static_cast<size_t>(p.a) & (capacity_ - 1)], 1);
  }
  // The row that first held `key`, or nullopt when the key is new — it is then remembered
  // with `row`.
  std::optional<int64_t> first_row(std::string_view key, int64_t row) {
    return first_row(print(key), row);
  }
  std::optional<int64_t> first_row(const Print& key, int64_t row);
  // Room for `more` keys beyond those kept, so that no lookup of the next `more` keys moves
  // the table (and what was prefetched).
  void make_room(size_t more) {
    if ((size_ + more) * 3 > capacity_ * 2) reserve(size_ + more);
  }
  // Makes room for about `keys` keys at once (e.g. a file's size tells how many rows it has),
  // so a large file's table is not doubled and rehashed on the way.
  void reserve(size_t keys);
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t a = 0, b = 0;  // a == 0: empty
    int64_t row = 0;
  };
  struct Free {
    void operator()(Slot* p) const { std::free(p); }
  };
  void grow(size_t slots = 0);  // to `slots` (a power of two), or twice as many
  std::unique_ptr<Slot[], Free> slots_;  // on huge pages where the kernel has them
  size_t capacity_ = 0, size_ = 0;
};

// Applies the rule to one batch: each record's key (`key_of(record)`, convertible to
// std::string_view) is looked up in `seen`; a record whose key an earlier row holds is taken
// out of the batch and its row rejected (BatchBase::reject) with field "", `code` and
// `message(row, first_row)`. Kept records keep their order and rows; the batch's errors stay
// sorted by row. Returns the number of rows rejected. keep_first_of_each_print is the same
// with each record's FirstRows::print of its key already made (`print_of`), e.g. by the worker
// that parsed it: the writer's thread then only probes.
template <class Record, class PrintOf, class Message>
size_t keep_first_of_each_print(Batch<Record>& b, FirstRows& seen, PrintOf&& print_of,
                                std::string_view code, Message&& message) {
  size_t kept = 0, rejected = 0;
  const size_t n = b.records.size();
  thread_local std::vector<FirstRows::Print> prints;
  prints.resize(n);
  for (size_t i = 0; i < n; ++i) prints[i] = print_of(b.records[i]);
  seen.make_room(n);
  constexpr size_t kAhead = 8;  // slots asked for ahead of the probe
  for (size_t i = 0; i < n && i < kAhead; ++i) seen.prefetch(prints[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) seen.prefetch(prints[i + kAhead]);
    const int64_t row = b.rows[i];
    if (auto first = seen.first_row(prints[i], row)) {
      ++rejected;
      b.reject(row, "", std::string(code), message(row, *first));
      continue;
    }
    if (kept != i) {
      b.records[kept] = std::move(b.records[i]);
      b.rows[kept] = row;
    }
    ++kept;
  }
  b.records.resize(kept);
  b.rows.resize(kept);
  if (rejected > 0)
    std::stable_sort(b.errors.begin(), b.errors.end(),
                     [](const RowError& x, const RowError& y) { return x.row < y.row; });
  return rejected;
}

template <class Record, class KeyOf, class Message>
size_t keep_first_of_each_key(Batch<Record>& b, FirstRows& seen, KeyOf&& key_of,
                              std::string_view code, Message&& message) {
  return keep_first_of_each_print(
      b, seen, [&](const Record& r) { return FirstRows::print(key_of(r)); }, code,
      std::forward<Message>(message));
}

// ---- implementation of run<Record> ----

namespace detail {
template <class Record>
class TypedStages final : public Stages {
 public:
  explicit TypedStages(const Input<Record>& in) : in_(in) {}
  std::unique_ptr<BatchBase> new_batch(size_t rows) override {
    auto b = std::make_unique<Batch<Record>>();
    b->records.reserve(rows);
    b->rows.reserve(rows);
    return b;
  }
  void reuse(BatchBase& base, size_t rows) override {
    auto& b = static_cast<Batch<Record>&>(base);
    b.records.clear();
    b.rows.clear();
    b.records.reserve(rows);
    b.rows.reserve(rows);
    Stages::reuse(base, rows);
  }
  void parse(BatchBase& base, const Row& row) override {
    auto& b = static_cast<Batch<Record>&>(base);
    if (row.problem != Unreadable::kNone) {
      std::optional<Record> r = in_.unreadable ? in_.unreadable(row) : std::nullopt;
      if (r) return keep(b, std::move(*r), row.number);
      ++b.rejected;
      b.errors.push_back(unreadable_error(row));
      return;
    }
    auto r = in_.parse(row);
    if (auto* rec = std::get_if<Record>(&r)) return keep(b, std::move(*rec), row.number);
    ++b.rejected;
    for (auto& e : std::get<std::vector<RowError>>(r)) b.errors.push_back(std::move(e));
  }
  void prepare(BatchBase& b, const FileInfo& f) override {
    if (in_.prepare) in_.prepare(static_cast<Batch<Record>&>(b), f);
  }
  Status start(const FileInfo& f) override { return in_.start ? in_.start(f) : Status::Ok(); }
  Status write(BatchBase& b) override { return in_.write(static_cast<Batch<Record>&>(b)); }

 private:
  static void keep(Batch<Record>& b, Record&& r, int64_t row) {
    b.records.push_back(std::move(r));
    b.rows.push_back(row);
  }
  const Input<Record>& in_;
};
}  // namespace detail

template <class Record>
Result<Summary> run(const std::filesystem::path& file, const Input<Record>& input,
                    const Options& options) {
  detail::TypedStages<Record> stages(input);
  detail::Shape shape{&input.columns, input.strict_quotes, input.split ? &input.split : nullptr};
  return detail::run(file, shape, stages, options);
}

template <class Record>
Result<Summary> run_bytes(std::string_view bytes, const Input<Record>& input,
                          const Options& options) {
  detail::TypedStages<Record> stages(input);
  detail::Shape shape{&input.columns, input.strict_quotes, input.split ? &input.split : nullptr};
  return detail::run_bytes(bytes, shape, stages, options);
}

}  // namespace onshi::batch
