// Routes of the institutions feature — none yet.
#include "serve/routes.h"

namespace onshi::serve {
void add_institutions_routes(http::Router& router, Context& ctx) {
  (void)router;
  (void)ctx;
}
}  // namespace onshi::serve
