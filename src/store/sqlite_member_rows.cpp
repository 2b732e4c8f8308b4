// A version's row on SQLite since schema 5 (store/sqlite_member_rows.h): the compressed
// payload, the source by number, and the rewrite of rows stored before.
#include "store/sqlite_member_rows.h"

#include <thread>
#include <vector>

#include "store/payload.h"

namespace onshi::store::detail {
namespace {

using sqlite::Stmt;

Error corrupt(int64_t version_id) {
  return Error{"E_STORE_CORRUPT", "",
               "payload of version " + std::to_string(version_id) + " unreadable"};
}

}  // namespace

Status MemberRows::read(Stmt& s, sqlite3* db, QualificationVersion& v) {
  v.version_id = s.col_i64(0);
  v.recorded_at_us = s.col_i64(1);
  v.person_link = s.col_blob(2);
  v.my_number_sealed = s.col_blob(3);
  if (sqlite3_column_type(s.get(), 4) == SQLITE_BLOB) {
    thread_local std::string text;
    if (Status st = payload_text(s, 4, db, text); !st) return st;
    if (!decode_payload_into(text, v.qualification)) return corrupt(v.version_id);
  } else if (!decode_payload_into(s.col_view(4), v.qualification)) {
    return corrupt(v.version_id);  // decoded straight from SQLite's buffer
  }
  auto source = source_of(s, 5, 7, db);
  if (!source) return source.status();
  v.source = std::move(*source);
  v.conversions = s.col_text(6);
  return {};
}

Status MemberRows::payload_text(Stmt& s, int col, sqlite3* db, std::string& out) {
  const std::string_view stored = s.col_view(col);
  if (sqlite3_column_type(s.get(), col) != SQLITE_BLOB) {
    out.assign(stored);
    return {};
  }
  if (Status st = ensure_dictionary(db, PayloadCodec::dictionary_of(stored)); !st) return st;
  if (!codec_.expand(stored, out))
    return Status::Fail("E_STORE_CORRUPT", "", "a compressed payload is unreadable");
  return {};
}

Result<std::string> MemberRows::source_of(Stmt& s, int text_col, int id_col, sqlite3* db) {
  if (sqlite3_column_type(s.get(), id_col) == SQLITE_NULL) return s.col_text(text_col);
  const int64_t id = s.col_i64(id_col);
  {
    std::shared_lock lock(sources_mu_);
    if (auto it = sources_.find(id); it != sources_.end()) return it->second;
  }
  Stmt q(db, "SELECT source FROM version_source WHERE id = ?1");
  q.i64(1, id);
  if (q.step() != SQLITE_ROW)
    return Error{"E_STORE_CORRUPT", "", "source " + std::to_string(id) + " of a version missing"};
  std::string text = q.col_text(0);
  std::unique_lock lock(sources_mu_);
  sources_.emplace(id, text);
  return text;
}

Status MemberRows::ensure_dictionary(sqlite3* db, int id) {
  if (codec_.knows(id)) return {};
  Stmt q(db, "SELECT dictionary FROM payload_dictionary WHERE id = ?1");
  q.i64(1, id);
  if (q.step() != SQLITE_ROW)
    return Status::Fail("E_STORE_CORRUPT", "",
                        "payload dictionary " + std::to_string(id) + " missing");
  codec_.add(id, q.col_view(0), false);
  return {};
}

Status MemberRows::load_current(sqlite3* writer) {
  Stmt q(writer, "SELECT id, dictionary FROM payload_dictionary ORDER BY id DESC LIMIT 1");
  const int rc = q.step();
  if (rc == SQLITE_ROW) codec_.add(static_cast<int>(q.col_i64(0)), q.col_view(1), true);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Status(sqlite::error(writer, "dictionary"));
  return {};
}

Status MemberRows::begin_batch(sqlite3* writer, std::span<const std::string> payloads) {
  batch_sources_.clear();
  trained_in_batch_ = 0;
  if (!compress_ || codec_.current() != 0) return {};
  if (Status st = load_current(writer); !st || codec_.current() != 0) return st;
  const std::string dict = PayloadCodec::train(payloads);
  if (dict.empty()) return {};
  constexpr int kId = 1;  // a store trains one dictionary; the format leaves room for 255
  Stmt ins(writer,
           "INSERT INTO payload_dictionary(id, dictionary, samples, created_at) "
           "VALUES(?1, ?2, ?3, strftime('%s', 'now'))");
  ins.i64(1, kId).blob(2, dict).i64(3, static_cast<int64_t>(std::min(
                                           payloads.size(), PayloadCodec::kMaxTrainingSamples)));
  if (ins.step() != SQLITE_DONE) return Status(sqlite::error(writer, "store dictionary"));
  codec_.add(kId, dict, true);
  trained_in_batch_ = kId;
  return {};
}

void MemberRows::end_batch(bool committed) {
  if (!committed && trained_in_batch_) codec_.forget(trained_in_batch_);
  if (committed) {
    std::unique_lock lock(sources_mu_);
    for (const auto& [text, id] : batch_sources_) sources_.emplace(id, text);
  }
  trained_in_batch_ = 0;
  batch_sources_.clear();
}

void MemberRows::bind_payload(Stmt& s, int i, const std::string& text, std::string& scratch) {
  scratch.clear();
  if (compress_) codec_.compress(text, scratch);
  bind_stored(s, i, text, scratch);
}

std::vector<std::string> MemberRows::compress_batch(std::span<const std::string> texts) const {
  std::vector<std::string> out(texts.size());
  if (!compress_ || codec_.current() == 0) return out;
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) codec_.compress(texts[i], out[i]);
  };
  const size_t half = texts.size() >= kParallelFrom ? texts.size() / 2 : texts.size();
  std::thread other;
  if (half < texts.size()) other = std::thread(run, half, texts.size());
  run(0, half);
  if (other.joinable()) other.join();
  return out;
}

void MemberRows::bind_stored(Stmt& s, int i, const std::string& text, const std::string& stored) {
  if (stored.empty())
    s.text_static(i, text);
  else
    s.blob_static(i, stored);
}

Result<int64_t> MemberRows::source_id(sqlite3* writer, const std::string& source) {
  if (auto it = batch_sources_.find(source); it != batch_sources_.end()) return it->second;
  Stmt ins(writer, "INSERT OR IGNORE INTO version_source(source) VALUES(?1)");
  ins.text(1, source);
  if (ins.step() != SQLITE_DONE) return sqlite::error(writer, "version_source");
  Stmt q(writer, "SELECT id FROM version_source WHERE source = ?1");
  q.text(1, source);
  if (q.step() != SQLITE_ROW) return sqlite::error(writer, "version_source");
  const int64_t id = q.col_i64(0);
  batch_sources_.emplace(source, id);
  return id;
}

namespace {

struct LegacyRow {
  int64_t version_id = 0;
  std::string source;
};

// One transaction of compact_legacy_rows: the next `batch` legacy rows after `after`.
Result<int64_t> compact_batch(MemberRows& rows, sqlite3* writer, int64_t& after, int64_t batch) {
  Stmt sel(writer,
           "SELECT version_id, payload, source FROM qualification_version "
           "WHERE version_id > ?1 AND source_id IS NULL ORDER BY version_id LIMIT ?2");
  sel.i64(1, after).i64(2, batch);
  std::vector<LegacyRow> legacy;
  std::vector<std::string> payloads;
  while (sel.step() == SQLITE_ROW) {
    legacy.push_back({sel.col_i64(0), sel.col_text(2)});
    payloads.push_back(sel.col_text(1));
  }
  if (legacy.empty()) return 0;
  if (Status st = rows.begin_batch(writer, payloads); !st) return st.error();
  Stmt upd(writer,
           "UPDATE qualification_version SET payload = ?2, source = '', source_id = ?3, "
           "insurer_number = '' WHERE version_id = ?1");
  const std::vector<std::string> stored = rows.compress_batch(payloads);
  for (size_t i = 0; i < legacy.size(); ++i) {
    auto sid = rows.source_id(writer, legacy[i].source);
    if (!sid) return sid.error();
    upd.reset();
    upd.i64(1, legacy[i].version_id).i64(3, *sid);
    MemberRows::bind_stored(upd, 2, payloads[i], stored[i]);
    if (upd.step() != SQLITE_DONE) return sqlite::error(writer, "compact");
  }
  after = legacy.back().version_id;
  return static_cast<int64_t>(legacy.size());
}

}  // namespace

Result<int64_t> MemberRows::compact_legacy_rows(sqlite3* writer, std::mutex& write_mu,
                                                int64_t batch,
                                                const std::function<void(int64_t)>& progress) {
  int64_t after = 0, rewritten = 0;
  for (;;) {
    std::lock_guard lock(write_mu);
    if (Status st = sqlite::exec(writer, "BEGIN IMMEDIATE"); !st) return st.error();
    auto n = compact_batch(*this, writer, after, batch);
    Status st = n ? sqlite::exec(writer, "COMMIT") : n.status();
    if (!st) sqlite::exec(writer, "ROLLBACK");
    end_batch(st.ok());
    if (!st) return st.error();
    if (*n == 0) return rewritten;
    rewritten += *n;
    if (progress) progress(rewritten);
  }
}

}  // namespace onshi::store::detail
