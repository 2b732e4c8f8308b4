// Loading clinical rows: a file on the batch pipeline (rules on the worker threads, one
// put_records transaction per batch in file order) and JSON records from a request (the same
// rules, one transaction). Both end in the same sink: the row's person from its
// qualification, the first row of a natural key kept and later ones rejected, the store's
// outcome counted. A file loaded into an empty store is a bulk load (store/clinical.h
// begin_bulk): every key is new there and the sink has already rejected repeated ones, so the
// rows are appended and the store builds its indexes once at the end.
#include <algorithm>
#include <charconv>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "clinical/detail.h"
#include "core/json_text.h"

namespace onshi::clinical {
namespace {

using detail::Parsed;

// A row on its way to the store: its own key, day and fields, and its person, whom the
// resolver keeps for the whole load — so a row costs two allocations, not a copy of its
// person's link and card key and of the file's name. Its key's two hashes (the file's repeat
// check, the store's key table) are made by the worker that parsed it, off the writer.
struct LoadRow {
  ClinicalKind kind = ClinicalKind::kMedication;
  std::string record_key, record_date, payload;
  const detail::Resolver::Person* who = nullptr;
  batch::FirstRows::Print print;
  int64_t key_hash = 0;
  store::ClinicalRowRef ref(std::string_view source) const {
    return {kind,        record_key, who->person_link, who->card_key,
            record_date, payload,    source,           key_hash};
  }
};

// Turns parsed rows into puts and writes them, for a file's batches and a request alike.
class Sink {
 public:
  Sink(store::Database& db, ClinicalKind kind, const LoadOptions& load)
      : db_(db), kind_(kind), load_(load), resolver_(db.members()) {}

  // Row rules and the person (worker threads): the row, or its errors.
  std::variant<LoadRow, detail::RowErrors> parse(const batch::Row& row) {
    auto r = detail::parse_row(kind_, row, load_);
    if (auto* errors = std::get_if<detail::RowErrors>(&r)) return std::move(*errors);
    Parsed& p = std::get<Parsed>(r);
    auto person = resolver_.resolve(p, row.number);
    if (auto* e = std::get_if<batch::RowError>(&person)) return detail::RowErrors{std::move(*e)};
    const auto& who = *std::get<const detail::Resolver::Person*>(person);
    if (kind_ == ClinicalKind::kExpense)
      if (auto e = detail::check_expense_person(p, who, row.number)) return detail::RowErrors{*e};
    p.key_tail.insert(0, who.card_key);  // in the room parse_row reserved: no allocation
    LoadRow out{kind_, std::move(p.key_tail), std::move(p.record_date), std::move(p.payload),
                &who};
    out.print = batch::FirstRows::print(out.record_key);
    out.key_hash = store::clinical_key_hash(out.record_key);
    return out;
  }

  // One batch, in file order: duplicates rejected, the rest in one transaction.
  Status write(batch::Batch<LoadRow>& b) {
    batch::keep_first_of_each_print(
        b, seen_, [](const LoadRow& r) { return r.print; },
        "E_CLINICAL_DUPLICATE", [](int64_t row, int64_t first) {
          return "行 " + std::to_string(row) + " は行 " + std::to_string(first) +
                 " と同じ記録（資格と記録のキー）です。最初の行だけを登録します";
        });
    if (b.records.empty()) return Status::Ok();
    if (bulk_) {
      refs_.clear();
      for (const LoadRow& r : b.records) refs_.push_back(r.ref(load_.source));
      if (Status st = db_.clinical().put_bulk(refs_); !st) return st;
      accepted_ += static_cast<int64_t>(b.records.size());
      return Status::Ok();
    }
    std::vector<store::ClinicalPut> puts;
    puts.reserve(b.records.size());
    for (LoadRow& r : b.records)
      puts.push_back({r.kind, std::move(r.record_key), r.who->person_link, r.who->card_key,
                      std::move(r.record_date), std::move(r.payload), load_.source});
    auto outcomes = db_.clinical().put_records(puts);
    if (!outcomes) return outcomes.status();
    for (auto o : *outcomes) (o == store::PutOutcome::kUnchanged ? unchanged_ : accepted_)++;
    return Status::Ok();
  }

  // A file's first batch is near: room for its keys (a medication row takes about 130
  // bytes), and a bulk load when the store is empty.
  Status begin_bulk(const std::filesystem::path& file) {
    std::error_code ec;
    if (auto size = std::filesystem::file_size(file, ec); !ec)
      seen_.reserve(std::min<uintmax_t>(size / 128, 20'000'000));
    auto began = db_.clinical().begin_bulk();
    if (!began) return began.status();
    bulk_ = *began;
    return Status::Ok();
  }
  // The end of a file: the store completes a bulk load (also after a failed run).
  Status finish_bulk() {
    if (!bulk_) return Status::Ok();
    bulk_ = false;
    return db_.clinical().finish_bulk();
  }

  int64_t accepted() const { return accepted_; }
  int64_t unchanged() const { return unchanged_; }

 private:
  store::Database& db_;
  const ClinicalKind kind_;
  const LoadOptions& load_;
  detail::Resolver resolver_;
  batch::FirstRows seen_;
  std::vector<store::ClinicalRowRef> refs_;  // a bulk batch's rows, by reference
  int64_t accepted_ = 0, unchanged_ = 0;
  bool bulk_ = false;
};

// "drugC" → "DrugC".
std::string element_of(std::string_view json_key) {
  std::string s(json_key);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// One JSON record as values by column, or the reason it has the wrong shape.
std::optional<batch::RowError> record_values(const boost::json::value& v, int64_t index,
                                             const std::vector<batch::Column>& cols,
                                             std::vector<std::string>& out) {
  out.assign(cols.size(), "");
  const auto* obj = v.if_object();
  if (!obj) return batch::RowError{index, "", "E_JSON_TYPE", "記録はオブジェクトで送ってください"};
  for (const auto& [key, value] : *obj) {
    const std::string name = element_of(key);
    auto it = std::find_if(cols.begin(), cols.end(),
                           [&](const batch::Column& c) { return c.name == name; });
    if (key.empty() || key[0] < 'a' || key[0] > 'z' || it == cols.end())
      return batch::RowError{index, std::string(key), "E_JSON_UNKNOWN_FIELD",
                             "この項目はありません: " + std::string(key)};
    std::string& slot = out[static_cast<size_t>(it - cols.begin())];
    if (value.is_string()) {
      slot = std::string(value.get_string());
    } else if (value.is_int64() || value.is_uint64()) {
      slot = boost::json::serialize(value);
    } else if (value.is_double()) {  // shortest form: 5.6, not 5.6E0
      char buf[32];
      auto end = std::to_chars(buf, buf + sizeof buf, value.get_double()).ptr;
      slot.assign(buf, end);
    } else if (!value.is_null()) {
      return batch::RowError{index, std::string(key), "E_JSON_TYPE", "値は文字列か数値です"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string Report::to_json() const {
  std::string j = "{\"accepted\":" + std::to_string(accepted) +
                  ",\"unchanged\":" + std::to_string(unchanged) +
                  ",\"rejected\":" + std::to_string(rejected);
  if (!notice.empty()) {
    j += ",\"notice\":";
    core::append_json_string(j, notice);
  }
  j += ",\"errors\":[";
  for (size_t i = 0; i < errors.size(); ++i) {
    const auto& e = errors[i];
    if (i) j += ',';
    j += "{\"row\":" + std::to_string(e.row) + ",\"field\":";
    core::append_json_string(j, e.field);
    j += ",\"code\":";
    core::append_json_string(j, e.code);
    j += ",\"message\":";
    core::append_json_string(j, e.message);
    j += '}';
  }
  return j + "]}";
}

Result<Report> import_csv(store::Database& db, ClinicalKind kind, const std::filesystem::path& csv,
                          const LoadOptions& load, const batch::Options& options) {
  Sink sink(db, kind, load);
  batch::Input<LoadRow> in;
  in.columns = columns(kind);
  in.parse = [&sink](const batch::Row& row) { return sink.parse(row); };
  in.write = [&sink](batch::Batch<LoadRow>& b) { return sink.write(b); };
  in.start = [&sink](const batch::FileInfo& file) { return sink.begin_bulk(file.path); };
  batch::Options opt = options;
  opt.checkpoint = nullptr;  // the duplicate rule needs every row: a re-run repeats the file
  auto summary = batch::run(csv, in, opt);
  Status finished = sink.finish_bulk();
  if (!summary) return summary.error();
  if (!finished) return finished.error();
  Report report;
  report.accepted = sink.accepted();
  report.unchanged = sink.unchanged();
  report.rejected = summary->rejected;
  report.errors = std::move(summary->errors);
  report.notice = std::move(summary->notice);
  return report;
}

Result<Report> load_records(store::Database& db, ClinicalKind kind,
                            const boost::json::array& records, const LoadOptions& load) {
  Sink sink(db, kind, load);
  const auto& cols = columns(kind);
  batch::Batch<LoadRow> b;
  std::vector<std::string> values;
  std::vector<std::string_view> views;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto index = static_cast<int64_t>(i);
    if (auto shape = record_values(records[i], index, cols, values)) {
      b.reject(index, shape->field, shape->code, shape->message);
      continue;
    }
    views.assign(values.begin(), values.end());
    batch::Row row;
    row.number = index;
    row.values = &views;
    auto r = sink.parse(row);
    if (auto* put = std::get_if<LoadRow>(&r)) {
      b.records.push_back(std::move(*put));
      b.rows.push_back(index);
      continue;
    }
    ++b.rejected;
    for (auto& e : std::get<detail::RowErrors>(r)) b.errors.push_back(std::move(e));
  }
  if (Status st = sink.write(b); !st) return st.error();
  std::stable_sort(b.errors.begin(), b.errors.end(),
                   [](const batch::RowError& x, const batch::RowError& y) { return x.row < y.row; });
  Report report;
  report.accepted = sink.accepted();
  report.unchanged = sink.unchanged();
  report.rejected = b.rejected;
  report.errors = std::move(b.errors);
  return report;
}

}  // namespace onshi::clinical
