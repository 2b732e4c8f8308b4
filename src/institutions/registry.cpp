// The institution registry: DIR/institutions.db and the onboarding state machine over it.
//
// Each transition loads the entry, checks that its state allows the step, changes it and
// appends one row of history, all inside one immediate SQLite transaction — so a refused
// step writes nothing and two processes (the service and an operator's command) never
// interleave. The file is the registry's own, apart from the member store, because the two
// have nothing to join and different owners (agency and bureaus here, insurers there). The
// service's hash-chained audit log, when given, receives every committed transition too.
#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <mutex>

#include "core/date.h"
#include "core/numbers.h"
#include "core/text.h"
#include "institutions/institutions.h"
#include "security/audit.h"
#include "security/ca.h"
#include "store/sqlite.h"

namespace onshi::institutions {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using core::Date;

constexpr int kSchemaVersion = 1;
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE institution(
  id                       INTEGER PRIMARY KEY,
  provisional_code         TEXT NOT NULL UNIQUE,
  kind                     TEXT NOT NULL,
  prefecture               TEXT NOT NULL,
  district                 TEXT NOT NULL,
  name                     TEXT NOT NULL,
  address                  TEXT NOT NULL,
  stage                    TEXT NOT NULL,
  portal_account           INTEGER NOT NULL DEFAULT 0,
  reader                   TEXT NOT NULL DEFAULT 'none',
  reader_model             TEXT NOT NULL DEFAULT '',
  reader_applied_on        TEXT NOT NULL DEFAULT '',
  reader_model_deadline    TEXT NOT NULL DEFAULT '',
  reader_shipped_on        TEXT NOT NULL DEFAULT '',
  reception_number         TEXT NOT NULL DEFAULT '',
  medical_institution_code TEXT UNIQUE,
  designation_date         TEXT NOT NULL DEFAULT '',
  request_date             TEXT NOT NULL DEFAULT '',
  bureau_answer_date       TEXT NOT NULL DEFAULT '',
  agency_deadline          TEXT NOT NULL DEFAULT '',
  presented_on             TEXT NOT NULL DEFAULT '',
  designated_on            TEXT NOT NULL DEFAULT '',
  usage_applied_on         TEXT NOT NULL DEFAULT '',
  usage_start              TEXT NOT NULL DEFAULT '',
  medical_aid              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX institution_reception ON institution(reception_number) WHERE reception_number <> '';
CREATE INDEX institution_usage ON institution(stage, usage_start);
CREATE TABLE counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE number_high_water(
  prefecture TEXT NOT NULL, score_table TEXT NOT NULL, district TEXT NOT NULL,
  last_number INTEGER NOT NULL,
  PRIMARY KEY(prefecture, score_table, district)
);
CREATE TABLE medical_aid_setting(
  seq            INTEGER PRIMARY KEY,
  institution_id INTEGER NOT NULL REFERENCES institution(id) ON DELETE CASCADE,
  effective_on   TEXT NOT NULL,
  use            INTEGER NOT NULL
);
CREATE INDEX medical_aid_setting_by_institution ON medical_aid_setting(institution_id, effective_on);
CREATE TABLE schedule_override(
  month               TEXT PRIMARY KEY,
  bureau_answer       TEXT,
  agency_deadline     TEXT,
  submission_deadline TEXT
);
CREATE TABLE population(
  kind TEXT NOT NULL, prefecture TEXT NOT NULL, total INTEGER NOT NULL,
  PRIMARY KEY(kind, prefecture)
);
CREATE TABLE institution_event(
  seq              INTEGER PRIMARY KEY,
  time_us          INTEGER NOT NULL,
  provisional_code TEXT NOT NULL,
  action           TEXT NOT NULL,
  actor            TEXT NOT NULL,
  detail           TEXT NOT NULL
);
CREATE INDEX institution_event_by_code ON institution_event(provisional_code, seq);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);

Error fail(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
}
Error db_error(sqlite3* db, const std::string& what) { return store::sqlite::error(db, what); }

using store::sqlite::exec;
using store::sqlite::Stmt;

constexpr const char* kColumns =
    "id, provisional_code, kind, prefecture, district, name, address, stage, portal_account, "
    "reader, reader_model, reader_applied_on, reader_model_deadline, reader_shipped_on, "
    "reception_number, medical_institution_code, designation_date, request_date, "
    "bureau_answer_date, agency_deadline, presented_on, designated_on, usage_applied_on, "
    "usage_start, medical_aid";

Stage parse_stage(const std::string& s) {
  for (Stage st : {Stage::kProvisional, Stage::kNumberAnswered, Stage::kDesignated, Stage::kInUse})
    if (stage_name(st) == s) return st;
  return Stage::kProvisional;
}
ReaderState parse_reader(const std::string& s) {
  for (ReaderState r : {ReaderState::kNone, ReaderState::kApplied, ReaderState::kUndecided,
                        ReaderState::kShipped, ReaderState::kCancelled})
    if (reader_state_name(r) == s) return r;
  return ReaderState::kNone;
}

Institution read_row(Stmt& s) {
  Institution i;
  int c = 0;
  i.id = s.col_i64(c++);
  i.provisional_code = s.col_text(c++);
  i.kind = parse_kind(s.col_text(c++)).value_or(Kind::kClinic);
  i.prefecture = s.col_text(c++);
  i.district = s.col_text(c++);
  i.name = s.col_text(c++);
  i.address = s.col_text(c++);
  i.stage = parse_stage(s.col_text(c++));
  i.portal_account = s.col_i64(c++) != 0;
  i.reader = parse_reader(s.col_text(c++));
  i.reader_model = s.col_text(c++);
  i.reader_applied_on = s.col_text(c++);
  i.reader_model_deadline = s.col_text(c++);
  i.reader_shipped_on = s.col_text(c++);
  i.reception_number = s.col_text(c++);
  i.medical_institution_code = s.col_text(c++);
  i.designation_date = s.col_text(c++);
  i.request_date = s.col_text(c++);
  i.bureau_answer_date = s.col_text(c++);
  i.agency_deadline = s.col_text(c++);
  i.presented_on = s.col_text(c++);
  i.designated_on = s.col_text(c++);
  i.usage_applied_on = s.col_text(c++);
  i.usage_start = s.col_text(c++);
  i.medical_aid = s.col_i64(c++) != 0;
  return i;
}

bool two_digits_in(std::string_view s, int lo, int hi) {
  if (s.size() != 2 || !core::all_digits(s)) return false;
  int n = (s[0] - '0') * 10 + (s[1] - '0');
  return n >= lo && n <= hi;
}

Date last_day_of_month(int y, int m) {
  return Date::from_ymd(y, m, 1).first_of_next_month().add_days(-1);
}

std::string month_key(int y, int m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04d%02d", y, m);
  return buf;
}

std::optional<Date> parse_optional_date(const std::string& s) {
  if (s.empty()) return std::nullopt;
  auto d = Date::parse(s);
  if (!d) return std::nullopt;
  return *d;
}

}  // namespace

std::string to_json(const Institution& i) {
  json::object o;
  o["provisionalCode"] = i.provisional_code;
  o["kind"] = kind_name(i.kind);
  o["kindLabel"] = kind_label(i.kind);
  o["scoreTable"] = std::string(1, score_table(i.kind));
  o["prefecture"] = i.prefecture;
  o["district"] = i.district;
  o["name"] = i.name;
  o["address"] = i.address;
  o["stage"] = stage_name(i.stage);
  o["stageLabel"] = stage_label(i.stage);
  o["portalAccount"] = i.portal_account;
  o["cardReader"] = reader_state_name(i.reader);
  o["cardReaderModel"] = i.reader_model;
  o["cardReaderAppliedOn"] = i.reader_applied_on;
  o["cardReaderModelDeadline"] = i.reader_model_deadline;
  o["cardReaderShippedOn"] = i.reader_shipped_on;
  o["receptionNumber"] = i.reception_number;
  o["medicalInstitutionCode"] = i.medical_institution_code;
  o["designationDate"] = i.designation_date;
  o["requestDate"] = i.request_date;
  o["bureauAnswerDate"] = i.bureau_answer_date;
  o["agencyDeadline"] = i.agency_deadline;
  o["presentedOn"] = i.presented_on;
  o["designatedOn"] = i.designated_on;
  o["usageAppliedOn"] = i.usage_applied_on;
  o["usageStart"] = i.usage_start;
  o["medicalAid"] = i.medical_aid;
  return json::serialize(o);
}

std::string BulkReport::to_json() const {
  json::object o;
  o["designated"] = designated;
  o["rejected"] = rejected;
  json::array errs;
  for (const auto& e : errors) {
    errs.push_back(
        json::object{{"row", e.row}, {"code", e.code}, {"field", e.field}, {"message", e.message}});
  }
  o["errors"] = std::move(errs);
  return json::serialize(o);
}

struct Registry::Impl {
  fs::path data_dir;
  sqlite3* db = nullptr;
  security::AuditLog* audit = nullptr;
  std::mutex mu;

  ~Impl() {
    if (db) sqlite3_close(db);
  }

  // Runs `body` in one immediate transaction: committed when it returns Ok, rolled back
  // otherwise. Audit events collected by the body are recorded after the commit.
  struct Tx {
    std::vector<security::AuditEvent> events;
  };
  template <class F>
  Status transaction(F&& body) {
    std::lock_guard lock(mu);
    if (auto st = exec(db, "BEGIN IMMEDIATE"); !st) return st;
    Tx tx;
    Status st = body(tx);
    if (!st) {
      exec(db, "ROLLBACK");
      return st;
    }
    if (auto c = exec(db, "COMMIT"); !c) {
      exec(db, "ROLLBACK");
      return c;
    }
    if (audit) {
      for (auto& e : tx.events) audit->record(std::move(e));
    }
    return st;
  }

  Status event(Tx& tx, const Institution& i, std::string_view action, const std::string& actor,
               json::object detail) {
    detail["stage"] = stage_name(i.stage);
    if (!i.medical_institution_code.empty())
      detail["medicalInstitutionCode"] = i.medical_institution_code;
    std::string d = json::serialize(detail);
    int64_t now = core::now_unix_us();
    Stmt s(db,
           "INSERT INTO institution_event(time_us, provisional_code, action, actor, detail) "
           "VALUES(?,?,?,?,?)");
    s.i64(1, now).text(2, i.provisional_code).text(3, action).text(4, actor).text(5, d);
    if (s.step() != SQLITE_DONE) return db_error(db, "institution_event");
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution." + std::string(action);
    ev.subject =
        i.medical_institution_code.empty() ? i.provisional_code : i.medical_institution_code;
    ev.detail = d;
    ev.time_us = now;
    tx.events.push_back(std::move(ev));
    return {};
  }

  Result<Institution> load(const std::string& key) {
    std::string sql = std::string("SELECT ") + kColumns + " FROM institution WHERE ";
    if (key.size() == 7 && key.rfind("00", 0) == 0 && core::all_digits(key)) {
      sql += "provisional_code = ?";
    } else if (key.size() == 7 && core::all_digits(key)) {
      sql += "reception_number = ?";
    } else if (key.size() == 10 && core::all_digits(key)) {
      sql += "medical_institution_code = ?";
    } else {
      return fail("E_KEY", "key",
                  "仮コード（00で始まる7桁）、受付番号（7桁）または医療機関コード（10桁）を指定して"
                  "ください");
    }
    Stmt s(db, sql.c_str());
    s.text(1, key);
    std::vector<Institution> found;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) found.push_back(read_row(s));
    if (rc != SQLITE_DONE) return db_error(db, "load");
    if (found.empty()) return fail("E_NOT_FOUND", "key", "該当する医療機関等がありません: " + key);
    if (found.size() > 1)
      return fail(
          "E_AMBIGUOUS", "key",
          "受付番号 " + key +
              " は複数の都道府県・点数表にあります。10桁の医療機関コードで指定してください");
    return found.front();
  }

  Status save(const Institution& i) {
    Stmt s(db,
           "UPDATE institution SET stage=?, portal_account=?, reader=?, reader_model=?, "
           "reader_applied_on=?, reader_model_deadline=?, reader_shipped_on=?, reception_number=?, "
           "medical_institution_code=?, designation_date=?, request_date=?, bureau_answer_date=?, "
           "agency_deadline=?, presented_on=?, designated_on=?, usage_applied_on=?, usage_start=?, "
           "medical_aid=? WHERE id=?");
    s.text(1, stage_name(i.stage)).i64(2, i.portal_account ? 1 : 0);
    s.text(3, reader_state_name(i.reader)).text(4, i.reader_model);
    s.text(5, i.reader_applied_on).text(6, i.reader_model_deadline).text(7, i.reader_shipped_on);
    s.text(8, i.reception_number).text_or_null(9, i.medical_institution_code);
    s.text(10, i.designation_date).text(11, i.request_date).text(12, i.bureau_answer_date);
    s.text(13, i.agency_deadline).text(14, i.presented_on).text(15, i.designated_on);
    s.text(16, i.usage_applied_on).text(17, i.usage_start).i64(18, i.medical_aid ? 1 : 0);
    s.i64(19, i.id);
    if (s.step() != SQLITE_DONE) return db_error(db, "save");
    return {};
  }

  Result<int64_t> counter_next(const char* name) {
    Stmt s(db,
           "INSERT INTO counter(name, value) VALUES(?, 1) "
           "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value");
    s.text(1, name);
    if (s.step() != SQLITE_ROW) return db_error(db, "counter");
    return s.col_i64(0);
  }

  std::vector<ScheduleOverride> overrides_locked() {
    std::vector<ScheduleOverride> out;
    Stmt s(db,
           "SELECT month, bureau_answer, agency_deadline, submission_deadline FROM "
           "schedule_override ORDER BY month");
    while (s.step() == SQLITE_ROW) {
      ScheduleOverride o;
      std::string m = s.col_text(0);
      o.year = std::stoi(m.substr(0, 4));
      o.month = std::stoi(m.substr(4, 2));
      o.bureau_answer = parse_optional_date(s.col_text(1));
      o.agency_deadline = parse_optional_date(s.col_text(2));
      o.submission_deadline = parse_optional_date(s.col_text(3));
      out.push_back(o);
    }
    return out;
  }

  Schedule schedule_locked(Date designation) {
    auto o = overrides_locked();
    return schedule_for(designation, o);
  }

  // Loads, checks and changes one entry in a transaction; `step` mutates the entry and
  // returns the event's detail, or an error that rolls everything back.
  template <class F>
  Result<Institution> transition(const std::string& key, std::string_view action,
                                 const std::string& actor, F&& step) {
    Institution out;
    Status st = transaction([&](Tx& tx) -> Status {
      auto loaded = load(key);
      if (!loaded) return loaded.error();
      Institution i = std::move(*loaded);
      json::object detail;
      if (Status s = step(i, detail); !s) return s;
      if (Status s = save(i); !s) return s;
      if (Status s = event(tx, i, action, actor, std::move(detail)); !s) return s;
      out = std::move(i);
      return {};
    });
    if (!st) return st.error();
    return out;
  }

  Result<std::vector<Institution>> query(const std::string& where,
                                         const std::vector<std::string>& params) {
    std::lock_guard lock(mu);
    std::string sql = std::string("SELECT ") + kColumns + " FROM institution " + where;
    Stmt s(db, sql.c_str());
    if (!s.ok()) return db_error(db, "query");
    for (size_t p = 0; p < params.size(); ++p) s.text(static_cast<int>(p + 1), params[p]);
    std::vector<Institution> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_row(s));
    if (rc != SQLITE_DONE) return db_error(db, "query");
    return out;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::open(const fs::path& data_dir,
                                                 security::AuditLog* audit) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  std::unique_ptr<Registry> r(new Registry());
  auto& m = *r->impl_;
  m.data_dir = data_dir;
  m.audit = audit;
  fs::path file = data_dir / "institutions.db";
  store::sqlite::OpenOptions oo;
  oo.full_mutex = true;
  oo.busy_timeout_ms = 10000;
  auto db = store::sqlite::open(file, oo);
  if (!db) return fail("E_STORE_OPEN", "data-dir", "cannot open " + file.string());
  m.db = *db;
  if (auto st = store::sqlite::migrate(m.db, kMigrations, file.string(), "data-dir"); !st)
    return st.error();
  return r;
}

Result<Institution> Registry::issue_provisional(const NewInstitution& n, const std::string& actor) {
  auto kind = parse_kind(n.kind);
  if (!kind)
    return fail("E_KIND", "kind", "種別は clinic・hospital・dental・pharmacy のいずれかです");
  if (!two_digits_in(n.prefecture, 1, 47))
    return fail("E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です");
  if (!two_digits_in(n.district, 1, 99))
    return fail("E_DISTRICT", "district", "郡市区番号は01〜99の2桁です");
  if (n.name.empty() || core::codepoint_count(n.name) > 100 || !core::is_valid_utf8(n.name))
    return fail("E_NAME", "name", "名称は1〜100文字で入力してください");
  if (!core::representable_in_shift_jis(n.name))
    return fail("E_NAME", "name", "名称にShift_JISで表せない文字があります");
  if (n.address.empty() || core::codepoint_count(n.address) > 200 ||
      !core::is_valid_utf8(n.address))
    return fail("E_ADDRESS", "address", "所在地は1〜200文字で入力してください");
  if (!core::representable_in_shift_jis(n.address))
    return fail("E_ADDRESS", "address", "所在地にShift_JISで表せない文字があります");
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto seq = m.counter_next("provisional");
    if (!seq) return seq.error();
    if (*seq > 99999)
      return fail("E_NUMBER_EXHAUSTED", "", "仮コードの払い出し可能な番号がありません");
    std::string code = std::to_string(*seq);
    code = "00" + std::string(5 - code.size(), '0') + code;
    Stmt s(m.db,
           "INSERT INTO institution(provisional_code, kind, prefecture, district, name, address, "
           "stage) "
           "VALUES(?,?,?,?,?,?,?)");
    s.text(1, code).text(2, kind_name(*kind)).text(3, n.prefecture).text(4, n.district);
    s.text(5, n.name).text(6, n.address).text(7, stage_name(Stage::kProvisional));
    if (s.step() != SQLITE_DONE) return db_error(m.db, "insert institution");
    auto loaded = m.load(code);
    if (!loaded) return loaded.error();
    out = *loaded;
    return m.event(tx, out, "provisional", actor,
                   json::object{{"kind", kind_name(*kind)}, {"prefecture", n.prefecture}});
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::register_portal_account(const std::string& key,
                                                      const std::string& actor) {
  return impl_->transition(
      key, "portalAccount", actor, [](Institution& i, json::object&) -> Status {
        if (i.portal_account)
          return fail("E_STATE", "provisionalCode", "ポータルサイトのアカウントは登録済みです");
        i.portal_account = true;
        return {};
      });
}

Result<Institution> Registry::apply_card_reader(const std::string& key, const std::string& model,
                                                Date on, const std::string& actor) {
  return impl_->transition(
      key, "cardReaderApplication", actor, [&](Institution& i, json::object& d) -> Status {
        if (!i.portal_account)
          return fail(
              "E_NO_PORTAL_ACCOUNT", "provisionalCode",
              "顔認証付きカードリーダーの申込みの前にポータルサイトのアカウント登録が必要です");
        if (i.reader != ReaderState::kNone && i.reader != ReaderState::kCancelled)
          return fail("E_STATE", "cardReader", "顔認証付きカードリーダーは申込み済みです");
        bool undecided = model.empty() || model == "機種未定";
        i.reader_applied_on = on.yyyymmdd();
        i.reader_shipped_on.clear();
        if (undecided) {
          i.reader = ReaderState::kUndecided;
          i.reader_model.clear();
          Date third = on.first_of_month();
          for (int k = 0; k < 3; ++k) third = third.first_of_next_month();
          i.reader_model_deadline = last_day_of_month(third.year(), third.month()).yyyymmdd();
        } else {
          i.reader = ReaderState::kApplied;
          i.reader_model = model;
          i.reader_model_deadline.clear();
          if (!i.presented_on.empty()) {
            i.reader = ReaderState::kShipped;
            i.reader_shipped_on = on.yyyymmdd();
          }
        }
        d["model"] = undecided ? "機種未定" : model;
        return {};
      });
}

Result<Institution> Registry::choose_reader_model(const std::string& key, const std::string& model,
                                                  Date on, const std::string& actor) {
  return impl_->transition(key, "cardReaderModel", actor,
                           [&](Institution& i, json::object& d) -> Status {
                             if (model.empty() || model == "機種未定")
                               return fail("E_MODEL", "model", "機種を指定してください");
                             if (i.reader != ReaderState::kUndecided)
                               return fail("E_STATE", "cardReader", "機種未定の申込みがありません");
                             if (on.yyyymmdd() > i.reader_model_deadline)
                               return fail("E_READER_CANCELLED", "model",
                                           "機種選定の期限（" + i.reader_model_deadline +
                                               "）を過ぎたため申込みはキャンセル扱いです");
                             i.reader = ReaderState::kApplied;
                             i.reader_model = model;
                             if (!i.presented_on.empty()) {
                               i.reader = ReaderState::kShipped;
                               i.reader_shipped_on = on.yyyymmdd();
                             }
                             d["model"] = model;
                             return {};
                           });
}

Result<std::vector<Institution>> Registry::cancel_undecided_readers(Date as_of,
                                                                    const std::string& actor) {
  auto& m = *impl_;
  std::vector<Institution> out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    Stmt s(
        m.db,
        (std::string("SELECT ") + kColumns +
         " FROM institution WHERE reader = 'undecided' AND reader_model_deadline < ? ORDER BY id")
            .c_str());
    s.text(1, as_of.yyyymmdd());
    int rc;
    std::vector<Institution> due;
    while ((rc = s.step()) == SQLITE_ROW) due.push_back(read_row(s));
    if (rc != SQLITE_DONE) return db_error(m.db, "undecided");
    for (auto& i : due) {
      i.reader = ReaderState::kCancelled;
      if (Status x = m.save(i); !x) return x;
      if (Status x = m.event(tx, i, "cardReaderCancelled", actor,
                             json::object{{"deadline", i.reader_model_deadline}});
          !x)
        return x;
      out.push_back(i);
    }
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::request_reception_number(const NumberRequest& r,
                                                       const std::string& actor) {
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto loaded = m.load(r.provisional_code);
    if (!loaded) return loaded.error();
    Institution i = std::move(*loaded);
    if (i.stage != Stage::kProvisional)
      return fail("E_STATE", "provisionalCode", "受付番号は回答済みです: " + i.reception_number);
    if (r.retroactive || r.designation < r.request_date)
      return fail("E_RETROACTIVE", "designationDate",
                  "指定期日を遡及して指定を受ける医療機関等は受付番号の情報提供の対象外です");
    Schedule s = m.schedule_locked(r.designation);
    if (r.request_date > s.submission_deadline)
      return fail("E_SUBMISSION_DEADLINE", "requestDate",
                  "地方厚生（支）局の提出期限（" + core::to_wareki(s.submission_deadline) +
                      "）を過ぎているため、診療開始月の月初からの利用には間に合いません（返戻）");
    char table = score_table(i.kind);
    std::string tkey(1, table);
    Stmt hw(m.db,
            "SELECT last_number FROM number_high_water WHERE prefecture=? AND score_table=? AND "
            "district=?");
    hw.text(1, i.prefecture).text(2, tkey).text(3, i.district);
    int high = 0;
    int rc = hw.step();
    if (rc == SQLITE_ROW)
      high = static_cast<int>(hw.col_i64(0));
    else if (rc != SQLITE_DONE)
      return db_error(m.db, "high water");
    int number = next_number(table, high);
    // Skip numbers held by entries registered with their code (e.g. from a bureau's list).
    for (; number > 0; number = next_number(table, number)) {
      auto candidate = make_institution_number(i.prefecture, table, i.district, number);
      Stmt used(m.db, "SELECT 1 FROM institution WHERE medical_institution_code = ?");
      used.text(1, candidate.medical_institution_code);
      if (used.step() != SQLITE_ROW) break;
    }
    if (number < 0)
      return fail("E_NUMBER_EXHAUSTED", "district",
                  "この郡市区・点数表で払い出せる番号がありません");
    Stmt up(m.db,
            "INSERT INTO number_high_water(prefecture, score_table, district, last_number) "
            "VALUES(?,?,?,?) "
            "ON CONFLICT(prefecture, score_table, district) DO UPDATE SET last_number = "
            "excluded.last_number");
    up.text(1, i.prefecture).text(2, tkey).text(3, i.district).i64(4, number);
    if (up.step() != SQLITE_DONE) return db_error(m.db, "high water");
    auto num = make_institution_number(i.prefecture, table, i.district, number);
    i.reception_number = num.reception_number;
    i.medical_institution_code = num.medical_institution_code;
    i.designation_date = r.designation.yyyymmdd();
    i.request_date = r.request_date.yyyymmdd();
    i.bureau_answer_date = s.bureau_answer.yyyymmdd();
    i.agency_deadline = s.agency_deadline.yyyymmdd();
    i.stage = Stage::kNumberAnswered;
    if (Status x = m.save(i); !x) return x;
    if (Status x = m.event(tx, i, "receptionNumber", actor,
                           json::object{{"receptionNumber", i.reception_number},
                                        {"designationDate", i.designation_date},
                                        {"bureauAnswerDate", i.bureau_answer_date},
                                        {"agencyDeadline", i.agency_deadline}});
        !x)
      return x;
    out = std::move(i);
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::present_reception_number(const std::string& key, Date on,
                                                       bool late_accepted,
                                                       const std::string& actor) {
  auto& m = *impl_;
  return m.transition(key, "presentation", actor, [&](Institution& i, json::object& d) -> Status {
    if (i.stage == Stage::kProvisional)
      return fail("E_STATE", "receptionNumber", "受付番号がまだ回答されていません");
    if (!i.presented_on.empty() || i.stage == Stage::kInUse)
      return fail("E_STATE", "receptionNumber", "受付番号は提示済みです");
    auto designation = Date::parse(i.designation_date);
    Date deadline = designation ? m.schedule_locked(*designation).agency_deadline : on;
    if (on > deadline && !late_accepted)
      return fail("E_PRESENTATION_DEADLINE", "date",
                  "実施機関への提出期限（" + core::to_wareki(deadline) +
                      "）を過ぎています。実施機関の個別対応が必要です");
    i.presented_on = on.yyyymmdd();
    if (i.reader == ReaderState::kApplied) {
      i.reader = ReaderState::kShipped;
      i.reader_shipped_on = on.yyyymmdd();
    }
    d["late"] = on > deadline;
    return {};
  });
}

Result<Institution> Registry::designate(const std::string& key, const std::string& actor) {
  return impl_->transition(key, "designated", actor, [](Institution& i, json::object&) -> Status {
    if (i.stage == Stage::kProvisional)
      return fail("E_STATE", "receptionNumber",
                  "受付番号が回答されていない医療機関等は指定できません");
    if (i.stage != Stage::kNumberAnswered)
      return fail("E_STATE", "receptionNumber", "既に指定済みです");
    i.stage = Stage::kDesignated;
    i.designated_on = Date::today_jst().yyyymmdd();
    return {};
  });
}

Result<Institution> Registry::report_not_designated(const std::string& key,
                                                    const std::string& actor) {
  auto& m = *impl_;
  Institution out;
  Status st = m.transaction([&](Impl::Tx& tx) -> Status {
    auto loaded = m.load(key);
    if (!loaded) return loaded.error();
    Institution i = std::move(*loaded);
    if (i.stage != Stage::kNumberAnswered)
      return fail("E_STATE", "receptionNumber",
                  i.stage == Stage::kProvisional ? "受付番号が回答されていません"
                                                 : "指定済みの医療機関等は削除できません");
    Stmt del(m.db, "DELETE FROM institution WHERE id = ?");
    del.i64(1, i.id);
    if (del.step() != SQLITE_DONE) return db_error(m.db, "delete");
    // The number stays below the high-water mark, so it is never handed out again.
    if (Status x =
            m.event(tx, i, "notDesignated", actor,
                    json::object{{"receptionNumber", i.reception_number}, {"deleted", true}});
        !x)
      return x;
    out = std::move(i);
    return {};
  });
  if (!st) return st.error();
  return out;
}

Result<Institution> Registry::apply_usage(const std::string& key, Date on, const fs::path& cert_out,
                                          const std::string& actor) {
  auto& m = *impl_;
  return m.transition(key, "usage", actor, [&](Institution& i, json::object& d) -> Status {
    if (i.stage == Stage::kInUse)
      return fail("E_STATE", "medicalInstitutionCode", "利用申請は受付済みです");
    if (i.stage != Stage::kDesignated)
      return fail(
          "E_NOT_DESIGNATED", "medicalInstitutionCode",
          "保険医療機関等として指定されていないため、利用申請・電子証明書の発行はできません");
    if (Status s = security::issue_client(m.data_dir, security::Role::kInstitution,
                                          i.medical_institution_code, cert_out);
        !s)
      return s;
    i.stage = Stage::kInUse;
    i.usage_applied_on = on.yyyymmdd();
    i.usage_start = std::max(i.usage_applied_on, i.designation_date);
    d["usageStart"] = i.usage_start;
    d["certificate"] = "issued";
    return {};
  });
}

Result<Institution> Registry::set_medical_aid(const std::string& key, bool use, Date on,
                                              const std::string& actor) {
  auto& m = *impl_;
  return m.transition(key, "medicalAid", actor, [&](Institution& i, json::object& d) -> Status {
    if (i.stage != Stage::kInUse)
      return fail("E_STATE", "medicalInstitutionCode",
                  "医療扶助情報の設定はオンライン資格確認を利用中の医療機関等のみ変更できます");
    Stmt s(m.db,
           "INSERT INTO medical_aid_setting(institution_id, effective_on, use) VALUES(?,?,?)");
    s.i64(1, i.id).text(2, on.yyyymmdd()).i64(3, use ? 1 : 0);
    if (s.step() != SQLITE_DONE) return db_error(m.db, "medical aid");
    i.medical_aid = use;
    d["use"] = use;
    d["effectiveOn"] = on.yyyymmdd();
    return {};
  });
}

Result<Institution> Registry::find(const std::string& key) {
  std::lock_guard lock(impl_->mu);
  return impl_->load(key);
}

Result<std::vector<Institution>> Registry::all() {
  return impl_->query("ORDER BY id", {});
}

Result<std::vector<Institution>> Registry::published_list(Date as_of, const ListFilter& f) {
  std::string where = "WHERE stage = 'inUse' AND usage_start < ?";
  std::vector<std::string> params{publication_monday(as_of).yyyymmdd()};
  if (!f.prefecture.empty()) {
    where += " AND prefecture = ?";
    params.push_back(f.prefecture);
  }
  if (f.kind) {
    where += " AND kind = ?";
    params.push_back(std::string(kind_name(*f.kind)));
  }
  if (!f.name.empty()) {
    where += " AND instr(name, ?) > 0";
    params.push_back(f.name);
  }
  where += " ORDER BY medical_institution_code";
  return impl_->query(where, params);
}

Result<std::vector<Institution>> Registry::medical_aid_list(int year, int month) {
  if (!Date::valid_ymd(year, month, 1)) return fail("E_DATE", "month", "年月が正しくありません");
  std::string first = Date::from_ymd(year, month, 1).yyyymmdd();
  return impl_->query(
      "WHERE stage = 'inUse' AND usage_start < ?1 AND (SELECT s.use FROM medical_aid_setting s "
      "WHERE s.institution_id = institution.id AND s.effective_on < ?1 "
      "ORDER BY s.effective_on DESC, s.seq DESC LIMIT 1) = 1 ORDER BY medical_institution_code",
      {first});
}

Result<std::vector<std::string>> Registry::history(const std::string& key) {
  auto& m = *impl_;
  std::string provisional = key;
  {
    std::lock_guard lock(m.mu);
    if (auto i = m.load(key)) provisional = i->provisional_code;
    Stmt s(m.db,
           "SELECT seq, time_us, action, actor, detail FROM institution_event "
           "WHERE provisional_code = ? ORDER BY seq");
    s.text(1, provisional);
    std::vector<std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      json::object o{{"seq", s.col_i64(0)},
                     {"time", core::timestamp_jst(s.col_i64(1))},
                     {"action", s.col_text(2)},
                     {"actor", s.col_text(3)}};
      boost::system::error_code ec;
      o["detail"] = json::parse(s.col_text(4), ec);
      out.push_back(json::serialize(o));
    }
    if (rc != SQLITE_DONE) return db_error(m.db, "history");
    if (out.empty()) return fail("E_NOT_FOUND", "key", "該当する医療機関等がありません: " + key);
    return out;
  }
}

Status Registry::set_schedule_override(const ScheduleOverride& o, const std::string& actor) {
  if (!Date::valid_ymd(o.year, o.month, 1))
    return fail("E_DATE", "month", "年月が正しくありません");
  if (!o.bureau_answer && !o.agency_deadline && !o.submission_deadline)
    return fail("E_FLAG", "", "変更する日付を1つ以上指定してください");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    Stmt s(
        m.db,
        "INSERT INTO schedule_override(month, bureau_answer, agency_deadline, submission_deadline) "
        "VALUES(?,?,?,?) ON CONFLICT(month) DO UPDATE SET bureau_answer=excluded.bureau_answer, "
        "agency_deadline=excluded.agency_deadline, "
        "submission_deadline=excluded.submission_deadline");
    s.text(1, month_key(o.year, o.month));
    s.text_or_null(2, o.bureau_answer ? o.bureau_answer->yyyymmdd() : "");
    s.text_or_null(3, o.agency_deadline ? o.agency_deadline->yyyymmdd() : "");
    s.text_or_null(4, o.submission_deadline ? o.submission_deadline->yyyymmdd() : "");
    if (s.step() != SQLITE_DONE) return db_error(m.db, "override");
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution.scheduleOverride";
    ev.subject = month_key(o.year, o.month);
    tx.events.push_back(std::move(ev));
    return {};
  });
}

Status Registry::clear_schedule_override(int year, int month, const std::string& actor) {
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    Stmt s(m.db, "DELETE FROM schedule_override WHERE month = ?");
    s.text(1, month_key(year, month));
    if (s.step() != SQLITE_DONE) return db_error(m.db, "override");
    if (sqlite3_changes(m.db) == 0)
      return fail("E_NOT_FOUND", "month", "その月の日程の上書きはありません");
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution.scheduleOverrideCleared";
    ev.subject = month_key(year, month);
    tx.events.push_back(std::move(ev));
    return {};
  });
}

Result<std::vector<ScheduleOverride>> Registry::schedule_overrides() {
  std::lock_guard lock(impl_->mu);
  return impl_->overrides_locked();
}

Result<Schedule> Registry::schedule(Date designation) {
  std::lock_guard lock(impl_->mu);
  return impl_->schedule_locked(designation);
}

Status Registry::set_total(Kind k, const std::string& prefecture, int64_t count,
                           const std::string& actor) {
  if (!two_digits_in(prefecture, 1, 47))
    return fail("E_PREFECTURE", "prefecture", "都道府県番号は01〜47の2桁です");
  if (count < 0) return fail("E_COUNT", "count", "件数は0以上です");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    Stmt s(m.db,
           "INSERT INTO population(kind, prefecture, total) VALUES(?,?,?) "
           "ON CONFLICT(kind, prefecture) DO UPDATE SET total = excluded.total");
    s.text(1, kind_name(k)).text(2, prefecture).i64(3, count);
    if (s.step() != SQLITE_DONE) return db_error(m.db, "population");
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution.population";
    ev.subject = std::string(kind_name(k)) + ":" + prefecture;
    ev.detail = "{\"total\":" + std::to_string(count) + "}";
    tx.events.push_back(std::move(ev));
    return {};
  });
}

Status Registry::set_card_figures(int64_t issued, int64_t registrations, const std::string& actor) {
  if (issued < 0 || registrations < 0 || registrations > issued)
    return fail("E_COUNT", "registrations", "利用登録数は0以上、交付数以下です");
  auto& m = *impl_;
  return m.transaction([&](Impl::Tx& tx) -> Status {
    for (auto [name, value] :
         {std::pair{"cards_issued", issued}, std::pair{"card_registrations", registrations}}) {
      Stmt s(m.db,
             "INSERT INTO counter(name, value) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET value = "
             "excluded.value");
      s.text(1, name).i64(2, value);
      if (s.step() != SQLITE_DONE) return db_error(m.db, "counter");
    }
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution.cardFigures";
    ev.detail = "{\"issued\":" + std::to_string(issued) +
                ",\"registrations\":" + std::to_string(registrations) + "}";
    tx.events.push_back(std::move(ev));
    return {};
  });
}

Result<Statistics> Registry::statistics(Date as_of) {
  auto& m = *impl_;
  std::lock_guard lock(m.mu);
  struct Cell {
    int64_t count = 0, readers = 0, in_use = 0, aid = 0;
    std::optional<int64_t> population;
  };
  std::map<std::pair<std::string, std::string>, Cell> cells;  // (kind, prefecture)
  std::string day = as_of.yyyymmdd();
  {
    Stmt s(m.db,
           "SELECT kind, prefecture, count(*), "
           "sum(reader IN ('applied','undecided','shipped') AND reader_applied_on <= ?1), "
           "sum(stage = 'inUse' AND usage_start <= ?1), "
           "sum(stage = 'inUse' AND usage_start <= ?1 AND medical_aid = 1) "
           "FROM institution GROUP BY kind, prefecture");
    s.text(1, day);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      auto& c = cells[{s.col_text(0), s.col_text(1)}];
      c.count = s.col_i64(2);
      c.readers = s.col_i64(3);
      c.in_use = s.col_i64(4);
      c.aid = s.col_i64(5);
    }
    if (rc != SQLITE_DONE) return db_error(m.db, "statistics");
  }
  {
    Stmt s(m.db, "SELECT kind, prefecture, total FROM population");
    while (s.step() == SQLITE_ROW) cells[{s.col_text(0), s.col_text(1)}].population = s.col_i64(2);
  }
  Statistics st;
  st.as_of = day;
  std::map<std::string, PrefectureStatistics> prefs;
  for (int p = 1; p <= 47; ++p) {
    char two[3];
    std::snprintf(two, sizeof two, "%02d", p);
    prefs[two].prefecture = two;
  }
  for (Kind k : {Kind::kHospital, Kind::kClinic, Kind::kDental, Kind::kPharmacy}) {
    KindStatistics ks{k};
    for (const auto& [key, c] : cells) {
      if (key.first != kind_name(k)) continue;
      int64_t total = std::max(c.population.value_or(c.count), c.count);
      ks.total += total;
      ks.reader_applications += c.readers;
      ks.in_use += c.in_use;
      ks.medical_aid += c.aid;
      auto& ps = prefs[key.second];
      ps.total += total;
      ps.reader_applications += c.readers;
      ps.in_use += c.in_use;
    }
    st.total += ks.total;
    st.reader_applications += ks.reader_applications;
    st.in_use += ks.in_use;
    st.medical_aid += ks.medical_aid;
    st.by_kind.push_back(ks);
  }
  for (auto& [_, ps] : prefs) st.by_prefecture.push_back(ps);
  Stmt c(m.db,
         "SELECT name, value FROM counter WHERE name IN ('cards_issued','card_registrations')");
  while (c.step() == SQLITE_ROW) {
    if (c.col_text(0) == "cards_issued")
      st.cards_issued = c.col_i64(1);
    else
      st.card_registrations = c.col_i64(1);
  }
  return st;
}

}  // namespace onshi::institutions

namespace onshi::institutions {
namespace {

// RFC 4180 rows of a CSV text (quoted fields, doubled quotes, CRLF or LF).
std::vector<std::vector<std::string>> csv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

}  // namespace

Result<BulkReport> Registry::designate_from_list(std::string_view file, const std::string& actor) {
  std::string text;
  if (core::detect_encoding(file) == core::Encoding::kShiftJis) {
    auto u = core::shift_jis_to_utf8(file);
    if (!u)
      return Error{"E_ENCODING", "file",
                   "ファイルの文字コードを読み取れません（UTF-8 または Shift_JIS）"};
    text = std::move(*u);
  } else {
    text = std::string(core::strip_utf8_bom(file));
  }
  auto rows = csv_rows(text);
  if (rows.empty()) return Error{"E_HEADER", "file", "見出し行がありません"};
  int code_col = -1;
  for (size_t c = 0; c < rows[0].size(); ++c) {
    std::string h = trim(rows[0][c]);
    if (h == "医療機関コード" || h == "医療機関等コード" || h == "MedicalInstitutionCode")
      code_col = static_cast<int>(c);
  }
  if (code_col < 0)
    return Error{"E_HEADER", "file", "見出し行に「医療機関コード」の列がありません"};
  BulkReport report;
  for (size_t r = 1; r < rows.size(); ++r) {
    auto reject = [&](const Error& e) {
      report.rejected++;
      report.errors.push_back({static_cast<int64_t>(r), e.code, "医療機関コード", e.message});
    };
    if (static_cast<size_t>(code_col) >= rows[r].size()) {
      reject(Error{"E_EMPTY", "", "医療機関コードがありません"});
      continue;
    }
    std::string code = trim(rows[r][static_cast<size_t>(code_col)]);
    if (Status s = core::check_medical_institution_code(code); !s) {
      reject(s.error());
      continue;
    }
    auto done = designate(code, actor);
    if (!done) {
      reject(done.error());
      continue;
    }
    report.designated++;
  }
  return report;
}

}  // namespace onshi::institutions
