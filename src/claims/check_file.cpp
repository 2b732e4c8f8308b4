// The file run of the claims check (`onshi claims check`): claims CSV in, results CSV out, on
// the batch pipeline (batch/batch.h).
//
// The claims file is an input like any other: its columns, a row → Claim → checked result rows
// (on the pipeline's worker threads, which is where the time goes), and a sink that appends
// each batch's rows to the output in file order. Results are written in the input's encoding
// to OUT.tmp, renamed to OUT only when the whole file is done, so a killed run leaves no
// partial output and a re-run repeats the check from the start (it changes no state).
#include <algorithm>
#include <fstream>

#include "claims/detail.h"
#include "core/files.h"

namespace onshi::claims {
namespace {

// One claim's result rows (CSV, UTF-8) and its counts.
struct Checked {
  std::string csv;
  Summary summary;
};

// `text` (UTF-8 result rows) in CP932; a line with a character that has no CP932 form (e.g.
// in a recorded conversion) keeps its columns and drops its message.
std::string to_shift_jis(const std::string& text) {
  auto s = core::utf8_to_shift_jis(text);
  if (s.ok()) return std::move(*s);
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl - start + 1);
    auto e = core::utf8_to_shift_jis(line);
    if (!e.ok()) {
      size_t cut = line.rfind(',');
      line = line.substr(0, cut + 1) + "(Shift_JIS で表せない文字を含むため省略)\n";
      e = core::utf8_to_shift_jis(line);
    }
    if (e.ok()) out += *e;
    start = nl + 1;
  }
  return out;
}

class ClaimsFile {
 public:
  ClaimsFile(const History& history, store::Store& store, store::TicketStore* tickets,
             const std::filesystem::path& out)
      : history_(history),
        store_(store),
        tickets_(tickets),
        out_(out),
        tmp_(core::is_special_file(out) ? out : std::filesystem::path(out.string() + ".tmp")) {}

  batch::Input<Checked> input() {
    batch::Input<Checked> in;
    in.columns = detail::claim_columns();
    in.strict_quotes = true;
    in.parse = [this](const batch::Row& row) { return check(row); };
    in.unreadable = [this](const batch::Row& row) { return check(row); };
    in.start = [this](const batch::FileInfo& f) { return start(f); };
    in.prepare = [](batch::Batch<Checked>& b, const batch::FileInfo& f) { prepare(b, f); };
    in.write = [this](batch::Batch<Checked>& b) { return write(b); };
    return in;
  }
  // Closes the output and puts it in place. Errors: E_FILE.
  Status finish();
  const Summary& summary() const { return total_; }

 private:
  Checked check(const batch::Row& row) const {
    Checked c;
    for (const auto& r :
         check_claim(history_, store_, detail::claim_of(row), c.summary, tickets_))
      detail::csv_row(c.csv, r, medical_aid_);
    return c;
  }
  Status start(const batch::FileInfo& file);
  static void prepare(batch::Batch<Checked>& b, const batch::FileInfo& file);
  Status write(batch::Batch<Checked>& b);
  Error unwritable() const {
    return Error{"E_FILE", "", "ファイル " + out_.string() + " に書けません"};
  }

  const History& history_;
  store::Store& store_;
  store::TicketStore* tickets_;
  bool medical_aid_ = false;  // the file has a 医療扶助 column: so has the output
  std::filesystem::path out_, tmp_;
  std::ofstream sink_;
  Summary total_;
};

// Opens OUT.tmp and writes the header line in the input's encoding, with the 医療扶助
// columns when the input names one of them.
Status ClaimsFile::start(const batch::FileInfo& file) {
  const size_t base = input_columns().size();
  medical_aid_ = std::any_of(file.columns.begin(), file.columns.end(),
                             [&](int c) { return static_cast<size_t>(c) >= base; });
  sink_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!sink_) return unwritable();
  std::string h = detail::header_line(medical_aid_);
  sink_ << (file.encoding == core::Encoding::kShiftJis ? to_shift_jis(h) : h);
  return Status::Ok();
}

// On the worker: the batch's result rows joined and encoded once.
void ClaimsFile::prepare(batch::Batch<Checked>& b, const batch::FileInfo& file) {
  std::string text;
  for (auto& c : b.records) text += c.csv;
  b.output = file.encoding == core::Encoding::kShiftJis ? to_shift_jis(text) : std::move(text);
}

Status ClaimsFile::write(batch::Batch<Checked>& b) {
  sink_ << b.output;
  if (!sink_) return unwritable();
  for (const auto& c : b.records) total_.add(c.summary);
  return Status::Ok();
}

Status ClaimsFile::finish() {
  sink_.flush();
  if (!sink_) return unwritable();
  sink_.close();
  if (tmp_ == out_) return Status::Ok();  // a device or pipe, written in place
  std::error_code ec;
  std::filesystem::rename(tmp_, out_, ec);
  if (ec) return unwritable();
  return Status::Ok();
}

}  // namespace

Result<Summary> check_csv_file(const History& history, store::Store& store,
                               const std::filesystem::path& in, const std::filesystem::path& out,
                               const CheckOptions& options, store::TicketStore* tickets) {
  ClaimsFile file(history, store, tickets, out);
  batch::Options opt = options;
  opt.progress_label = "claims check";
  auto input = file.input();
  auto run = batch::run(in, input, opt);
  if (!run) return run.error();
  if (Status st = file.finish(); !st) return st.error();
  return file.summary();
}

}  // namespace onshi::claims
