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
#include "security/audit_events.h"
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
// The card use the latest count_card_use run kept, months up to `as_of`'s (card_use.cpp);
// nullopt when nothing was ever counted.
Result<std::optional<std::vector<CardUse>>> counted_card_use(store::InstitutionStore& store,
                                                             core::Date as_of);

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

  // Queues the typed audit record of a change (security/audit_events.h), made by `actor`
  // ("agency:…", "operator" …; E_AUDIT_ENTRY when it names no role), for after the commit.
  template <class Record, class... Fields>
  static Status audit_event(Tx& tx, const std::string& actor, int64_t time_us, Fields&&... f) {
    auto who = security::parse_actor(actor);
    if (!who) return who.error();
    tx.events.push_back(
        security::encode(Record{std::move(*who), std::forward<Fields>(f)...}, time_us));
    return {};
  }

  // Appends one line of the entry's history and its audit record, which carry the same
  // detail (the step's facts, the stage, the code).
  static Status event(Tx& tx, const Institution& i, std::string_view action,
                      const std::string& actor, boost::json::object detail) {
    store::InstitutionEvent e;
    e.time_us = core::now_unix_us();
    e.provisional_code = i.provisional_code;
    e.action = action;
    e.actor = actor;
    Status st = audit_event<security::InstitutionChange>(
        tx, actor, e.time_us, std::string(action),
        i.medical_institution_code.empty() ? i.provisional_code : i.medical_institution_code,
        std::string(stage_name(i.stage)), i.medical_institution_code, std::move(detail));
    if (!st) return st;
    e.detail = tx.events.back().detail;
    return tx.db.append_event(e);
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
