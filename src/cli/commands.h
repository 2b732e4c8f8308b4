// The subcommands of the `onshi` binary. Each lives in its own cmd_*.cpp and registers
// itself on the CLI11 app; main.cpp only calls these. Every command has --help.
//
// Exit codes shared by all commands: 0 done, 1 failed (the message says why), 2 unusable
// input (bad flags, missing or unreadable file, bad header, bad encoding).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace onshi::cli {

// Set by a command's callback; main returns it.
extern int g_exit_code;

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

void register_ca(CLI::App& app);        // onshi ca init | ca issue institution|insurer
void register_import(CLI::App& app);    // onshi import
void register_serve(CLI::App& app);     // onshi serve
void register_audit(CLI::App& app);     // onshi audit verify
void register_db(CLI::App& app);        // onshi db migrate | copy
void register_generate(CLI::App& app);  // onshi generate members
void register_demo(CLI::App& app);      // onshi demo
void register_quality(CLI::App& app);   // onshi quality report | overlaps
void register_claims(CLI::App& app);    // onshi claims check
void register_institutions(CLI::App& app);  // onshi institutions …
void register_terminal(CLI::App& app);  // onshi terminal
void register_card(CLI::App& app);      // onshi card issue | link | revoke
void register_card_touch(CLI::App& app);  // onshi card touch (after register_card)

}  // namespace onshi::cli
