// Bulk import of a member CSV (`onshi import`) on the batch pipeline (batch/batch.h): this
// file holds only what is the member file's own — its columns (the interface's element
// names), the row rules (validate and seal, on the pipeline's worker threads) and the sink
// (one put_qualifications transaction per batch, in file order). A welfare office's file of
// 医療扶助 recipients (`onshi import --kind medical-aid`, registry/medical_aid.h) is the same
// input with the recipient's columns and key: recipients are qualifications too.
//
// The sink also keeps the one rule that spans rows: the first valid row of a card key wins
// and later rows with its key are rejected (batch::keep_first_of_each_key, which remembers
// each key as a 128-bit fingerprint, so a file of millions of rows needs no second pass). Since
// registering an identical record is a no-op, re-running a file after a crash ends in the
// state of one clean run. Nothing but the batches is written until the end, when the run's
// summary is recorded (import_run).
#include <algorithm>
#include <chrono>

#include "registry/fields.h"
#include "registry/medical_aid.h"

namespace onshi::registry {
namespace {

using detail::FieldValues;
using detail::kFieldCount;

// The file's columns: for members every element name, for recipients theirs, in field
// order, required or not; and the field of each column.
std::vector<batch::Column> file_columns(RecordKind kind, std::vector<int>& field_of_column) {
  std::vector<batch::Column> cols;
  const auto& req = required_fields();
  for (int f = 0; f < kFieldCount; ++f) {
    if (kind == RecordKind::kRecipient && !detail::is_recipient_field(f)) continue;
    const std::string& name = known_fields()[static_cast<size_t>(f)];
    cols.push_back({name, std::find(req.begin(), req.end(), name) != req.end()});
    field_of_column.push_back(f);
  }
  return cols;
}

class MemberInput {
 public:
  MemberInput(store::Store& store, const security::Keyring& keyring,
              const std::filesystem::path& csv, RecordKind kind)
      : store_(store),
        keyring_(keyring),
        source_("import:" + csv.filename().string()),
        today_(core::Date::today_jst()),
        kind_(kind) {}

  batch::Input<store::PutItem> input() {
    batch::Input<store::PutItem> in;
    in.columns = file_columns(kind_, field_of_column_);
    in.parse = [this](const batch::Row& row) { return parse(row); };
    in.write = [this](batch::Batch<store::PutItem>& b) { return write(b); };
    in.start = [this](const batch::FileInfo&) { return begin_bulk(); };
    return in;
  }
  Report& report() { return report_; }
  // The end of a file: the store completes a bulk load (also after a failed run).
  Status finish_bulk() {
    if (!bulk_) return Status::Ok();
    bulk_ = false;
    return store_.finish_bulk();
  }

 private:
  std::variant<store::PutItem, std::vector<RecordError>> parse(const batch::Row& row) const;
  void reject_duplicates(batch::Batch<store::PutItem>& b);
  Status write(batch::Batch<store::PutItem>& b);
  Status begin_bulk();

  store::Store& store_;
  const security::Keyring& keyring_;
  std::string source_;
  core::Date today_;
  RecordKind kind_;
  std::vector<int> field_of_column_;
  Report report_;
  batch::FirstRows first_row_of_key_;  // each card key kept from this file → its row
  bool bulk_ = false;                  // the store is bulk-loading this file
};

// Validates one row (every error found) and seals its My Number.
std::variant<store::PutItem, std::vector<RecordError>> MemberInput::parse(
    const batch::Row& row) const {
  FieldValues values{};
  for (size_t c = 0; c < field_of_column_.size(); ++c) values[field_of_column_[c]] = row.value(c);
  auto r = detail::validate_values(values, today_, kind_);
  if (auto* errs = std::get_if<std::vector<Error>>(&r)) {
    std::vector<RecordError> out;
    for (auto& e : *errs)
      out.push_back(
          RecordError{row.number, std::move(e.field), std::move(e.code), std::move(e.message)});
    return out;
  }
  return detail::make_put_item(std::move(std::get<ValidatedRecord>(r)), keyring_, source_);
}

// The first valid row of a key wins; later rows with its key are rejected, so a file holds
// one state per key and a re-run changes nothing (batches arrive here in file order).
void MemberInput::reject_duplicates(batch::Batch<store::PutItem>& b) {
  const char* const what = kind_ == RecordKind::kRecipient
                               ? " と同じ受給者（公費負担者番号・受給者番号）です。"
                               : " と同じ資格（保険者番号・記号・番号・枝番）です。";
  batch::keep_first_of_each_key(
      b, first_row_of_key_,
      [](const store::PutItem& item) { return item.qualification.card_key(); },
      "E_DUPLICATE_KEY", [&](int64_t row, int64_t first) {
        return "行 " + std::to_string(row) + " は行 " + std::to_string(first) + what +
               "ファイルの中では最初の行（行 " + std::to_string(first) +
               "）だけを登録し、この行は登録しません";
      });
}

// A member file into an empty store is bulk-loaded (store.h begin_bulk): every key is new
// there, and reject_duplicates has already taken out a key given twice. Recipients go
// version by version.
Status MemberInput::begin_bulk() {
  if (kind_ != RecordKind::kMember) return Status::Ok();
  auto began = store_.begin_bulk();
  if (!began) return began.status();
  bulk_ = *began;
  return Status::Ok();
}

// One batch, one transaction.
Status MemberInput::write(batch::Batch<store::PutItem>& b) {
  reject_duplicates(b);
  if (b.records.empty()) return Status::Ok();
  if (bulk_) {
    if (Status st = store_.put_bulk(b.records); !st) return st;
    report_.accepted += static_cast<int64_t>(b.records.size());
    return Status::Ok();
  }
  auto outcomes = store_.put_qualifications(b.records);
  if (!outcomes) return outcomes.status();
  for (auto o : *outcomes) {
    if (o == store::PutOutcome::kUnchanged) ++report_.unchanged;
    else ++report_.accepted;
  }
  return Status::Ok();
}

// {"E_CHECK_DIGIT":3,…}
std::string counts_json(const std::map<std::string, int64_t>& by_code) {
  std::string j = "{";
  for (const auto& [code, n] : by_code) {
    if (j.size() > 1) j.push_back(',');
    detail::append_json_string(j, code);
    j += ":" + std::to_string(n);
  }
  return j + "}";
}

}  // namespace

namespace {
Result<Report> import_file(store::Store& store, const security::Keyring& keyring,
                           const std::filesystem::path& csv, const ImportOptions& options,
                           RecordKind kind) {
  const int64_t started_at_us = core::now_unix_us();
  MemberInput member(store, keyring, csv, kind);
  auto input = member.input();
  batch::Options opt = options;
  opt.checkpoint = nullptr;  // the duplicate rule needs every row: a re-run repeats the file
  auto summary = batch::run(csv, input, opt);
  Status finished = member.finish_bulk();
  if (!summary) return summary.error();
  if (!finished) return finished.error();

  Report& report = member.report();
  report.rejected = summary->rejected;
  report.errors = std::move(summary->errors);
  report.notice = std::move(summary->notice);
  store::ImportRun run;
  run.started_at_us = started_at_us;
  run.source = csv.filename().string();
  run.accepted = report.accepted;
  run.unchanged = report.unchanged;
  run.rejected = report.rejected;
  run.rejected_by_code_json = counts_json(summary->errors_by_code);
  if (Status st = store.record_import(run); !st) return st.error();
  return std::move(report);
}
}  // namespace

Result<Report> import_csv(store::Store& store, const security::Keyring& keyring,
                          const std::filesystem::path& csv, const ImportOptions& options) {
  return import_file(store, keyring, csv, options, RecordKind::kMember);
}

Result<Report> import_recipients_csv(store::Store& store, const security::Keyring& keyring,
                                     const std::filesystem::path& csv,
                                     const ImportOptions& options) {
  return import_file(store, keyring, csv, options, RecordKind::kRecipient);
}

}  // namespace onshi::registry
