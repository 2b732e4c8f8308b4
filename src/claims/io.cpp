// Claims in and results out: the CSV file pipeline of `onshi claims check`, and the request
// and response bodies of POST /v1/claims:check.
//
// The file is streamed, never loaded whole: the reader cuts raw bytes into records (',', '"',
// CR and LF are ASCII, and neither UTF-8 nor CP932 uses an ASCII byte inside a multi-byte
// character, so boundaries found on raw bytes are the true ones in both encodings), groups
// them into batches, and hands the batches to worker threads that decode, parse, check and
// format; the reader thread writes finished batches in input order. At most threads + 2
// batches exist at once, so memory is bounded by the batch size whatever the file's size.
// A row that cannot be read becomes a RETURN row (E_ROW); only a file that cannot be used at
// all (missing, bad header) is an error.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "claims/claims.h"
#include "core/csv.h"

namespace onshi::claims {
namespace {

constexpr size_t kChunk = 8u << 20;
constexpr int kColumns = 13;

// ---- columns ----

enum Col {
  kClaimId,
  kMedicalInstitutionCode,
  kPrescribing,
  kServiceMonth,
  kFirst,
  kLast,
  kInsurer,
  kSymbol,
  kNumber,
  kBranch,
  kName,
  kBirthdate,
  kSex1
};

std::string* field_of(Claim& c, int col) {
  switch (col) {
    case kClaimId:
      return &c.claim_id;
    case kMedicalInstitutionCode:
      return &c.medical_institution_code;
    case kPrescribing:
      return &c.prescribing_medical_institution_code;
    case kServiceMonth:
      return &c.service_month;
    case kFirst:
      return &c.first_service_date;
    case kLast:
      return &c.last_service_date;
    case kInsurer:
      return &c.insurer_number;
    case kSymbol:
      return &c.insured_card_symbol;
    case kNumber:
      return &c.insured_identification_number;
    case kBranch:
      return &c.insured_branch_number;
    case kName:
      return &c.name;
    case kBirthdate:
      return &c.birthdate;
    case kSex1:
      return &c.sex1;
  }
  return nullptr;
}

int column_index(std::string_view name) {
  const auto& cols = input_columns();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (cols[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// ---- CSV records and fields (RFC 4180, core/csv.h) ----

using core::csv_record_end;

// Splits one record (without its LF; a trailing CR is dropped) into strings; a quote inside
// a bare field is malformed here. False on bad quoting.
bool split_fields(std::string_view rec, std::vector<std::string>& out) {
  thread_local std::vector<std::string_view> views;  // reused: millions of records per run
  thread_local std::deque<std::string> scratch;
  scratch.clear();
  const bool ok = core::csv_split(core::csv_chop_cr(rec), views, scratch, /*strict=*/true);
  out.assign(views.begin(), views.end());
  return ok;
}

void csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void csv_row(std::string& out, const ResultRow& r) {
  const std::string_view vals[] = {r.claim_id,
                                   outcome_name(r.result),
                                   r.reason_code,
                                   r.insurer_number,
                                   r.insured_card_symbol,
                                   r.insured_identification_number,
                                   r.insured_branch_number,
                                   r.from_date,
                                   r.to_date,
                                   r.message};
  bool first = true;
  for (auto v : vals) {
    if (!first) out += ',';
    first = false;
    csv_field(out, v);
  }
  out += '\n';
}

std::string header_line() {
  std::string h;
  for (const auto& c : output_columns()) {
    if (!h.empty()) h += ',';
    h += c;
  }
  return h + '\n';
}

// Maps the header's names to column indices. Errors: E_CSV_HEADER.
Result<std::vector<int>> read_header(std::string_view header_utf8) {
  std::vector<std::string> names;
  if (!split_fields(header_utf8, names)) {
    return Error{"E_CSV_HEADER", "", "ヘッダー行を読めません"};
  }
  std::vector<int> map;
  std::vector<bool> seen(kColumns, false);
  for (auto& n : names) {
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.pop_back();
    while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.erase(0, 1);
    int c = column_index(n);
    if (c < 0) return Error{"E_CSV_HEADER", n, "不明な列名です: " + n};
    if (seen[static_cast<size_t>(c)]) return Error{"E_CSV_HEADER", n, "列名が重複しています: " + n};
    seen[static_cast<size_t>(c)] = true;
    map.push_back(c);
  }
  for (int c = 0; c < kColumns; ++c) {
    if (!seen[static_cast<size_t>(c)] && c != kPrescribing) {
      return Error{"E_CSV_HEADER", input_columns()[static_cast<size_t>(c)],
                   "必須の列がありません: " + input_columns()[static_cast<size_t>(c)]};
    }
  }
  return map;
}

// One record (UTF-8) → a claim; reading problems are kept in the claim as E_ROW.
Claim claim_of(std::string_view rec, const std::vector<int>& map, int64_t row,
               std::vector<std::string>& fields) {
  Claim c;
  if (!split_fields(rec, fields)) {
    // Keep the claim's own id when it stands unquoted in the first column.
    std::string_view first = rec.substr(0, rec.find(','));
    bool usable = !map.empty() && map[0] == kClaimId && !first.empty() &&
                  first.find('"') == std::string_view::npos && first.size() <= 64;
    c.claim_id = usable ? std::string(first) : "row:" + std::to_string(row);
    c.row_error_code = "E_ROW";
    c.row_error_message =
        "行 " + std::to_string(row) + ": 引用符 (\") の使い方が RFC 4180 に合いません";
    return c;
  }
  for (size_t i = 0; i < fields.size() && i < map.size(); ++i) *field_of(c, map[i]) = fields[i];
  if (fields.size() != map.size()) {
    if (c.claim_id.empty()) c.claim_id = "row:" + std::to_string(row);
    c.row_error_code = "E_ROW";
    c.row_error_message = "行 " + std::to_string(row) + ": 列数 " + std::to_string(fields.size()) +
                          " がヘッダーの列数 " + std::to_string(map.size()) + " と違います";
  }
  return c;
}

bool blank(std::string_view rec) {
  return rec.empty() || rec == "\r";
}

// ---- the file pipeline ----

struct Batch {
  int64_t first_row = 0;
  std::vector<std::string> records;  // raw bytes
  std::string out;                   // formatted result rows, encoded
  Summary summary;
  bool done = false;
};

void process(const History& history, store::Store& store, const std::vector<int>& map,
             core::Encoding enc, Batch& b) {
  std::vector<std::string> utf8(b.records.size());
  if (enc == core::Encoding::kShiftJis) {
    // One conversion for the whole batch; a batch with a bad byte is redone row by row.
    std::string joined;
    for (const auto& r : b.records) {
      joined += r;
      joined += '\n';
    }
    auto all = core::shift_jis_to_utf8(joined);
    bool split_ok = false;
    if (all.ok()) {
      const char* p = all->data();
      const char* end = p + all->size();
      size_t i = 0;
      bool q = false;
      while (p < end && i < utf8.size()) {
        const char* e = csv_record_end(p, end, q);
        if (!e) break;
        utf8[i++].assign(p, e);
        p = e + 1;
      }
      split_ok = i == utf8.size();
    }
    if (!split_ok) {
      for (size_t i = 0; i < b.records.size(); ++i) {
        auto one = core::shift_jis_to_utf8(b.records[i]);
        utf8[i] = one.ok() ? std::move(*one) : std::string("\x01");
      }
    }
  } else {
    for (size_t i = 0; i < b.records.size(); ++i) {
      utf8[i] = core::is_valid_utf8(b.records[i]) ? std::move(b.records[i]) : std::string("\x01");
    }
  }
  b.records.clear();
  b.records.shrink_to_fit();
  std::string text;
  std::vector<std::string> fields;
  for (size_t i = 0; i < utf8.size(); ++i) {
    int64_t row = b.first_row + static_cast<int64_t>(i);
    Claim c;
    if (utf8[i] == "\x01") {
      c.claim_id = "row:" + std::to_string(row);
      c.row_error_code = "E_ROW";
      c.row_error_message =
          "行 " + std::to_string(row) + ": 文字コードとして読めないバイトがあります";
    } else {
      c = claim_of(utf8[i], map, row, fields);
    }
    for (const auto& r : check_claim(history, store, c, b.summary)) csv_row(text, r);
  }
  if (enc == core::Encoding::kShiftJis) {
    auto s = core::utf8_to_shift_jis(text);
    if (s.ok()) {
      b.out = std::move(*s);
    } else {
      // A character with no CP932 form (e.g. in a recorded conversion): encode line by line
      // and drop the message of the lines that cannot be written.
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
        if (e.ok()) b.out += *e;
        start = nl + 1;
      }
    }
  } else {
    b.out = std::move(text);
  }
}

void draw_progress(int64_t done, int64_t total, int64_t claims, bool final) {
  int pct = total > 0 ? static_cast<int>(done * 100 / total) : 100;
  int filled = pct * 30 / 100;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(30, '.');
  std::fprintf(stderr, "\rclaims check [%s] %3d%%  %lld claims%s", bar.c_str(), pct,
               static_cast<long long>(claims), final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace

const std::vector<std::string>& input_columns() {
  static const std::vector<std::string> cols = {"ClaimId",
                                                "MedicalInstitutionCode",
                                                "PrescribingMedicalInstitutionCode",
                                                "ServiceMonth",
                                                "FirstServiceDate",
                                                "LastServiceDate",
                                                "InsurerNumber",
                                                "InsuredCardSymbol",
                                                "InsuredIdentificationNumber",
                                                "InsuredBranchNumber",
                                                "Name",
                                                "Birthdate",
                                                "Sex1"};
  return cols;
}

const std::vector<std::string>& output_columns() {
  static const std::vector<std::string> cols = {"ClaimId",
                                                "Result",
                                                "ReasonCode",
                                                "InsurerNumber",
                                                "InsuredCardSymbol",
                                                "InsuredIdentificationNumber",
                                                "InsuredBranchNumber",
                                                "FromDate",
                                                "ToDate",
                                                "Message"};
  return cols;
}

Result<Summary> check_csv_file(const History& history, store::Store& store,
                               const std::filesystem::path& in, const std::filesystem::path& out,
                               const CheckOptions& options) {
  std::ifstream file(in, std::ios::binary);
  if (!file) return Error{"E_FILE", "", "ファイル " + in.string() + " を読めません"};
  std::error_code ec;
  const int64_t total = static_cast<int64_t>(std::filesystem::file_size(in, ec));

  std::string buf;
  buf.resize(kChunk);
  std::string carry;  // bytes of a record not yet complete
  bool in_quotes = false;
  bool eof = false;
  int64_t consumed = 0;
  // A simple record reader over the carry buffer.
  size_t pos = 0;   // start of the current record in carry
  size_t scan = 0;  // where scanning resumes
  auto read_more = [&]() -> bool {
    if (eof) return false;
    file.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = file.gcount();
    if (n <= 0) {
      eof = true;
      return false;
    }
    carry.erase(0, pos);
    scan -= pos;
    pos = 0;
    carry.append(buf.data(), static_cast<size_t>(n));
    return true;
  };
  auto get = [&](std::string& rec) -> bool {
    while (true) {
      const char* base = carry.data();
      const char* e = csv_record_end(base + scan, base + carry.size(), in_quotes);
      if (e) {
        size_t end = static_cast<size_t>(e - base);
        rec.assign(carry, pos, end - pos);
        consumed += static_cast<int64_t>(end - pos + 1);
        pos = scan = end + 1;
        in_quotes = false;
        return true;
      }
      scan = carry.size();
      if (!read_more()) {
        if (pos < carry.size()) {  // last record without a final LF
          rec.assign(carry, pos, carry.size() - pos);
          consumed += static_cast<int64_t>(carry.size() - pos);
          pos = scan = carry.size();
          return true;
        }
        return false;
      }
    }
  };

  // Header and encoding.
  std::string header;
  if (!get(header)) return Error{"E_CSV_HEADER", "", "ファイルが空です"};
  core::Encoding enc;
  if (options.encoding) {
    enc = *options.encoding;
  } else {
    // Detect on what is in memory, up to its last LF so that no character is cut.
    size_t last_nl = carry.find_last_of('\n');
    std::string_view sample(carry.data(),
                            last_nl == std::string::npos ? carry.size() : last_nl + 1);
    enc = core::detect_encoding(sample);
  }
  std::string header_text(header);
  if (enc == core::Encoding::kUtf8) {
    header_text = std::string(core::strip_utf8_bom(header_text));
  } else {
    auto h = core::shift_jis_to_utf8(header_text);
    if (!h.ok()) return Error{"E_ENCODING", "", "ヘッダー行が Shift_JIS として読めません"};
    header_text = std::move(*h);
  }
  auto map = read_header(header_text);
  if (!map.ok()) return map.error();

  std::filesystem::path tmp = out;
  tmp += ".tmp";
  std::ofstream sink(tmp, std::ios::binary | std::ios::trunc);
  if (!sink) return Error{"E_FILE", "", "ファイル " + out.string() + " に書けません"};
  {
    std::string h = header_line();
    if (enc == core::Encoding::kShiftJis) h = *core::utf8_to_shift_jis(h);
    sink << h;
  }

  // Workers.
  const int threads = std::max(1, options.threads);
  const size_t batch_size = std::max<size_t>(1, options.batch_size);
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<std::shared_ptr<Batch>> queue;     // waiting for a worker
  std::deque<std::shared_ptr<Batch>> in_order;  // every batch not yet written, in file order
  bool closing = false;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (true) {
        std::shared_ptr<Batch> b;
        {
          std::unique_lock lock(mu);
          work_cv.wait(lock, [&] { return closing || !queue.empty(); });
          if (queue.empty()) return;
          b = queue.front();
          queue.pop_front();
        }
        process(history, store, *map, enc, *b);
        {
          std::lock_guard lock(mu);
          b->done = true;
        }
        done_cv.notify_all();
      }
    });
  }

  Summary total_summary;
  bool write_failed = false;
  // Writes the finished batches at the head of the order, then waits (writing as batches
  // finish) until fewer than `keep_below` batches are outstanding.
  auto drain = [&](size_t keep_below) {
    std::unique_lock lock(mu);
    while (true) {
      while (!in_order.empty() && in_order.front()->done) {
        auto b = in_order.front();
        in_order.pop_front();
        lock.unlock();
        sink << b->out;
        if (!sink) write_failed = true;
        total_summary.add(b->summary);
        if (options.progress) draw_progress(consumed, total, total_summary.claims, false);
        lock.lock();
      }
      if (in_order.size() < keep_below) return;
      done_cv.wait(lock);
    }
  };

  int64_t row = 1;
  auto batch = std::make_shared<Batch>();
  batch->first_row = row;
  std::string rec;
  auto submit = [&] {
    if (batch->records.empty()) return;
    drain(static_cast<size_t>(threads) + 2);
    {
      std::lock_guard lock(mu);
      queue.push_back(batch);
      in_order.push_back(batch);
    }
    work_cv.notify_one();
    batch = std::make_shared<Batch>();
    batch->first_row = row;
  };
  while (get(rec)) {
    if (blank(rec)) continue;
    batch->records.push_back(std::move(rec));
    rec.clear();
    ++row;
    if (batch->records.size() >= batch_size) submit();
  }
  submit();
  drain(1);
  {
    std::lock_guard lock(mu);
    closing = true;
  }
  work_cv.notify_all();
  for (auto& t : pool) t.join();
  if (options.progress) draw_progress(total, total, total_summary.claims, true);

  sink.flush();
  if (!sink || write_failed)
    return Error{"E_FILE", "", "ファイル " + out.string() + " に書けません"};
  sink.close();
  std::filesystem::rename(tmp, out, ec);
  if (ec) return Error{"E_FILE", "", "ファイル " + out.string() + " に書けません"};
  return total_summary;
}

Result<std::vector<Claim>> parse_claims_body(std::string_view body, bool json) {
  std::vector<Claim> claims;
  if (!json) {
    std::string text;
    if (core::detect_encoding(body) == core::Encoding::kUtf8) {
      text = std::string(core::strip_utf8_bom(body));
    } else {
      auto t = core::shift_jis_to_utf8(body);
      if (!t.ok()) return Error{"E_ENCODING", "", "本文が UTF-8 でも Shift_JIS でもありません"};
      text = std::move(*t);
    }
    const char* p = text.data();
    const char* end = p + text.size();
    std::vector<std::string> records;
    while (p < end) {
      bool q = false;
      const char* e = csv_record_end(p, end, q);
      if (!e) e = end;
      records.emplace_back(p, e);
      p = e + 1;
    }
    if (records.empty()) return Error{"E_CSV_HEADER", "", "本文が空です"};
    auto map = read_header(records[0]);
    if (!map.ok()) return map.error();
    std::vector<std::string> fields;
    for (size_t i = 1; i < records.size(); ++i) {
      if (blank(records[i])) continue;
      claims.push_back(claim_of(records[i], *map, static_cast<int64_t>(i), fields));
    }
    return claims;
  }
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  const boost::json::array* arr = doc.if_array();
  if (!arr && doc.is_object()) {
    if (const auto* c = doc.as_object().if_contains("claims")) arr = c->if_array();
  }
  if (!arr) return Error{"E_JSON_TYPE", "claims", "請求は配列か {\"claims\":[…]} で送ってください"};
  for (size_t i = 0; i < arr->size(); ++i) {
    Claim c;
    const auto* o = (*arr)[i].if_object();
    bool bad = !o;
    if (o) {
      for (const auto& [k, v] : *o) {
        std::string name(k);
        if (!name.empty() && name[0] >= 'a' && name[0] <= 'z')
          name[0] = static_cast<char>(name[0] - 32);
        int col = column_index(name);
        if (col < 0) continue;  // other keys are ignored
        if (v.is_string()) {
          *field_of(c, col) = std::string(v.as_string());
        } else if (v.is_int64()) {
          *field_of(c, col) = std::to_string(v.as_int64());
        } else if (!v.is_null()) {
          bad = true;
        }
      }
    }
    if (bad) {
      if (c.claim_id.empty()) c.claim_id = "row:" + std::to_string(i);
      c.row_error_code = "E_ROW";
      c.row_error_message =
          "要素 " + std::to_string(i) + ": 値が文字列のオブジェクトではありません";
    }
    claims.push_back(std::move(c));
  }
  return claims;
}

std::string results_to_csv(const std::vector<ResultRow>& rows) {
  std::string out = header_line();
  for (const auto& r : rows) csv_row(out, r);
  return out;
}

std::string results_to_json(const std::vector<ResultRow>& rows) {
  boost::json::array arr;
  arr.reserve(rows.size());
  for (const auto& r : rows) {
    arr.push_back(
        boost::json::object{{"claimId", r.claim_id},
                            {"result", outcome_name(r.result)},
                            {"reasonCode", r.reason_code},
                            {"insurerNumber", r.insurer_number},
                            {"insuredCardSymbol", r.insured_card_symbol},
                            {"insuredIdentificationNumber", r.insured_identification_number},
                            {"insuredBranchNumber", r.insured_branch_number},
                            {"fromDate", r.from_date},
                            {"toDate", r.to_date},
                            {"message", r.message}});
  }
  return boost::json::serialize(arr);
}

}  // namespace onshi::claims
