// Routes of the claims feature — none yet.
#include "serve/routes.h"

namespace onshi::serve {
void add_claims_routes(http::Router& router, Context& ctx) {
  (void)router;
  (void)ctx;
}
}  // namespace onshi::serve
