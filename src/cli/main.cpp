// Entry point of the `onshi` binary: one binary for the central service, the institution
// terminal, the demo and all batch and admin work. Subcommands register themselves (see
// cli/commands.h); this file only parses and runs the subcommand given, whose work returns
// the exit code.
#include <clocale>
#include <iostream>
#include <string>

#include "cli/commands.h"

namespace {

// "" when `name` is a command; otherwise the message saying it is not, with the commands.
std::string unknown_command(CLI::App& app, const std::string& name) {
  std::string list;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return "";
    list += "  " + sub->get_name() + "\n";
  }
  return "onshi: 不明なコマンド「" + name + "」です (unknown command). コマンド一覧:\n" + list +
         "詳しくは onshi COMMAND --help\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "C.UTF-8");
  CLI::App app{"onshi — オンライン資格確認等システム (online qualification confirmation)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "onshi 0.1.0");
  onshi::cli::Commands commands;
  onshi::cli::register_ca(app, commands);
  onshi::cli::register_import(app, commands);
  onshi::cli::register_serve(app, commands);
  onshi::cli::register_audit(app, commands);
  onshi::cli::register_db(app, commands);
  onshi::cli::register_generate(app, commands);
  onshi::cli::register_demo(app, commands);
  onshi::cli::register_quality(app, commands);
  onshi::cli::register_claims(app, commands);
  onshi::cli::register_clinical(app, commands);
  onshi::cli::register_expenses(app, commands);
  onshi::cli::register_institutions(app, commands);
  onshi::cli::register_terminal(app, commands);
  onshi::cli::register_portal(app, commands);
  onshi::cli::register_card(app, commands);
  onshi::cli::register_card_touch(app, commands);
  onshi::cli::register_clinical_access(app, commands);
  if (argc > 1 && argv[1][0] != '-' && !unknown_command(app, argv[1]).empty()) {
    std::cerr << unknown_command(app, argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return commands.run_given();
}
