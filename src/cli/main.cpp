// Entry point of the `onshi` binary: one binary for the central service, the institution
// terminal, the demo and all batch and admin work. Subcommands register themselves (see
// cli/commands.h); this file only parses and dispatches.
#include <clocale>

#include "cli/commands.h"

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C.UTF-8");
  CLI::App app{"onshi — オンライン資格確認等システム (online qualification confirmation)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "onshi 0.1.0");
  onshi::cli::register_ca(app);
  onshi::cli::register_import(app);
  onshi::cli::register_serve(app);
  onshi::cli::register_audit(app);
  onshi::cli::register_db(app);
  onshi::cli::register_generate(app);
  onshi::cli::register_demo(app);
  onshi::cli::register_quality(app);
  onshi::cli::register_claims(app);
  onshi::cli::register_institutions(app);
  onshi::cli::register_terminal(app);
  onshi::cli::register_card(app);
  onshi::cli::register_card_touch(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return onshi::cli::g_exit_code;
}
