// The shared pieces of `onshi institutions …`: the flags, opening the registry of --db or
// --data-dir with the service's audit log, and how a refusal is printed and mapped to an
// exit code (0 done, 1 refused or failed, 2 unusable input). The onboarding steps live in
// cmd_institutions.cpp, the schedule, calendar, lists and statistics in
// cmd_institutions_queries.cpp; each subcommand is one registry operation
// (institutions/institutions.h) between its flags and its printed answer.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>

#include "cli/commands.h"
#include "core/date.h"
#include "core/status.h"
#include "institutions/institutions.h"
#include "security/audit.h"
#include "store/database.h"

namespace onshi::cli::institutions_cmd {

namespace inst = institutions;

// Every change is recorded as made by the operator, like the transitions made over HTTPS.
inline constexpr const char* kActor = "operator";

// The flags of every subcommand (each reads its own).
struct Args {
  std::string data_dir, db, designation, kind, prefecture, name, address, district = "01";
  std::string provisional, request_date, reception_number, code, out, date, model, as_of, month;
  std::string channel, format = "csv", key, file, bureau_answer, agency_deadline, submission_deadline;
  bool retroactive = false, not_designated = false, late = false, rule_only = false, full = false;
  bool use = false, no_use = false, clear = false, published = false;
  int year = 0;
  int64_t count = 0, issued = 0, registrations = 0;
};
using ArgsPtr = std::shared_ptr<Args>;

// Prints the refusal; returns the exit code: 2 unusable input or database, else 1.
int report(const Error& e);

// The registry of a database with the service's audit log attached.
struct Opened {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<inst::Registry> registry;
  ~Opened() {
    registry.reset();
    if (audit) audit->flush();
  }
};

// The registry of --db URL, or of the SQLite files of --data-dir (E_FLAG without either).
Result<std::unique_ptr<Opened>> open(const std::string& data_dir, const std::string& db_url);

// Runs `step` (one registry operation and the printing of its answer) on the registry of
// --data-dir / --db: 0 when it succeeds, else its error's exit code.
template <class F>
int on_registry(const std::string& data_dir, const std::string& db, F&& step) {
  auto o = open(data_dir, db);
  if (!o) return report(o.error());
  Status st = step(*(*o)->registry);
  return st ? 0 : report(st.error());
}

// Parses a YYYYMMDD flag; an empty value is today.
Result<core::Date> date_flag(const std::string& value, const char* field);
// A YYYYMM flag as (year, month).
Result<std::pair<int, int>> month_flag(const std::string& value);
// `bytes` to the file `path`, or to stdout when it is "" or "-".
Status write_out(const std::string& path, const std::string& bytes);
// Prints the entry a registry operation returned, or returns its error.
Status print_result(const Result<inst::Institution>& i);

// A subcommand of `parent`, and the --data-dir / --db flags of one.
CLI::App* sub(CLI::App* parent, const char* name, const char* help);
void data_dir_flag(CLI::App* c, Args& a);

// The 電子処方箋 setting (cmd_institutions_eprescription.cpp).
void add_e_prescription(CLI::App* root, Commands& commands, const ArgsPtr& a);

// The subcommands (cmd_institutions_queries.cpp): flags, and the work bound in `commands`.
void add_schedule(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_holidays(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_override(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_show_and_history(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_list(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_medical_aid_list(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_stats(CLI::App* root, Commands& commands, const ArgsPtr& a);
void add_figures(CLI::App* root, Commands& commands, const ArgsPtr& a);

}  // namespace onshi::cli::institutions_cmd
