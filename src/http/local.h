// What the loopback web apps (the terminal's reception screen, the patient's portal) share:
// the check that a listen address is this machine only, and the reading of their session
// cookie from a request's Cookie header.
#pragma once

#include <string>
#include <string_view>

namespace onshi::http {

// True for 127.0.0.1 (any 127.x.y.z), ::1, [::1] and localhost.
bool is_loopback_host(std::string_view host);

// The value of the cookie `name` in a Cookie header ("a=1; b=2"), or "" when it is absent.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace onshi::http
