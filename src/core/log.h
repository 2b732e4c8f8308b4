// Structured logs: one JSON object per line on stderr, so an operator on call can grep and
// a log shipper can parse without rules. Fields are strings; values are escaped.
//
// Nothing that identifies a person beyond a card key, and never a My Number, a key or a
// request body, is passed here — callers choose fields with that in mind.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace onshi::core {

using LogField = std::pair<std::string_view, std::string_view>;

// {"time":"2025-04-15T09:30:12.345+09:00","level":"info","event":"serve.started",…fields}
void log_info(std::string_view event, std::initializer_list<LogField> fields);
void log_warn(std::string_view event, std::initializer_list<LogField> fields);
void log_error(std::string_view event, std::initializer_list<LogField> fields);

}  // namespace onshi::core
