// From a raw batch to the input's rows, on a worker thread: decode, split, map the file's
// columns to the input's, and hand each row to the input's parse (or unreadable) hook.
//
// A Shift_JIS batch is converted with one ICU call and re-cut into records (the structure
// bytes are unchanged by conversion); only a batch holding an undecodable row is redone row by
// row, so one bad byte costs its row and not the batch. Fixed-length records are cut on the
// raw bytes (widths are bytes of the file's encoding) and decoded field by field.
#include <algorithm>
#include <deque>

#include "batch/detail.h"
#include "core/csv.h"

namespace onshi::batch {

void BatchBase::reject(int64_t row, std::string field, std::string code, std::string message) {
  ++rejected;
  errors.push_back(RowError{row, std::move(field), std::move(code), std::move(message)});
}

namespace detail {

void Stages::reuse(BatchBase& b, size_t) {
  b.index = 0;
  b.rows_read = b.rejected = b.undecodable = b.last_row = 0;
  b.file_offset_end = 0;
  b.errors.clear();
  b.output.clear();
}

RowError unreadable_error(const Row& row) {
  const bool sjis = row.encoding == core::Encoding::kShiftJis;
  switch (row.problem) {
    case Unreadable::kEncoding:
      return {row.number, "", "E_ENCODING",
              std::string(sjis ? "Shift_JIS" : "UTF-8") + " として読めない文字があります"};
    case Unreadable::kQuote:
      return {row.number, "", "E_CSV_QUOTE", "引用符（\"）の使い方が正しくありません"};
    case Unreadable::kFieldCount:
      return {row.number, "", "E_CSV_FIELDS",
              "列の数が見出し行と違います（" + std::to_string(row.fields_in_row) +
                  " 列、見出しは " + std::to_string(row.fields_in_header) + " 列）"};
    case Unreadable::kLength:
      return {row.number, "", "E_RECORD_LENGTH", "レコードの長さがレイアウトと違います"};
    case Unreadable::kNone:
      break;
  }
  return {row.number, "", "E_ROW", ""};
}

}  // namespace detail

namespace internal {

// One worker's reusable buffers and the batch it is parsing.
struct RowParser {
  BatchBase& out;
  const std::vector<int>& file_columns;
  const Shape& shape;
  Stages& stages;
  const FileInfo& file;
  std::vector<std::string_view> fields;
  std::vector<std::string_view> values;
  std::deque<std::string> scratch;

  Row row(int64_t number, std::string_view text, Unreadable problem) {
    Row r;
    r.number = number;
    r.values = &values;
    r.text = text;
    r.problem = problem;
    r.encoding = file.encoding;
    r.fields_in_row = fields.size();
    r.fields_in_header = file_columns.size();
    r.file_columns = &file_columns;
    return r;
  }

  // Values by the input's column from `fields` in file order, then the input's hook.
  void hand_over(int64_t number, std::string_view text, Unreadable problem) {
    values.assign(shape.columns->size(), std::string_view());
    const size_t n = std::min(fields.size(), file_columns.size());
    for (size_t c = 0; c < n; ++c) values[static_cast<size_t>(file_columns[c])] = fields[c];
    stages.parse(out, row(number, text, problem));
  }

  void undecodable(int64_t number) {
    ++out.undecodable;
    fields.clear();
    hand_over(number, "", Unreadable::kEncoding);
  }

  // A CSV record decoded to UTF-8.
  void csv_record(int64_t number, std::string_view text) {
    scratch.clear();
    if (!core::csv_split(text, fields, scratch, shape.strict_quotes))
      return hand_over(number, text, Unreadable::kQuote);
    if (fields.size() != file_columns.size())
      return hand_over(number, text, Unreadable::kFieldCount);
    hand_over(number, text, Unreadable::kNone);
  }

  // A fixed-length record in the file's encoding: cut, then decode each field.
  void fixed_record(int64_t number, std::string_view raw) {
    std::string text(raw);
    if (file.encoding == core::Encoding::kShiftJis) {
      auto u = core::shift_jis_to_utf8(raw);
      if (!u) return undecodable(number);
      text = std::move(*u);
    } else if (!core::is_valid_utf8(raw)) {
      return undecodable(number);
    }
    if (!(*shape.split)(raw, fields)) return hand_over(number, text, Unreadable::kLength);
    scratch.clear();
    if (file.encoding == core::Encoding::kShiftJis) {
      for (auto& f : fields) {
        auto u = core::shift_jis_to_utf8(f);
        if (!u) return undecodable(number);  // a character cut by a width
        f = scratch.emplace_back(std::move(*u));
      }
    } else {
      for (auto f : fields)
        if (!core::is_valid_utf8(f)) return undecodable(number);
    }
    hand_over(number, text, Unreadable::kNone);
  }

  // Each record decoded on its own: a bad byte costs only its row.
  void one_by_one(const RawBatch& b) {
    for (size_t i = 0; i < b.starts.size(); ++i) {
      std::string_view raw = record_at(b.bytes, b.starts, i);
      if (file.encoding == core::Encoding::kShiftJis) {
        auto u = core::shift_jis_to_utf8(raw);
        if (!u) undecodable(b.rows[i]);
        else csv_record(b.rows[i], *u);
      } else if (!core::is_valid_utf8(raw)) {
        undecodable(b.rows[i]);
      } else {
        csv_record(b.rows[i], raw);
      }
    }
  }

  static std::string_view record_at(const std::string& bytes, const std::vector<uint32_t>& starts,
                                    size_t i) {
    size_t s = starts[i];
    size_t e = (i + 1 < starts.size() ? starts[i + 1] : bytes.size()) - 1;
    return std::string_view(bytes).substr(s, e - s);
  }
};

// Offsets of the records of converted text, or false when they do not match the raw batch.
static bool recut(const std::string& text, size_t expected, std::vector<uint32_t>& starts) {
  starts.clear();
  starts.reserve(expected);
  size_t p = 0;
  while (p < text.size()) {
    bool q = false;
    const char* e = core::csv_record_end(text.data() + p, text.data() + text.size(), q);
    if (!e) return false;
    starts.push_back(static_cast<uint32_t>(p));
    p = static_cast<size_t>(e - text.data()) + 1;
  }
  return starts.size() == expected;
}

void parse_batch(RawBatch& b, BatchBase& out, const std::vector<int>& file_columns,
                 const Shape& shape, Stages& stages, const FileInfo& file) {
  out.index = b.index;
  out.rows_read = static_cast<int64_t>(b.starts.size());
  out.file_offset_end = b.file_offset_end;
  out.last_row = b.rows.empty() ? 0 : b.rows.back();
  RowParser p{out, file_columns, shape, stages, file, {}, {}, {}};
  p.fields.reserve(file_columns.size());
  if (shape.split) {
    for (size_t i = 0; i < b.starts.size(); ++i)
      p.fixed_record(b.rows[i], RowParser::record_at(b.bytes, b.starts, i));
  } else if (file.encoding == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(b.bytes);
    std::vector<uint32_t> starts;
    if (!u || !recut(*u, b.starts.size(), starts)) {
      p.one_by_one(b);
    } else {
      for (size_t i = 0; i < starts.size(); ++i)
        p.csv_record(b.rows[i], RowParser::record_at(*u, starts, i));
    }
  } else if (core::is_valid_utf8(b.bytes)) {
    for (size_t i = 0; i < b.starts.size(); ++i)
      p.csv_record(b.rows[i], RowParser::record_at(b.bytes, b.starts, i));
  } else {
    p.one_by_one(b);
  }
  stages.prepare(out, file);
}

namespace {

// Stages that hand each row to a callback (for_each_row).
class CallbackStages final : public Stages {
 public:
  explicit CallbackStages(const std::function<void(const Row&)>& each) : each_(each) {}
  std::unique_ptr<BatchBase> new_batch(size_t) override { return std::make_unique<BatchBase>(); }
  void parse(BatchBase&, const Row& row) override { each_(row); }
  void prepare(BatchBase&, const FileInfo&) override {}
  Status start(const FileInfo&) override { return Status::Ok(); }
  Status write(BatchBase&) override { return Status::Ok(); }

 private:
  const std::function<void(const Row&)>& each_;
};

// The record starting at `p` (a CR before its LF dropped); `p` moves past its line end.
std::string_view next_record(const char*& p, const char* end) {
  bool in_quotes = false;
  const char* e = core::csv_record_end(p, end, in_quotes);
  if (!e) e = end;
  std::string_view rec(p, static_cast<size_t>(e - p));
  p = e < end ? e + 1 : end;
  return core::csv_chop_cr(rec);
}

}  // namespace
}  // namespace internal

Status for_each_row(std::string_view text, const std::vector<Column>& columns,
                    bool strict_quotes, const std::function<void(const Row&)>& each) {
  const char* p = text.data();
  const char* end = p + text.size();
  auto file_columns = check_header(internal::next_record(p, end), columns, strict_quotes);
  if (!file_columns) return file_columns.error();
  internal::CallbackStages stages(each);
  detail::Shape shape{&columns, strict_quotes, nullptr};
  FileInfo file;
  file.columns = *file_columns;
  BatchBase out;
  internal::RowParser parser{out, *file_columns, shape, stages, file, {}, {}, {}};
  int64_t row = 0;
  while (p < end) {
    std::string_view rec = internal::next_record(p, end);
    if (!rec.empty()) parser.csv_record(++row, rec);
  }
  return Status::Ok();
}

}  // namespace onshi::batch
