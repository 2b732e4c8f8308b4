// The subcommands' work and the choice of the one to run: each subcommand binds its work as
// it registers, and after parsing the one CLI11 saw on the command line runs — the innermost
// parsed subcommand that has work — and its return value is the process's exit code.
#include "cli/commands.h"

namespace onshi::cli {

void Commands::on_run(CLI::App* cmd, Run run) {
  runs_.emplace_back(cmd, std::move(run));
}

int Commands::run_given() const {
  // Only leaves have work, and one path of subcommands is parsed: at most one matches.
  for (const auto& [cmd, run] : runs_) {
    if (cmd->parsed() > 0) return run();
  }
  return 0;
}

}  // namespace onshi::cli
