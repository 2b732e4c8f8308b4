// Inside the folder bridge (bridge.h), private to src/terminal/: the kinds of request file it
// carries — their names, the service's route and the codecs of each message type — and the
// small file and HTTP helpers the bridge and the screen share.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/text.h"

namespace onshi::terminal {

// What the log line of a written result says besides the file and the segment.
struct Rendered {
  std::string document;
  std::string segment;
  std::string detail_key, detail_value;
  std::string extension = ".xml";  // of the result file: ".pdf" for a PDF result
};

// One kind of request file the bridge carries (research §1.1): the names, the service's
// route, and the codecs of that message type.
struct Kind {
  std::string_view req_prefix;  // "OQSsiquc01req_"
  std::string_view res_prefix;  // "OQSsiquc01res_"
  std::string_view route;       // "/xml/OQSsiquc01"
  bool bulk;                    // sent with the long bulk timeout
  // OK when the bytes read as a request of this kind.
  Status (*check)(std::string_view bytes);
  // The service's answer re-encoded into the configured encoding; E_TERMINAL_RESPONSE when
  // it is not a result of this kind.
  Result<Rendered> (*reencode)(std::string_view answer, core::Encoding encoding,
                               const std::string& file);
  // A SegmentOfResult 9 result of this kind, echoing what can be read of the request.
  Result<std::string> (*error)(std::string_view request, const Error& e, core::Encoding encoding);
};

// The clinical kinds (YZK/TKK/SRJ/SCJ siquc01, bridge_clinical.cpp), matched after the others.
std::span<const Kind> clinical_kinds();

// A request file's kind and tail (`<prefix><tail>.xml`); kind is null when the name matches none.
struct Match {
  const Kind* kind = nullptr;
  std::string tail;
};

// The kind and tail of a request file's name.
Match match(const std::string& name);
// The result file's name for a request file's match: `<res_prefix><tail>.xml`.
std::string result_name(const Match& m);

// Reads a whole file; false when it cannot be opened or read.
bool read_file(const std::filesystem::path& p, std::string& out);
// The "code" member of a problem+json body, or "".
std::string problem_code(const std::string& body);

}  // namespace onshi::terminal
