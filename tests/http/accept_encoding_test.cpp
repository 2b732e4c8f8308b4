// Tests for Request::accepts_gzip: the Accept-Encoding header as browsers, curl and the
// terminal send it, with weights (RFC 9110 §12.5.3), decides whether a large answer is sent
// gzip-encoded.
#include <gtest/gtest.h>

#include "http/server.h"

namespace onshi::http {
namespace {

bool accepts(const std::string& header) {
  Request r;
  r.accept_encoding = header;
  return r.accepts_gzip();
}

// issue 16 "Speed": the clinical view is answered compressed only to a client that takes it.
TEST(AcceptEncoding, GzipUnlessRefusedByWeight) {
  EXPECT_TRUE(accepts("gzip"));
  EXPECT_TRUE(accepts("gzip, deflate, br, zstd"));  // Chromium
  EXPECT_TRUE(accepts("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(accepts("x-gzip"));
  EXPECT_TRUE(accepts("*"));
  EXPECT_TRUE(accepts(" br ; q=1 ,  gzip ; q = 0.001 "));
  EXPECT_FALSE(accepts(""));
  EXPECT_FALSE(accepts("identity"));
  EXPECT_FALSE(accepts("deflate, br"));
  EXPECT_FALSE(accepts("gzip;q=0"));
  EXPECT_FALSE(accepts("gzip; q=0.000, *"));  // named with q=0: the * does not admit it
  EXPECT_FALSE(accepts("*;q=0"));
  EXPECT_FALSE(accepts("gzipx, xgzip"));
}

}  // namespace
}  // namespace onshi::http
