// Fuzz target: what the terminal's folder bridge reads from a receipt computer's OQS folder —
// a request file's name (which kind it is, and the result file's name made from it) and its
// bytes (the kind's request check and the SegmentOfResult 9 answer written for a request it
// cannot send), and the central service's answer re-encoded for res/. The input is the file
// name, a newline, then the bytes. A result name never leaves the folder: no '/', no "..".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "terminal/bridge_detail.h"

using namespace onshi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string name(in.substr(0, nl));
  std::string_view bytes = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  // A directory entry's name never holds NUL or '/'.
  if (name.find('\0') != std::string::npos || name.find('/') != std::string::npos) return 0;
  terminal::Match m = terminal::match(name);
  if (!m.kind) return 0;
  std::string result = terminal::result_name(m);
  if (result.find('/') != std::string::npos || result.find('\0') != std::string::npos ||
      result == "." || result == "..")
    std::abort();
  const auto encoding = bytes.size() % 2 ? core::Encoding::kShiftJis : core::Encoding::kUtf8;
  if (Status s = m.kind->check(bytes); !s.ok()) (void)m.kind->error(bytes, s.error(), encoding);
  (void)m.kind->reencode(bytes, encoding, name);
  (void)terminal::problem_code(std::string(bytes));
  return 0;
}
