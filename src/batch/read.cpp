// Reading a batch input's file: deciding its encoding, cutting raw records, and checking the
// header against the input's columns.
//
// Encoding detection looks at the text around the first non-ASCII byte rather than at a fixed
// prefix, so a file whose first megabytes are ASCII (numbers and dates) is still judged by its
// first Japanese text. The header check collects every unknown, duplicate and missing column
// so that one run tells the whole fix.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>

#include "batch/detail.h"
#include "core/csv.h"

namespace onshi::batch {
namespace internal {

constexpr size_t kChunk = 8u << 20;  // bytes read per call

Error file_error(const std::filesystem::path& p, const std::string& why) {
  return Error{"E_FILE", "", "ファイル " + p.filename().string() + " を読めません: " + why};
}

RecordReader::~RecordReader() {
  if (file_) std::fclose(file_);
}

Status RecordReader::open(const std::filesystem::path& path, bool csv) {
  path_ = path;
  csv_ = csv;
  std::error_code ec;
  if (!readable_input(path)) return file_error(path, "存在しないか通常のファイルではありません");
  stream_ = std::filesystem::is_fifo(path, ec);
  size_ = stream_ ? 0 : std::filesystem::file_size(path, ec);
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) return file_error(path, std::strerror(errno));
  while (buf_.size() < 3 && fill()) {
  }
  if (std::string_view(buf_).substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  return Status::Ok();
}

void RecordReader::open_bytes(std::string_view bytes, bool csv) {
  csv_ = csv;
  size_ = bytes.size();
  buf_.assign(bytes);
  eof_ = true;  // all of it is in the buffer
  if (std::string_view(buf_).substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

bool RecordReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {  // keep the unfinished record; drop what was consumed
    consumed_ += pos_;
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old = buf_.size();
  // No more than the file still holds (plus a little, in case it grew since open): a small
  // file costs a small buffer, not a zero-filled chunk of 8 MiB.
  const uint64_t read_so_far = consumed_ + old;
  const uint64_t left = size_ > read_so_far ? size_ - read_so_far : 0;
  const size_t want =
      stream_ ? kChunk : static_cast<size_t>(std::min<uint64_t>(kChunk, left + 4096));
  buf_.resize(old + want);
  size_t got = std::fread(buf_.data() + old, 1, want, file_);
  buf_.resize(old + got);
  if (got == 0 && std::ferror(file_)) status_ = file_error(path_, "読み込み中にエラーが発生しました");
  if (got == 0) eof_ = true;
  return got > 0;
}

bool RecordReader::next(std::string_view& record) {
  bool in_quotes = false;
  size_t scan = pos_;
  for (;;) {
    const char* base = buf_.data();
    const char* end = base + buf_.size();
    const char* e =
        csv_ ? core::csv_record_end(base + scan, end, in_quotes)
             : static_cast<const char*>(std::memchr(base + scan, '\n', buf_.size() - scan));
    size_t rec_end;
    if (e) {
      rec_end = static_cast<size_t>(e - base);
    } else {
      size_t keep_scan = buf_.size() - pos_;
      if (fill()) {
        scan = pos_ + keep_scan;
        continue;
      }
      if (pos_ >= buf_.size()) return false;  // clean end
      rec_end = buf_.size();                  // the last record without a line end
    }
    record = core::csv_chop_cr(std::string_view(buf_).substr(pos_, rec_end - pos_));
    pos_ = std::min(rec_end + 1, buf_.size());
    return true;
  }
}

core::Encoding RecordReader::stream_encoding() {
  constexpr size_t kMostAhead = size_t{64} << 20;
  if (pos_ == 3 && consumed_ == 0) return core::Encoding::kUtf8;  // after a BOM
  for (;;) {
    const std::string_view v = std::string_view(buf_).substr(pos_);
    const auto non_ascii = std::find_if(v.begin(), v.end(), [](char c) {
      return static_cast<unsigned char>(c) >= 0x80;
    });
    const bool line_seen =
        non_ascii != v.end() && std::find(non_ascii, v.end(), '\n') != v.end();
    if (line_seen || v.size() >= kMostAhead || !fill()) break;
  }
  return detect_bytes_encoding(std::string_view(buf_).substr(pos_));
}

Status RecordReader::seek(uint64_t offset) {
  if (stream_) return file_error(path_, "パイプからの入力は途中から再開できません");
  if (offset > size_) return file_error(path_, "再開位置がファイルの外です");
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0)
    return file_error(path_, std::strerror(errno));
  buf_.clear();
  pos_ = 0;
  consumed_ = offset;
  eof_ = false;
  return Status::Ok();
}

namespace {

// The header record decoded to UTF-8. Errors: E_ENCODING, naming the other --encoding.
Result<std::string> decode_header(std::string raw, const FileInfo& file) {
  const char* how = file.encoding_given ? "--encoding の指定" : "自動判定";
  if (file.encoding == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(raw);
    if (!u)
      return Error{"E_ENCODING", "",
                   std::string("見出し行を Shift_JIS として読めません（") + how +
                       "）。UTF-8 のファイルなら --encoding utf-8 を指定してください"};
    return std::move(*u);
  }
  if (!core::is_valid_utf8(raw))
    return Error{"E_ENCODING", "",
                 std::string("見出し行が UTF-8 ではありません（") + how +
                     "）。Shift_JIS のファイルなら --encoding shift_jis を指定してください"};
  return raw;
}

std::string_view trim_blanks(std::string_view c) {
  while (!c.empty() && (c.front() == ' ' || c.front() == '\t')) c.remove_prefix(1);
  while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
  return c;
}

int column_index(const std::vector<Column>& columns, std::string_view name) {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

Result<std::vector<int>> read_header(RecordReader& reader, const FileInfo& file,
                                     const Shape& shape, std::vector<RowError>* problems) {
  std::string_view rec;
  if (!reader.next(rec)) {
    if (!reader.status()) return reader.status().error();
    return Error{"E_CSV_HEADER", "", "見出し行がありません（空のファイル）"};
  }
  auto text = decode_header(std::string(rec), file);
  if (!text) return text.error();
  if (text->empty()) return Error{"E_CSV_HEADER", "", "見出し行がありません（空のファイル）"};
  return check_header(*text, *shape.columns, shape.strict_quotes, problems);
}

}  // namespace internal

bool readable_input(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  return std::filesystem::is_regular_file(status) || std::filesystem::is_fifo(status);
}

namespace {

// The decision for one chunk of a file (`first`: the file's first): a BOM, else the text around
// the chunk's first non-ASCII byte, from its line's start to a line end — the chunk's last one,
// or when none follows that byte, the first in `more()` (the next 64 KiB), so a multi-byte
// character is not cut; nullopt when the chunk is all ASCII.
template <class More>
std::optional<core::Encoding> chunk_encoding(std::string_view v, bool first, More&& more) {
  if (first && v.substr(0, 3) == "\xEF\xBB\xBF") return core::Encoding::kUtf8;
  size_t k = 0;
  while (k < v.size() && static_cast<unsigned char>(v[k]) < 0x80) ++k;
  if (k == v.size()) return std::nullopt;
  size_t line = v.rfind('\n', k);
  line = line == std::string_view::npos ? 0 : line + 1;
  std::string window(v.substr(line));
  size_t last_nl = window.rfind('\n');
  if (last_nl != std::string::npos && last_nl > k - line) {
    window.resize(last_nl);
  } else {
    window += more();
    size_t nl = window.find('\n', k - line);
    if (nl != std::string::npos) window.resize(nl);
  }
  return core::detect_encoding(window);
}

constexpr size_t kDetectChunk = size_t{1} << 20;
constexpr size_t kDetectMore = size_t{1} << 16;

}  // namespace

Result<core::Encoding> detect_file_encoding(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return internal::file_error(p, "開けません");
  // 1 MiB at a time, or the whole of a smaller file in one read.
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(p, ec);
  const uint64_t cap = ec ? uint64_t{kDetectChunk} : std::min<uint64_t>(kDetectChunk, size + 1);
  std::string buf(static_cast<size_t>(cap), '\0');
  bool first = true;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    auto enc = chunk_encoding(std::string_view(buf.data(), got), first, [&] {
      std::string more(kDetectMore, '\0');
      in.read(more.data(), static_cast<std::streamsize>(more.size()));
      more.resize(static_cast<size_t>(in.gcount()));
      return more;
    });
    if (enc) return *enc;
    first = false;
  }
  return core::Encoding::kUtf8;
}

core::Encoding detect_bytes_encoding(std::string_view bytes) {
  for (size_t at = 0; at < bytes.size(); at += kDetectChunk) {
    const size_t next = std::min(bytes.size(), at + kDetectChunk);
    auto enc = chunk_encoding(bytes.substr(at, kDetectChunk), at == 0,
                              [&] { return std::string(bytes.substr(next, kDetectMore)); });
    if (enc) return *enc;
  }
  return core::Encoding::kUtf8;
}

Result<std::vector<int>> check_header(std::string_view header, const std::vector<Column>& columns,
                                      bool strict_quotes, std::vector<RowError>* problems_out) {
  std::vector<std::string_view> names;
  std::deque<std::string> scratch;
  if (!core::csv_split(core::csv_chop_cr(header), names, scratch, strict_quotes))
    return Error{"E_CSV_HEADER", "", "見出し行の引用符が閉じていません"};
  std::vector<bool> seen(columns.size(), false);
  std::vector<int> file_columns;
  std::vector<RowError> problems;
  for (auto name : names) {
    name = internal::trim_blanks(name);
    int c = internal::column_index(columns, name);
    std::string shown(name.substr(0, 64));
    if (c < 0) {
      problems.push_back({0, shown, "E_CSV_HEADER", "不明な列「" + shown + "」があります"});
    } else if (seen[static_cast<size_t>(c)]) {
      problems.push_back({0, shown, "E_CSV_HEADER", "列「" + shown + "」が重複しています"});
    } else {
      seen[static_cast<size_t>(c)] = true;
    }
    file_columns.push_back(c);
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].required && !seen[c])
      problems.push_back({0, columns[c].name, "E_CSV_HEADER",
                          "必須の列「" + columns[c].name + "」がありません"});
  }
  if (problems.empty()) return file_columns;
  std::string message = problems.front().message;
  for (size_t i = 1; i < problems.size(); ++i) message += "。" + problems[i].message;
  Error e{"E_CSV_HEADER", problems.front().field, message};
  if (problems_out) *problems_out = std::move(problems);
  return e;
}

SplitRecord fixed_width(std::vector<size_t> widths) {
  size_t total = 0;
  for (size_t w : widths) total += w;
  return [widths = std::move(widths), total](std::string_view raw,
                                             std::vector<std::string_view>& fields) {
    fields.clear();
    if (raw.size() != total) return false;
    size_t at = 0;
    for (size_t w : widths) {
      std::string_view f = raw.substr(at, w);
      while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
      fields.push_back(f);
      at += w;
    }
    return true;
  };
}

}  // namespace onshi::batch
