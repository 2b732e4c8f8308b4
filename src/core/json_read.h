// Reading the members of a JSON object (Boost.JSON) where a missing member and one of the
// wrong type mean the same thing to the caller: the routes' optional fields, the terminal's
// history lines, the answers `onshi card touch` reads.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace onshi::core {

// The string member `key`, or "" when it is absent or not a string.
inline std::string json_string(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace onshi::core
