// problem+json (RFC 9457) with extension members: the one error shape of every JSON API of
// onshi — the central service's routes and the institution terminal's screen API. The
// members are always type, title, status and code, plus field and detail when known
// (http::problem in server.h); an extension adds members of its own (RFC 9457 §3.2), e.g.
// the terminal's `pinRetriesLeft` or the per-field `errors` of a form.
#pragma once

#include <boost/json/object.hpp>

#include "http/server.h"

namespace onshi::http {

// http::problem(status, error) with `extensions` added; an extension never replaces one of
// the standard members.
Response problem(int status, const Error& error, const boost::json::object& extensions);

}  // namespace onshi::http
