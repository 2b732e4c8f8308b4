// The subcommands of the `onshi` binary. Each lives in its own cmd_*.cpp and registers
// itself on the CLI11 app with the work it does (Commands::on_run); main.cpp only registers,
// parses and runs the one subcommand given. Every command has --help.
//
// Exit codes shared by all commands: 0 done, 1 failed (the message says why), 2 unusable
// input (bad flags, missing or unreadable file, bad header, bad encoding). A command's work
// returns its code; main() exits with it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace onshi::cli {

// The work of the subcommands, bound to them as they register and run by main() after a
// successful parse. Not thread-safe (the command line is parsed once, on the main thread).
class Commands {
 public:
  // What a subcommand does once its flags are parsed; returns the exit code.
  using Run = std::function<int()>;
  // Binds `run` to the (innermost) subcommand `cmd`.
  void on_run(CLI::App* cmd, Run run);
  // Runs the work of the subcommand that was given and returns its exit code; 0 when the
  // command line named no subcommand with work.
  int run_given() const;

 private:
  std::vector<std::pair<const CLI::App*, Run>> runs_;
};

// --db URL (store/database.h: sqlite:DIR or postgresql://user@host:port/db). Commands that
// also keep keys in a data directory take --data-dir DIR beside it; without --db their state
// is sqlite:DIR.
void add_db_option(CLI::App* cmd, std::string& db);
std::string db_url_of(const std::string& data_dir, const std::string& db);
// Opens the database of a command: --db when given, else the SQLite files of --data-dir.
// Without `create`, a data directory that holds no store is E_DATA_DIR (a usage mistake,
// not an empty store) and a PostgreSQL schema that is missing or older is E_STORE_SCHEMA.
Result<std::unique_ptr<store::Database>> open_database(const std::string& data_dir,
                                                       const std::string& db, bool create);
// E_DB_URL, E_STORE_OPEN, E_STORE_SCHEMA, E_DATA_DIR: the database could not be used (exit 2).
bool is_db_open_error(const onshi::Error& e);

void register_ca(CLI::App& app,
                 Commands& commands);  // onshi ca init | ca issue institution|insurer
void register_import(CLI::App& app, Commands& commands);        // onshi import
void register_serve(CLI::App& app, Commands& commands);         // onshi serve
void register_audit(CLI::App& app, Commands& commands);         // onshi audit verify
void register_db(CLI::App& app, Commands& commands);            // onshi db migrate | copy
void register_generate(CLI::App& app, Commands& commands);      // onshi generate members
void register_demo(CLI::App& app, Commands& commands);          // onshi demo
void register_quality(CLI::App& app, Commands& commands);       // onshi quality report | overlaps
void register_claims(CLI::App& app, Commands& commands);        // onshi claims check
void register_expenses(CLI::App& app, Commands& commands);      // onshi expenses verify
void register_clinical(CLI::App& app, Commands& commands);      // onshi clinical import | windows
void register_institutions(CLI::App& app, Commands& commands);  // onshi institutions …
void register_terminal(CLI::App& app, Commands& commands);      // onshi terminal
void register_portal(CLI::App& app, Commands& commands);        // onshi portal
void register_card(CLI::App& app, Commands& commands);          // onshi card issue | link | revoke
void register_card_touch(CLI::App& app,
                         Commands& commands);  // onshi card touch (after register_card)
// onshi clinical disaster | consents (adds to an existing `clinical` command when there is one)
void register_clinical_access(CLI::App& app, Commands& commands);

// A JST time as operators type it — YYYYMMDD (midnight), YYYYMMDDHHmm, YYYYMMDDHHmmss, or
// "now" — as Unix µs (cmd_clinical_access.cpp). Errors: E_FLAG (field `field`).
Result<int64_t> parse_jst_time(std::string_view text, const std::string& field);

}  // namespace onshi::cli
