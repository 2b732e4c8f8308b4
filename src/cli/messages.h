// What operators read on the command line: every command prints its errors through
// print_error, so each line carries the stable code, the Japanese message and an English
// summary of the code — operators read both languages, as `--help` shows them.
#pragma once

#include <ostream>
#include <string_view>

#include "core/status.h"

namespace onshi::cli {

// An English one-line summary of a code the commands print, or "" for a code without one
// (the Japanese message then stands alone). Summaries say what went wrong, not the values.
std::string_view english_summary(std::string_view code);

// Writes "PREFIX: CODE: message — English summary\n" to `out` (the summary only when there
// is one; "CODE (FIELD)" when `with_field` and the field is known). PREFIX is the command,
// e.g. "onshi import"; an empty PREFIX starts the line with the code.
void print_error(std::ostream& out, std::string_view prefix, const Error& e,
                 bool with_field = false);

}  // namespace onshi::cli
