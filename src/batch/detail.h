// Internals of the batch pipeline shared by its source files (not part of the contract): the
// raw record reader, the raw batch the reader hands to the workers, and the progress bar.
//
// The reader never decodes: it cuts records on raw bytes (see batch.h for why that is safe in
// UTF-8 and CP932) and keeps an unfinished record across reads, so a file of any size streams
// through a buffer of a few chunks.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "batch/batch.h"

namespace onshi::batch::internal {

using detail::Shape;
using detail::Stages;

// E_FILE "ファイル NAME を読めません: why".
Error file_error(const std::filesystem::path& p, const std::string& why);

// Records of a file on raw bytes: CSV records (quotes may hold line ends) or, for inputs with
// their own splitter, lines. A leading UTF-8 BOM is skipped. Views returned by next() are
// valid until the following call. The file may be a pipe (standard input, a FIFO, a process's
// output): then it is a stream — read once, front to back, with no size and no seek.
class RecordReader {
 public:
  RecordReader() = default;
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;
  ~RecordReader();
  // Errors: E_FILE (missing, a directory or device, unreadable).
  Status open(const std::filesystem::path& path, bool csv);
  // Records of bytes held in memory (copied), cut exactly as those of a file holding them.
  void open_bytes(std::string_view bytes, bool csv);
  // The next record without its line end (a CR before the LF dropped); false at the end.
  bool next(std::string_view& record);
  // Continues after `offset` bytes of the file (a record boundary from offset()).
  Status seek(uint64_t offset);
  uint64_t offset() const { return consumed_ + pos_; }  // bytes through the last record
  uint64_t size() const { return size_; }  // 0 for a stream
  bool stream() const { return stream_; }
  // A stream's encoding, decided on its first bytes (read ahead and kept: up to the first
  // non-ASCII byte's line, at most 64 MiB) as detect_file_encoding decides it for a file.
  core::Encoding stream_encoding();
  const Status& status() const { return status_; }  // a read error, if one happened

 private:
  bool fill();  // reads more bytes, keeping the unfinished record; false at the end
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  bool csv_ = true;
  bool stream_ = false;
  uint64_t size_ = 0;
  uint64_t consumed_ = 0;  // file bytes before buf_[0]
  std::string buf_;
  size_t pos_ = 0;  // start of the next record in buf_
  bool eof_ = false;
  Status status_;
};

// The header record (raw, BOM skipped) decoded and checked. Errors: E_ENCODING, E_CSV_HEADER.
Result<std::vector<int>> read_header(RecordReader& reader, const FileInfo& file,
                                     const Shape& shape, std::vector<RowError>* problems);

// Records as read, in the file's encoding, each followed by '\n'.
struct RawBatch {
  size_t index = 0;
  std::string bytes;
  std::vector<uint32_t> starts;  // offset of each record in `bytes`
  std::vector<int64_t> rows;     // data row number of each record
  uint64_t file_offset_end = 0;
};

// Decodes, splits and hands every record of `raw` to the input (worker threads).
void parse_batch(RawBatch& raw, BatchBase& out, const std::vector<int>& file_columns,
                 const Shape& shape, Stages& stages, const FileInfo& file);

// The bar drawn on stderr: "[####      ]  12.3%  1,234 行  5,678 行/秒  残り 0:42".
class Progress {
 public:
  Progress(bool enabled, std::string label);  // enabled only when stderr is a terminal
  void draw(uint64_t done_bytes, uint64_t total_bytes, int64_t rows, bool final);

 private:
  bool enabled_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point started_, last_;
};

}  // namespace onshi::batch::internal
