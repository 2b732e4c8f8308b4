// Fuzz target: the body of a claims check (POST /v1/claims:check): claims as CSV (the claims
// file's columns, the header check and rows of the batch pipeline, batch::for_each_row) or as
// JSON. The first byte chooses the form (odd: JSON), the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "claims/claims.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool json = data[0] & 1;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)onshi::claims::parse_claims_body(body, json);
  return 0;
}
