// onshi institutions — placeholder registration until the command is implemented.
#include "cli/commands.h"

namespace onshi::cli {
void register_institutions(CLI::App& app) { (void)app; }
}  // namespace onshi::cli
