// The exit code a command's callback leaves for main().
#include "cli/commands.h"

namespace onshi::cli {
int g_exit_code = 0;
}  // namespace onshi::cli
