// The engine of the batch pipeline: one reader thread, `threads` workers, and the calling
// thread as the single writer.
//
// The reader cuts raw records into batches and queues them, waiting while 2 × threads + 2
// batches are in flight; workers parse batches in any order; the writer takes them back in
// file order, calls the input's write, then saves the checkpoint and hands the batch back to
// the worker that filled it, who empties and refills it (as the reader refills the raw batches
// the workers are done with). Back to the same worker: its records' memory came from that
// thread's malloc arena, and freeing it on another thread locked that arena against its
// owner's next allocations (at 10 M clinical rows most of the workers' waits).
// So memory is bounded by the batch size and allocated once, the slowest stage sets the
// speed, and what is written is always a prefix of the file — which is what lets a re-run
// resume after the last written batch. The workers run two steps of nice below the writer, the
// one stage no other thread can share.
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "batch/detail.h"

namespace onshi::batch {
namespace internal {
namespace {

class Engine {
 public:
  Engine(const std::filesystem::path& path, const Shape& shape, Stages& stages,
         const Options& options)
      : shape_(shape), stages_(stages), opt_(options),
        progress_(options.progress, options.progress_label) {
    file_.path = path;
    if (opt_.batch_size == 0) opt_.batch_size = 1;
    if (opt_.threads < 1) opt_.threads = 1;
  }
  // Over bytes held in memory (run_bytes): no checkpoint, no progress bar.
  Engine(std::string_view bytes, const Shape& shape, Stages& stages, const Options& options)
      : Engine(std::filesystem::path(), shape, stages, without_resume(options)) {
    bytes_ = bytes;
  }
  Result<Summary> run();
  Result<Summary> run_here();

 private:
  static Options without_resume(Options o) {
    o.checkpoint = nullptr;
    o.progress = false;
    return o;
  }
  Status open();
  Status resume();
  bool cut(RawBatch& batch, int64_t& row);
  void reader_loop();
  bool hand_over(RawBatch& batch);
  void worker_loop(size_t worker);
  struct Parsed {
    std::unique_ptr<BatchBase> batch;
    size_t worker = 0;  // who filled it
  };
  Parsed next_done(size_t index);
  Status write_all(Summary& summary);
  Status commit(BatchBase& batch, Summary& summary);
  void stop_threads(std::thread& reader, std::vector<std::thread>& workers);
  Result<Summary> finish(Summary& summary);
  std::string encoding_notice(int64_t rows, int64_t undecodable) const;

  const Shape& shape_;
  Stages& stages_;
  Options opt_;
  Progress progress_;
  FileInfo file_;
  std::optional<std::string_view> bytes_;  // the input when it is held in memory
  RecordReader reader_;
  std::vector<int> file_columns_;
  Position resumed_;

  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_, cv_space_;
  std::deque<RawBatch> work_;
  std::map<size_t, Parsed> done_;
  // Batches written (by the worker that filled them) and raw batches parsed, emptied and
  // taken again (their memory kept).
  std::vector<std::vector<std::unique_ptr<BatchBase>>> spare_;
  std::vector<RawBatch> spare_raw_;
  size_t batches_read_ = 0, batches_written_ = 0;
  bool reader_finished_ = false, stop_ = false;
  int64_t undecodable_ = 0;
};

Status Engine::open() {
  const bool csv = shape_.split == nullptr;
  if (bytes_) reader_.open_bytes(*bytes_, csv);
  else if (Status st = reader_.open(file_.path, csv); !st) return st;
  if (opt_.encoding) {
    file_.encoding = *opt_.encoding;
    file_.encoding_given = true;
  } else if (bytes_) {
    file_.encoding = detect_bytes_encoding(*bytes_);
  } else if (reader_.stream()) {
    file_.encoding = reader_.stream_encoding();
  } else {
    auto enc = detect_file_encoding(file_.path);
    if (!enc) return enc.status();
    file_.encoding = *enc;
  }
  if (shape_.split) {
    for (size_t c = 0; c < shape_.columns->size(); ++c)
      file_columns_.push_back(static_cast<int>(c));
  } else {
    auto header = read_header(reader_, file_, shape_, opt_.file_problems);
    if (!header) return header.error();
    file_columns_ = std::move(*header);
  }
  file_.columns = file_columns_;
  return resume();
}

// Continues after the checkpoint's last batch, if one is kept for this file. A stream (a pipe)
// is read once: it has no checkpoint, and a re-run reads it again from its start.
Status Engine::resume() {
  if (reader_.stream()) opt_.checkpoint = nullptr;
  if (!opt_.checkpoint) return Status::Ok();
  auto at = opt_.checkpoint->load(file_.path);
  if (!at || at->offset <= reader_.offset()) return Status::Ok();
  if (Status st = reader_.seek(at->offset); !st) return st;
  resumed_ = *at;
  file_.first_row = at->last_row + 1;
  return Status::Ok();
}

// Queues a batch for the workers, waiting while too many are in flight; false on stop.
bool Engine::hand_over(RawBatch& batch) {
  std::unique_lock lk(mu_);
  cv_space_.wait(lk, [&] {
    return stop_ || batches_read_ - batches_written_ < 2 * static_cast<size_t>(opt_.threads) + 2;
  });
  if (stop_) return false;
  if (!batch.starts.empty()) {
    batch.index = batches_read_++;
    batch.file_offset_end = reader_.offset();
    work_.push_back(std::move(batch));
    cv_work_.notify_one();
  }
  batch = RawBatch{};
  if (!spare_raw_.empty()) {
    batch = std::move(spare_raw_.back());
    spare_raw_.pop_back();
  }
  return true;
}

// Adds the next records to `batch` until it is full (true) or the file ends (false); `row` is
// the number of the last data row cut.
bool Engine::cut(RawBatch& batch, int64_t& row) {
  std::string_view rec;
  while (batch.starts.size() < opt_.batch_size) {
    if (!reader_.next(rec)) return false;
    if (rec.empty()) continue;  // blank lines are not rows
    batch.starts.push_back(static_cast<uint32_t>(batch.bytes.size()));
    batch.rows.push_back(++row);
    batch.bytes.append(rec);
    batch.bytes.push_back('\n');
  }
  return true;
}

void Engine::reader_loop() {
  int64_t row = file_.first_row - 1;
  RawBatch batch;
  for (bool more = true; more;) {
    more = cut(batch, row);
    if (!hand_over(batch)) break;
  }
  std::lock_guard lk(mu_);
  reader_finished_ = true;
  cv_work_.notify_all();
  cv_done_.notify_all();
}

void Engine::worker_loop(size_t worker) {
  // The writer is the one stage no other thread can share: where the workers and it want more
  // cores than there are, it runs first (the workers two steps of nice below it).
  const auto self = static_cast<id_t>(::gettid());
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, self);
  if (errno == 0) ::setpriority(PRIO_PROCESS, self, nice + 2);
  for (;;) {
    RawBatch raw;
    std::unique_ptr<BatchBase> parsed;
    {
      std::unique_lock lk(mu_);
      cv_work_.wait(lk, [&] { return stop_ || !work_.empty() || reader_finished_; });
      if (stop_ || (work_.empty() && reader_finished_)) return;
      raw = std::move(work_.front());
      work_.pop_front();
      if (auto& mine = spare_[worker]; !mine.empty()) {
        parsed = std::move(mine.back());
        mine.pop_back();
      }
    }
    // A spare batch is emptied here, on the worker that filled it: its records are freed off
    // the writer, into the arena they came from.
    if (parsed) stages_.reuse(*parsed, raw.starts.size());
    else parsed = stages_.new_batch(raw.starts.size());
    parse_batch(raw, *parsed, file_columns_, shape_, stages_, file_);
    raw.bytes.clear();
    raw.starts.clear();
    raw.rows.clear();
    std::lock_guard lk(mu_);
    done_.emplace(raw.index, Parsed{std::move(parsed), worker});
    spare_raw_.push_back(std::move(raw));
    cv_done_.notify_all();
  }
}

// The parsed batch of `index`, waiting for it; a null batch when the file has no more.
Engine::Parsed Engine::next_done(size_t index) {
  std::unique_lock lk(mu_);
  cv_done_.wait(lk, [&] {
    return done_.count(index) > 0 || (reader_finished_ && index >= batches_read_);
  });
  auto it = done_.find(index);
  if (it == done_.end()) return {};
  Parsed b = std::move(it->second);
  done_.erase(it);
  return b;
}

// Writes one batch, saves the checkpoint, and adds the batch to the summary.
Status Engine::commit(BatchBase& b, Summary& summary) {
  if (Status st = stages_.write(b); !st) return st;
  if (opt_.checkpoint) {
    Position at{b.file_offset_end, b.last_row,
                resumed_.batches + static_cast<int64_t>(b.index) + 1};
    if (Status st = opt_.checkpoint->save(file_.path, at); !st) return st;
  }
  summary.rows += b.rows_read;
  summary.rejected += b.rejected;
  undecodable_ += b.undecodable;
  for (auto& e : b.errors) {
    ++summary.errors_by_code[e.code];
    summary.errors.push_back(std::move(e));
  }
  progress_.draw(b.file_offset_end, reader_.size(), summary.rows, false);
  return Status::Ok();
}

Status Engine::write_all(Summary& summary) {
  for (size_t next = 0;; ++next) {
    Parsed b = next_done(next);
    if (!b.batch) return Status::Ok();
    if (Status st = commit(*b.batch, summary); !st) return st;
    std::lock_guard lk(mu_);
    ++batches_written_;
    spare_[b.worker].push_back(std::move(b.batch));
    cv_space_.notify_all();
  }
}

void Engine::stop_threads(std::thread& reader, std::vector<std::thread>& workers) {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    cv_work_.notify_all();
    cv_space_.notify_all();
  }
  reader.join();
  for (auto& w : workers) w.join();
}

// When no row could be decoded the encoding is wrong, not the rows: say which one was used
// and how to choose another.
std::string Engine::encoding_notice(int64_t rows, int64_t undecodable) const {
  if (rows == 0 || undecodable < rows) return "";
  const bool sjis = file_.encoding == core::Encoding::kShiftJis;
  const std::string used = sjis ? "Shift_JIS" : "UTF-8";
  const std::string how = file_.encoding_given ? "--encoding で " + used + " が指定されています"
                                               : "文字コードを自動判定し " + used + " としました";
  return "すべての行が " + used + " として読めませんでした（" + how +
         "）。ファイルの文字コードを --encoding " + (sjis ? "utf-8" : "shift_jis") +
         " で指定して、もう一度取り込んでください";
}

Result<Summary> Engine::run() {
  if (Status st = open(); !st) return st.error();
  if (Status st = stages_.start(file_); !st) return st.error();
  std::thread reader([this] { reader_loop(); });
  std::vector<std::thread> workers;
  spare_.resize(static_cast<size_t>(opt_.threads));
  for (int i = 0; i < opt_.threads; ++i)
    workers.emplace_back([this, i] { worker_loop(static_cast<size_t>(i)); });
  Summary summary;
  Status failure = write_all(summary);
  stop_threads(reader, workers);
  if (!failure) return failure.error();
  return finish(summary);
}

// The same stages on the calling thread, one batch after the other: cut, parse, write.
Result<Summary> Engine::run_here() {
  if (Status st = open(); !st) return st.error();
  if (Status st = stages_.start(file_); !st) return st.error();
  Summary summary;
  int64_t row = file_.first_row - 1;
  RawBatch raw;
  std::unique_ptr<BatchBase> parsed;
  for (bool more = true; more;) {
    raw.bytes.clear();
    raw.starts.clear();
    raw.rows.clear();
    more = cut(raw, row);
    if (raw.starts.empty()) break;
    raw.index = batches_read_++;
    raw.file_offset_end = reader_.offset();
    if (parsed) stages_.reuse(*parsed, raw.starts.size());
    else parsed = stages_.new_batch(raw.starts.size());
    parse_batch(raw, *parsed, file_columns_, shape_, stages_, file_);
    if (Status st = commit(*parsed, summary); !st) return st.error();
  }
  return finish(summary);
}

// After the last batch: a read error, the checkpoint cleared, the notice.
Result<Summary> Engine::finish(Summary& summary) {
  if (!reader_.status()) return reader_.status().error();
  if (opt_.checkpoint) {
    if (Status st = opt_.checkpoint->clear(); !st) return st.error();
  }
  progress_.draw(reader_.offset(), reader_.size(), summary.rows, true);
  summary.file = file_;
  summary.notice = encoding_notice(summary.rows, undecodable_);
  return std::move(summary);
}

}  // namespace
}  // namespace internal

Result<Summary> detail::run(const std::filesystem::path& file, const Shape& shape, Stages& stages,
                            const Options& options) {
  internal::Engine engine(file, shape, stages, options);
  return engine.run();
}

Result<Summary> detail::run_bytes(std::string_view bytes, const Shape& shape, Stages& stages,
                                  const Options& options) {
  internal::Engine engine(bytes, shape, stages, options);
  return engine.run_here();
}

}  // namespace onshi::batch
