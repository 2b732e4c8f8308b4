// The registry's private pieces, shared by its files (registry.cpp: rows, lookups and the
// unit of work; onboarding.cpp: the transitions; settings.cpp: the operator's settings;
// queries.cpp: queries and statistics; designation_list.cpp: the bureau's list). Nothing
// outside src/institutions/ includes this header.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/date.h"
#include "institutions/institutions.h"
#include "security/audit.h"
#include "store/institutions.h"

namespace onshi::institutions {
namespace detail {

Error fail(std::string code, std::string field, std::string message);

// The registry's entries and the store's rows carry the same fields; the store keeps the
// enumerations by name.
Institution from_row(const store::InstitutionRow& r);
store::InstitutionRow to_row(const Institution& i);
Result<std::vector<Institution>> from_rows(Result<std::vector<store::InstitutionRow>> rows);

// "01".."47"-style: two digits between lo and hi.
bool two_digits_in(std::string_view s, int lo, int hi);
core::Date last_day_of_month(int y, int m);
std::string month_key(int y, int m);  // "YYYYMM"
std::string date_or_empty(const std::optional<core::Date>& d);

// Finds the one entry a key names: 仮コード (00 + 5 digits), 受付番号 (7 digits) or
// 医療機関コード (10 digits).
Result<Institution> load(store::InstitutionReads& reads, const std::string& key);
Result<std::vector<ScheduleOverride>> overrides_of(store::InstitutionReads& reads);
Result<Schedule> schedule_from(store::InstitutionReads& reads, core::Date designation);

}  // namespace detail

// The registry's state and its unit of work.
struct Registry::Impl {
  store::InstitutionStore& store;
  std::filesystem::path key_dir;
  security::AuditLog* audit = nullptr;

  // One unit of work: the store's and the audit events it will record once committed.
  struct Tx {
    store::InstitutionTx& db;
    std::vector<security::AuditEvent> events;
  };

  // Runs `body` in one unit of work: committed when it returns Ok, rolled back otherwise.
  // Audit events collected by the body are recorded after the commit.
  template <class F>
  Status transaction(F&& body) {
    std::vector<security::AuditEvent> events;
    Status st = store.transact([&](store::InstitutionTx& db) -> Status {
      Tx tx{db, {}};
      Status s = body(tx);
      events = std::move(tx.events);  // a retried run starts over
      return s;
    });
    if (st && audit) {
      for (auto& e : events) audit->record(std::move(e));
    }
    return st;
  }

  static void audit_event(Tx& tx, std::string action, const std::string& actor, std::string subject,
                          std::string detail, int64_t time_us = 0) {
    security::AuditEvent ev;
    ev.actor = actor;
    ev.action = "institution." + action;
    ev.subject = std::move(subject);
    ev.detail = std::move(detail);
    ev.time_us = time_us;
    tx.events.push_back(std::move(ev));
  }

  // Appends one line of the entry's history (and its audit event).
  static Status event(Tx& tx, const Institution& i, std::string_view action,
                      const std::string& actor, boost::json::object detail) {
    detail["stage"] = stage_name(i.stage);
    if (!i.medical_institution_code.empty())
      detail["medicalInstitutionCode"] = i.medical_institution_code;
    store::InstitutionEvent e;
    e.time_us = core::now_unix_us();
    e.provisional_code = i.provisional_code;
    e.action = action;
    e.actor = actor;
    e.detail = boost::json::serialize(detail);
    if (Status st = tx.db.append_event(e); !st) return st;
    audit_event(
        tx, std::string(action), actor,
        i.medical_institution_code.empty() ? i.provisional_code : i.medical_institution_code,
        e.detail, e.time_us);
    return {};
  }

  // Loads, checks and changes one entry in a unit of work; `step` mutates the entry and
  // fills the event's detail, or returns an error that rolls everything back.
  template <class F>
  Result<Institution> transition(const std::string& key, std::string_view action,
                                 const std::string& actor, F&& step) {
    Institution out;
    Status st = transaction([&](Tx& tx) -> Status {
      auto loaded = detail::load(tx.db, key);
      if (!loaded) return loaded.error();
      Institution i = std::move(*loaded);
      boost::json::object detail;
      if (Status s = step(tx, i, detail); !s) return s;
      if (Status s = tx.db.update(detail::to_row(i)); !s) return s;
      if (Status s = event(tx, i, action, actor, std::move(detail)); !s) return s;
      out = std::move(i);
      return {};
    });
    if (!st) return st.error();
    return out;
  }
};

}  // namespace onshi::institutions
