// Bulk import of a member CSV (`onshi import`): a streaming pipeline of reader → validators
// → one writer, so a file of millions of rows runs in bounded memory at the speed of the
// slowest stage.
//
// The reader cuts the raw bytes into records without decoding them: every byte the CSV
// grammar cares about (',', '"', CR, LF) is ASCII, and neither UTF-8 nor Shift_JIS (CP932)
// ever uses an ASCII byte inside a multi-byte character, so record boundaries found on the
// raw bytes are the true ones in both encodings. Records are grouped into batches of
// `batch_size`; worker threads decode a batch (one ICU call for a whole CP932 batch),
// split fields (RFC 4180: quotes, doubled quotes, CRLF or LF, newlines inside quotes),
// validate and seal; the writer commits each batch in file order as one store transaction.
// A crash therefore loses at most the batches not yet committed, and since registering an
// identical record is a no-op, re-running the file ends in the state of one clean run.
// Nothing else is written until the end, when the run's summary is recorded.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/csv.h"
#include "core/text.h"
#include "registry/fields.h"

namespace onshi::registry {
namespace {

using detail::FieldValues;
using detail::kFieldCount;

constexpr size_t kChunk = 8u << 20;  // bytes read per call

using core::csv_chop_cr;
using core::csv_record_end;
using core::csv_split;

// ---- batches ----

struct RawBatch {
  size_t index = 0;
  std::string bytes;               // records in file encoding, each followed by '\n'
  std::vector<uint32_t> starts;    // start offset of each record in `bytes`
  std::vector<int64_t> rows;       // data row number of each record
  uint64_t file_offset_end = 0;    // bytes of the file consumed through this batch
};

struct DoneBatch {
  std::vector<store::PutItem> items;
  std::vector<int64_t> item_rows;  // data row of each item
  std::vector<RecordError> errors;
  int64_t rejected = 0;
  int64_t rows = 0;
  uint64_t file_offset_end = 0;
};

// Two independent 64-bit hashes of a card key: the importer remembers every key of the file
// in ~50 bytes, and two different keys share a fingerprint with odds of about 2^-128.
struct KeyFingerprint {
  uint64_t a = 0, b = 0;
  bool operator==(const KeyFingerprint&) const = default;
};
struct KeyFingerprintHash {
  size_t operator()(const KeyFingerprint& f) const { return static_cast<size_t>(f.a); }
};
KeyFingerprint fingerprint(std::string_view key) {
  uint64_t fnv = 1469598103934665603ULL;
  for (unsigned char c : key) fnv = (fnv ^ c) * 1099511628211ULL;
  return {std::hash<std::string_view>{}(key), fnv};
}

struct Header {
  std::vector<int> column_field;  // field index of each column
};

Error file_error(const std::filesystem::path& p, const std::string& why) {
  return Error{"E_FILE", "", "ファイル " + p.filename().string() + " を読めません: " + why};
}

// Decides the encoding: BOM → UTF-8; otherwise look at the text around the first
// non-ASCII byte (an all-ASCII file is UTF-8).
Result<core::Encoding> detect_file_encoding(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return file_error(p, "開けません");
  std::string buf(1 << 20, '\0');
  bool first = true;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    std::string_view v(buf.data(), got);
    if (first && v.substr(0, 3) == "\xEF\xBB\xBF") return core::Encoding::kUtf8;
    first = false;
    size_t k = 0;
    while (k < v.size() && static_cast<unsigned char>(v[k]) < 0x80) ++k;
    if (k == v.size()) continue;
    size_t line = v.rfind('\n', k);
    line = line == std::string_view::npos ? 0 : line + 1;
    std::string window(v.substr(line));
    // Extend to a line end so a multi-byte character is not cut.
    size_t last_nl = window.rfind('\n');
    if (last_nl != std::string::npos && last_nl > k - line) {
      window.resize(last_nl);
    } else {
      std::string more(1 << 16, '\0');
      in.read(more.data(), static_cast<std::streamsize>(more.size()));
      window.append(more.data(), static_cast<size_t>(in.gcount()));
      size_t nl = window.find('\n', k - line);
      if (nl != std::string::npos) window.resize(nl);
    }
    return core::detect_encoding(window);
  }
  return core::Encoding::kUtf8;
}

class Importer {
 public:
  Importer(store::Store& store, const security::Keyring& keyring,
           const std::filesystem::path& csv, const ImportOptions& options)
      : store_(store), keyring_(keyring), path_(csv), opt_(options) {
    if (opt_.batch_size == 0) opt_.batch_size = 1;
    if (opt_.threads < 1) opt_.threads = 1;
    source_ = "import:" + csv.filename().string();
    today_ = core::Date::today_jst();
  }

  Result<Report> run();

 private:
  Status open_and_read_header();
  Status read_columns(const std::vector<std::string_view>& cols);
  void reject_duplicates(DoneBatch& d);
  std::string encoding_notice(int64_t rows, int64_t undecodable) const;
  void reader_loop();
  void worker_loop();
  DoneBatch process(RawBatch& b);
  void process_record(std::string_view rec, int64_t row, DoneBatch& out,
                      std::vector<std::string_view>& cols, std::deque<std::string>& scratch);
  void reject(DoneBatch& out, int64_t row, std::string field, std::string code,
              std::string message) {
    ++out.rejected;
    out.errors.push_back(RecordError{row, std::move(field), std::move(code), std::move(message)});
  }
  bool fill();  // reads more bytes into buf_; false at EOF
  void draw_progress(bool final);

  store::Store& store_;
  const security::Keyring& keyring_;
  std::filesystem::path path_;
  ImportOptions opt_;
  std::string source_;
  core::Date today_;
  core::Encoding encoding_ = core::Encoding::kUtf8;
  Header header_;

  // reader state
  std::FILE* file_ = nullptr;
  uint64_t file_size_ = 0;
  uint64_t consumed_ = 0;  // file bytes before buf_[0]
  std::string buf_;
  size_t pos_ = 0;  // start of the next record in buf_
  bool eof_ = false;

  // pipeline
  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_, cv_space_;
  std::deque<RawBatch> work_;
  std::map<size_t, DoneBatch> done_;
  size_t batches_read_ = 0;
  size_t batches_committed_ = 0;
  bool reader_finished_ = false;
  bool stop_ = false;
  Status reader_status_;

  // duplicate keys: a fingerprint of each card key registered from this file → its row
  std::unordered_map<KeyFingerprint, int64_t, KeyFingerprintHash> first_row_of_key_;

  // progress
  std::chrono::steady_clock::time_point started_, last_draw_;
  int64_t rows_done_ = 0;
  uint64_t committed_bytes_ = 0;
};

bool Importer::fill() {
  if (eof_) return false;
  // Keep the unfinished record; drop what was consumed.
  if (pos_ > 0) {
    consumed_ += pos_;
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old = buf_.size();
  buf_.resize(old + kChunk);
  size_t got = std::fread(buf_.data() + old, 1, kChunk, file_);
  buf_.resize(old + got);
  if (got == 0 && std::ferror(file_)) {
    std::lock_guard lk(mu_);
    reader_status_ = file_error(path_, "読み込み中にエラーが発生しました");
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

Status Importer::open_and_read_header() {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec))
    return file_error(path_, "存在しないか通常のファイルではありません");
  file_size_ = std::filesystem::file_size(path_, ec);
  if (opt_.encoding) {
    encoding_ = *opt_.encoding;
  } else {
    auto enc = detect_file_encoding(path_);
    if (!enc) return enc.status();
    encoding_ = *enc;
  }
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) return file_error(path_, std::strerror(errno));

  // The header record.
  bool in_quotes = false;
  const char* endp = nullptr;
  size_t scan = 0;
  for (;;) {
    endp = csv_record_end(buf_.data() + scan, buf_.data() + buf_.size(), in_quotes);
    if (endp) break;
    scan = buf_.size();
    if (!fill()) break;
  }
  size_t hend = endp ? static_cast<size_t>(endp - buf_.data()) : buf_.size();
  std::string raw(csv_chop_cr(std::string_view(buf_).substr(0, hend)));
  pos_ = endp ? hend + 1 : buf_.size();
  if (raw.substr(0, 3) == "\xEF\xBB\xBF") raw.erase(0, 3);
  std::string text;
  if (encoding_ == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(raw);
    if (!u)
      return Error{"E_ENCODING", "",
                   std::string("見出し行を Shift_JIS として読めません（") +
                       (opt_.encoding ? "--encoding の指定" : "自動判定") +
                       "）。UTF-8 のファイルなら --encoding utf-8 を指定してください"};
    text = std::move(*u);
  } else {
    if (!core::is_valid_utf8(raw))
      return Error{"E_ENCODING", "",
                   std::string("見出し行が UTF-8 ではありません（") +
                       (opt_.encoding ? "--encoding の指定" : "自動判定") +
                       "）。Shift_JIS のファイルなら --encoding shift_jis を指定してください"};
    text = std::move(raw);
  }
  if (text.empty()) return Error{"E_CSV_HEADER", "", "見出し行がありません（空のファイル）"};
  std::vector<std::string_view> cols;
  std::deque<std::string> scratch;
  if (!csv_split(text, cols, scratch))
    return Error{"E_CSV_HEADER", "", "見出し行の引用符が閉じていません"};
  return read_columns(cols);
}

// Maps the header's columns to fields; collects every unknown, duplicate and missing column
// so that one run tells the whole fix.
Status Importer::read_columns(const std::vector<std::string_view>& cols) {
  bool seen[kFieldCount] = {};
  std::vector<RecordError> problems;
  for (auto c : cols) {
    while (!c.empty() && (c.front() == ' ' || c.front() == '\t')) c.remove_prefix(1);
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
    int f = detail::field_index(c);
    std::string shown(c.substr(0, 64));
    if (f < 0) {
      problems.push_back({0, shown, "E_CSV_HEADER", "不明な列「" + shown + "」があります"});
    } else if (seen[f]) {
      problems.push_back({0, shown, "E_CSV_HEADER", "列「" + shown + "」が重複しています"});
    } else {
      seen[f] = true;
    }
    header_.column_field.push_back(f);
  }
  for (const auto& req : required_fields()) {
    if (!seen[detail::field_index(req)])
      problems.push_back({0, req, "E_CSV_HEADER", "必須の列「" + req + "」がありません"});
  }
  if (problems.empty()) return Status::Ok();
  std::string message = problems.front().message;
  for (size_t i = 1; i < problems.size(); ++i) message += "。" + problems[i].message;
  Error e{"E_CSV_HEADER", problems.front().field, message};
  if (opt_.file_problems) *opt_.file_problems = std::move(problems);
  return e;
}

void Importer::reader_loop() {
  int64_t row = 0;
  size_t index = 0;
  RawBatch batch;
  bool in_quotes = false;
  size_t scan = pos_;  // resume point within the current record
  // Hands the batch to the workers, waiting while too many are in flight; false on stop.
  auto flush = [&]() -> bool {
    std::unique_lock lk(mu_);
    cv_space_.wait(lk, [&] {
      return stop_ || batches_read_ - batches_committed_ < static_cast<size_t>(opt_.threads) + 2;
    });
    if (stop_) return false;
    if (!batch.starts.empty()) {
      batch.index = index++;
      batch.file_offset_end = consumed_ + pos_;
      ++batches_read_;
      work_.push_back(std::move(batch));
      cv_work_.notify_one();
    }
    batch = RawBatch{};
    return true;
  };
  for (;;) {
    const char* base = buf_.data();
    const char* endp = csv_record_end(base + scan, base + buf_.size(), in_quotes);
    size_t rec_end;
    if (endp) {
      rec_end = static_cast<size_t>(endp - base);
    } else {
      size_t keep_scan = buf_.size() - pos_;
      if (fill()) {
        scan = pos_ + keep_scan;
        continue;
      }
      if (pos_ >= buf_.size()) break;  // clean EOF
      rec_end = buf_.size();           // last record without a newline
    }
    std::string_view rec = csv_chop_cr(std::string_view(buf_).substr(pos_, rec_end - pos_));
    pos_ = std::min(rec_end + 1, buf_.size());
    scan = pos_;
    in_quotes = false;
    if (!rec.empty()) {
      batch.starts.push_back(static_cast<uint32_t>(batch.bytes.size()));
      batch.rows.push_back(++row);
      batch.bytes.append(rec);
      batch.bytes.push_back('\n');
      if (batch.starts.size() >= opt_.batch_size && !flush()) return;
    }
    if (!endp && eof_) break;
  }
  flush();
  std::lock_guard lk(mu_);
  reader_finished_ = true;
  cv_work_.notify_all();
  cv_done_.notify_all();
}

void Importer::process_record(std::string_view rec, int64_t row, DoneBatch& out,
                              std::vector<std::string_view>& cols,
                              std::deque<std::string>& scratch) {
  scratch.clear();
  if (!csv_split(rec, cols, scratch)) {
    reject(out, row, "", "E_CSV_QUOTE", "引用符（\"）の使い方が正しくありません");
    return;
  }
  if (cols.size() != header_.column_field.size()) {
    reject(out, row, "", "E_CSV_FIELDS",
           "列の数が見出し行と違います（" + std::to_string(cols.size()) + " 列、見出しは " +
               std::to_string(header_.column_field.size()) + " 列）");
    return;
  }
  FieldValues values{};
  for (size_t c = 0; c < cols.size(); ++c) values[header_.column_field[c]] = cols[c];
  auto r = detail::validate_values(values, today_);
  if (auto* errs = std::get_if<std::vector<Error>>(&r)) {
    ++out.rejected;
    for (auto& e : *errs)
      out.errors.push_back(
          RecordError{row, std::move(e.field), std::move(e.code), std::move(e.message)});
    return;
  }
  out.items.push_back(
      detail::make_put_item(std::move(std::get<ValidatedRecord>(r)), keyring_, source_));
  out.item_rows.push_back(row);
}

DoneBatch Importer::process(RawBatch& b) {
  DoneBatch out;
  out.rows = static_cast<int64_t>(b.starts.size());
  out.file_offset_end = b.file_offset_end;
  out.items.reserve(b.starts.size());
  std::vector<std::string_view> cols;
  cols.reserve(header_.column_field.size());
  std::deque<std::string> scratch;
  auto record_at = [&](const std::string& bytes, size_t i) {
    size_t s = b.starts[i];
    size_t e = (i + 1 < b.starts.size() ? b.starts[i + 1] : bytes.size()) - 1;
    return std::string_view(bytes).substr(s, e - s);
  };
  auto one_by_one = [&] {
    for (size_t i = 0; i < b.starts.size(); ++i) {
      std::string_view raw = record_at(b.bytes, i);
      if (encoding_ == core::Encoding::kShiftJis) {
        auto u = core::shift_jis_to_utf8(raw);
        if (!u) {
          reject(out, b.rows[i], "", "E_ENCODING", "Shift_JIS として読めない文字があります");
          continue;
        }
        process_record(*u, b.rows[i], out, cols, scratch);
      } else {
        if (!core::is_valid_utf8(raw)) {
          reject(out, b.rows[i], "", "E_ENCODING", "UTF-8 として読めない文字があります");
          continue;
        }
        process_record(raw, b.rows[i], out, cols, scratch);
      }
    }
  };
  if (encoding_ == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(b.bytes);
    if (!u) {
      one_by_one();
    } else {
      // Re-split the converted text; the structure bytes are unchanged by conversion.
      const std::string& text = *u;
      std::vector<uint32_t> starts;
      starts.reserve(b.starts.size());
      size_t p = 0;
      bool ok = true;
      while (p < text.size()) {
        bool q = false;
        const char* e = csv_record_end(text.data() + p, text.data() + text.size(), q);
        if (!e) {
          ok = false;
          break;
        }
        starts.push_back(static_cast<uint32_t>(p));
        p = static_cast<size_t>(e - text.data()) + 1;
      }
      if (!ok || starts.size() != b.starts.size()) {
        one_by_one();
      } else {
        b.starts = std::move(starts);
        for (size_t i = 0; i < b.starts.size(); ++i)
          process_record(record_at(text, i), b.rows[i], out, cols, scratch);
      }
    }
  } else if (core::is_valid_utf8(b.bytes)) {
    for (size_t i = 0; i < b.starts.size(); ++i)
      process_record(record_at(b.bytes, i), b.rows[i], out, cols, scratch);
  } else {
    one_by_one();
  }
  return out;
}

void Importer::worker_loop() {
  for (;;) {
    RawBatch b;
    {
      std::unique_lock lk(mu_);
      cv_work_.wait(lk, [&] { return stop_ || !work_.empty() || reader_finished_; });
      if (stop_ || (work_.empty() && reader_finished_)) return;
      b = std::move(work_.front());
      work_.pop_front();
    }
    DoneBatch d = process(b);
    std::lock_guard lk(mu_);
    done_.emplace(b.index, std::move(d));
    cv_done_.notify_all();
  }
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void Importer::draw_progress(bool final) {
  if (!opt_.progress) return;
  auto now = std::chrono::steady_clock::now();
  if (!final && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - started_).count();
  uint64_t done_bytes = committed_bytes_;  // the part of the file already committed
  double frac = file_size_ ? static_cast<double>(done_bytes) / static_cast<double>(file_size_) : 1;
  if (final) frac = 1;
  int width = 30;
  int fill_n = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(fill_n), '#');
  bar.append(static_cast<size_t>(width - fill_n), ' ');
  double rate = secs > 0 ? static_cast<double>(rows_done_) / secs : 0;
  double eta = frac > 0 && frac < 1 ? secs * (1 - frac) / frac : 0;
  char line[256];
  std::snprintf(line, sizeof line, "\r[%s] %5.1f%%  %s 行  %s 行/秒  残り %d:%02d ", bar.c_str(),
                frac * 100, with_commas(rows_done_).c_str(),
                with_commas(static_cast<int64_t>(rate)).c_str(), static_cast<int>(eta) / 60,
                static_cast<int>(eta) % 60);
  std::fputs(line, stderr);
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

// The first valid row of a key wins; later rows with its key are rejected, so a file holds
// one state per key and a re-run changes nothing (batches arrive here in file order).
void Importer::reject_duplicates(DoneBatch& d) {
  size_t kept = 0;
  bool rejected_any = false;
  for (size_t i = 0; i < d.items.size(); ++i) {
    const int64_t row = d.item_rows[i];
    auto [it, fresh] =
        first_row_of_key_.emplace(fingerprint(d.items[i].qualification.card_key()), row);
    if (!fresh) {
      ++d.rejected;
      rejected_any = true;
      d.errors.push_back(RecordError{
          row, "", "E_DUPLICATE_KEY",
          "行 " + std::to_string(row) + " は行 " + std::to_string(it->second) +
              " と同じ資格（保険者番号・記号・番号・枝番）です。ファイルの中では最初の行（行 " +
              std::to_string(it->second) + "）だけを登録し、この行は登録しません"});
      continue;
    }
    if (kept != i) {
      d.items[kept] = std::move(d.items[i]);
      d.item_rows[kept] = row;
    }
    ++kept;
  }
  d.items.resize(kept);
  d.item_rows.resize(kept);
  if (rejected_any)
    std::stable_sort(d.errors.begin(), d.errors.end(),
                     [](const RecordError& x, const RecordError& y) { return x.row < y.row; });
}

// When no row could be decoded the encoding is wrong, not the rows: say which one was used
// and how to choose another.
std::string Importer::encoding_notice(int64_t rows, int64_t undecodable) const {
  if (rows == 0 || undecodable < rows) return "";
  const bool sjis = encoding_ == core::Encoding::kShiftJis;
  const std::string used = sjis ? "Shift_JIS" : "UTF-8";
  const std::string how = opt_.encoding ? "--encoding で " + used + " が指定されています"
                                        : "文字コードを自動判定し " + used + " としました";
  return "すべての行が " + used + " として読めませんでした（" + how +
         "）。ファイルの文字コードを --encoding " + (sjis ? "utf-8" : "shift_jis") +
         " で指定して、もう一度取り込んでください";
}

Result<Report> Importer::run() {
  started_ = last_draw_ = std::chrono::steady_clock::now();
  if (Status st = open_and_read_header(); !st) {
    if (file_) std::fclose(file_);
    file_ = nullptr;
    return st.error();
  }
  std::thread reader([this] { reader_loop(); });
  std::vector<std::thread> workers;
  for (int i = 0; i < opt_.threads; ++i) workers.emplace_back([this] { worker_loop(); });

  Report report;
  std::map<std::string, int64_t> by_code;
  Status failure;
  for (size_t next = 0;; ++next) {
    DoneBatch d;
    {
      std::unique_lock lk(mu_);
      cv_done_.wait(lk, [&] {
        return done_.count(next) > 0 || (reader_finished_ && next >= batches_read_);
      });
      auto it = done_.find(next);
      if (it == done_.end()) break;
      d = std::move(it->second);
      done_.erase(it);
    }
    reject_duplicates(d);
    if (!d.items.empty()) {
      auto outcomes = store_.put_qualifications(d.items);
      if (!outcomes) {
        failure = outcomes.status();
        break;
      }
      for (auto o : *outcomes) {
        if (o == store::PutOutcome::kUnchanged) ++report.unchanged;
        else ++report.accepted;
      }
    }
    report.rejected += d.rejected;
    for (auto& e : d.errors) {
      ++by_code[e.code];
      report.errors.push_back(std::move(e));
    }
    rows_done_ += d.rows;
    committed_bytes_ = d.file_offset_end;
    {
      std::lock_guard lk(mu_);
      ++batches_committed_;
      cv_space_.notify_all();
    }
    draw_progress(false);
  }
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    cv_work_.notify_all();
    cv_space_.notify_all();
  }
  reader.join();
  for (auto& w : workers) w.join();
  std::fclose(file_);
  file_ = nullptr;
  if (!failure) return failure.error();
  if (!reader_status_) return reader_status_.error();
  draw_progress(true);
  const auto undecodable = by_code.find("E_ENCODING");
  report.notice =
      encoding_notice(rows_done_, undecodable == by_code.end() ? 0 : undecodable->second);

  store::ImportRun run;
  run.started_at_us = core::now_unix_us() -
                      std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();
  run.source = path_.filename().string();
  run.accepted = report.accepted;
  run.unchanged = report.unchanged;
  run.rejected = report.rejected;
  std::string j = "{";
  for (const auto& [code, n] : by_code) {
    if (j.size() > 1) j.push_back(',');
    detail::append_json_string(j, code);
    j += ":" + std::to_string(n);
  }
  j += "}";
  run.rejected_by_code_json = std::move(j);
  if (Status st = store_.record_import(run); !st) return st.error();
  return report;
}

}  // namespace

Result<Report> import_csv(store::Store& store, const security::Keyring& keyring,
                          const std::filesystem::path& csv, const ImportOptions& options) {
  Importer importer(store, keyring, csv, options);
  return importer.run();
}

}  // namespace onshi::registry
