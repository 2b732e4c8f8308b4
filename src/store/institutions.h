// The institutions registry's storage: entries (one per 点数表), their event history, the
// high-water marks of the numbers the bureaus hand out, the operator's schedule overrides,
// the population totals, named counters (仮コード sequence, card figures) and the medical-aid
// settings. The onboarding rules (stages, deadlines, numbering, messages) stay in
// src/institutions/; this interface only keeps and finds what they decide.
//
// The one decision: a registry transition reads an entry, decides, then writes the entry and
// its event — so writes happen only inside `transact`, a unit of work that runs serialised
// against every other unit of work on the same registry, in every process (SQLite: BEGIN
// IMMEDIATE on DIR/institutions.db; PostgreSQL: one transaction holding an advisory lock).
// What the function reads inside is what it writes over: no lost update, no number handed
// out twice, even with several `onshi serve` on one database.
//
// Thread safety: an InstitutionStore is safe for concurrent use from many threads. Tables
// are created or upgraded on first use (or by `migrate`); until that succeeds every call
// returns its error (E_STORE_OPEN, E_STORE_SCHEMA) and the next call tries again. Other
// failures are E_STORE. SQL is only ever built with bound parameters.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace onshi::store {

// One entry as stored. Kinds, stages and reader states are kept by their names
// (institutions::kind_name …); dates are YYYYMMDD, "" when not set.
struct InstitutionRow {
  int64_t id = 0;                // assigned by `insert`
  std::string provisional_code;  // 仮コード, unique
  std::string kind, prefecture, district, name, address;
  std::string stage = "provisional";
  bool portal_account = false;
  std::string reader = "none", reader_model;
  std::string reader_applied_on, reader_model_deadline, reader_shipped_on;
  std::string reception_number;          // 受付番号 (7 digits) or ""
  std::string medical_institution_code;  // 10 digits, unique when set, or ""
  std::string designation_date, request_date, bureau_answer_date, agency_deadline;
  std::string presented_on, designated_on, usage_applied_on, usage_start;
  bool medical_aid = false;
  bool operator==(const InstitutionRow&) const = default;
};

// One line of an entry's history; kept after the entry is deleted.
struct InstitutionEvent {
  int64_t seq = 0;      // assigned by `append_event`, increasing
  int64_t time_us = 0;  // Unix µs
  std::string provisional_code, action, actor;
  std::string detail;  // compact JSON
  bool operator==(const InstitutionEvent&) const = default;
};

// The operator's dates for one designation month; "" keeps the rule's date.
struct StoredScheduleOverride {
  std::string month;  // YYYYMM
  std::string bureau_answer, agency_deadline, submission_deadline;
  bool operator==(const StoredScheduleOverride&) const = default;
};

// How an entry is looked up.
enum class InstitutionKey { kProvisionalCode, kReceptionNumber, kMedicalInstitutionCode };

// The published list's filter; "" = any.
struct InstitutionFilter {
  std::string prefecture, kind;
  std::string name;  // a substring of the name
};

// Counts of the entries of one kind in one prefecture as of a day (statistics).
struct InstitutionCounts {
  std::string kind, prefecture;
  int64_t total = 0;
  int64_t reader_applications = 0;  // reader applied/undecided/shipped, applied on or before
  int64_t in_use = 0;               // stage inUse, usage started on or before
  int64_t medical_aid = 0;          // of those in use, medical_aid set
};

// A denominator of the statistics: all institutions of a kind in a prefecture.
struct PopulationTotal {
  std::string kind, prefecture;
  int64_t total = 0;
  bool operator==(const PopulationTotal&) const = default;
};

// The rest of the registry as stored, for copying it whole (`onshi db copy`, store/copy.h).
struct StoredMedicalAidSetting {
  int64_t seq = 0;  // assigned by add_medical_aid_setting, increasing
  int64_t institution_id = 0;
  std::string effective_on;
  bool use = false;
  bool operator==(const StoredMedicalAidSetting&) const = default;
};
struct StoredHighWater {
  std::string prefecture, score_table, district;
  int64_t number = 0;
  bool operator==(const StoredHighWater&) const = default;
};
struct StoredCounter {
  std::string name;
  int64_t value = 0;
  bool operator==(const StoredCounter&) const = default;
};
// Every table of the registry, each in its key order (entries by id, events and settings by
// seq, the others by their key columns).
struct InstitutionTables {
  std::vector<InstitutionRow> entries;
  std::vector<InstitutionEvent> events;
  std::vector<StoredMedicalAidSetting> medical_aid;
  std::vector<StoredHighWater> high_water;
  std::vector<StoredCounter> counters;
  std::vector<StoredScheduleOverride> schedule_overrides;
  std::vector<PopulationTotal> population;
};

// The reads a transition needs, inside a unit of work or outside one.
class InstitutionReads {
 public:
  virtual ~InstitutionReads() = default;
  // Every entry whose key column equals `value`, in id order: none, one, or (a 7-digit
  // 受付番号 held in several prefectures) several.
  virtual Result<std::vector<InstitutionRow>> find(InstitutionKey by, std::string_view value) = 0;
  // Every schedule override, in month order.
  virtual Result<std::vector<StoredScheduleOverride>> schedule_overrides() = 0;
};

// A unit of work, valid only inside the function given to `transact`. Every write either
// commits with the whole unit or not at all.
class InstitutionTx : public InstitutionReads {
 public:
  // Adds an entry (its id is ignored) and returns it with its id. Errors: E_STORE (also for
  // a duplicate 仮コード or 医療機関コード).
  virtual Result<InstitutionRow> insert(const InstitutionRow& row) = 0;
  // Writes every field but id, provisional_code, kind, prefecture, district, name, address
  // over the entry with `row.id`.
  virtual Status update(const InstitutionRow& row) = 0;
  // Deletes the entry and its medical-aid settings (its events stay).
  virtual Status remove(int64_t id) = 0;
  // Appends to the history; seq and (when 0) time_us are assigned.
  virtual Status append_event(const InstitutionEvent& e) = 0;
  // Entries whose reader is "undecided" with a model deadline before `day`, in id order.
  virtual Result<std::vector<InstitutionRow>> undecided_readers_before(std::string_view day) = 0;

  // The last number handed out for (都道府県, 点数表, 郡市区), 0 when none; `set` replaces it.
  virtual Result<int64_t> high_water(std::string_view prefecture, std::string_view score_table,
                                     std::string_view district) = 0;
  virtual Status set_high_water(std::string_view prefecture, std::string_view score_table,
                                std::string_view district, int64_t number) = 0;

  // Named counters: `next_counter` adds one and returns the new value (1 the first time).
  virtual Result<int64_t> next_counter(std::string_view name) = 0;
  virtual Status set_counter(std::string_view name, int64_t value) = 0;

  // 医療扶助情報: a setting of `id` effective from `effective_on` (later settings win).
  virtual Status add_medical_aid_setting(int64_t id, std::string_view effective_on, bool use) = 0;

  // Inserts or replaces the override of `o.month`; `delete` returns false when there was none.
  virtual Status put_schedule_override(const StoredScheduleOverride& o) = 0;
  virtual Result<bool> delete_schedule_override(std::string_view month) = 0;
  virtual Status set_population(std::string_view kind, std::string_view prefecture,
                                int64_t total) = 0;
};

class InstitutionStore : public InstitutionReads {
 public:
  // Runs `fn` as one unit of work, serialised with every other one on this registry (across
  // processes too), and commits when it returns Ok; any error rolls everything back and is
  // returned. `fn` may be run again from the start when the database asks for a retry, so
  // it must not keep state from an earlier run; it must not call this store itself.
  virtual Status transact(const std::function<Status(InstitutionTx&)>& fn) = 0;

  // Creates or upgrades the tables now (every call does it on first use anyway).
  // Errors: E_STORE_OPEN, E_STORE_SCHEMA (a schema newer than this onshi).
  virtual Status migrate() = 0;

  // Every entry, in id order.
  virtual Result<std::vector<InstitutionRow>> all() = 0;
  // Entries in use whose usage started before `day`, matching `f`, by 医療機関コード.
  virtual Result<std::vector<InstitutionRow>> in_use_before(std::string_view day,
                                                            const InstitutionFilter& f) = 0;
  // Entries in use whose usage started before `day` and whose latest medical-aid setting
  // effective before `day` says "use", by 医療機関コード.
  virtual Result<std::vector<InstitutionRow>> medical_aid_users(std::string_view day) = 0;
  // Whether the 医療扶助情報 setting of the entry with `medical_institution_code` is "use" on
  // `day` (YYYYMMDD): its latest setting effective on or before that day says so (R-AID-3;
  // the confirmation of recipients asks it for the date asked). False when the code is
  // unknown or the entry has no setting effective by then.
  virtual Result<bool> medical_aid_on(std::string_view medical_institution_code,
                                      std::string_view day) = 0;
  // The history of one 仮コード, oldest first (empty when none).
  virtual Result<std::vector<InstitutionEvent>> history(std::string_view provisional_code) = 0;
  // Counts per (kind, prefecture) that has entries, as of `day` (YYYYMMDD).
  virtual Result<std::vector<InstitutionCounts>> counts(std::string_view day) = 0;
  virtual Result<std::vector<PopulationTotal>> population() = 0;
  // A named counter's value, nullopt when never set.
  virtual Result<std::optional<int64_t>> counter(std::string_view name) = 0;

  // ---- copying a database (`onshi db copy`, store/copy.h) ----
  // Every row of every table, read in one snapshot (a registry is a few hundred thousand
  // entries: it fits in memory).
  virtual Result<InstitutionTables> export_tables() = 0;
  // Writes `t`'s rows exactly as given — ids and seqs kept — in one unit of work. A key
  // already present (id, seq, or the key columns of the other tables) is E_STORE and nothing
  // is written; the caller leaves out what the target holds already. Afterwards `insert`,
  // `append_event` and `add_medical_aid_setting` still get fresh ids and seqs.
  virtual Status import_tables(const InstitutionTables& t) = 0;
};

}  // namespace onshi::store
