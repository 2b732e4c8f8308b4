// Tests of route admission by certificate role (http::Admit over core::Role), without a
// transport: which peers a role list admits, and what a refused peer is told.
#include <gtest/gtest.h>

#include "http/server.h"

namespace onshi::http {
namespace {

using core::Role;

Router router() {
  Router r;
  r.add("GET", "/insurer", {Role::kInsurer}, [](const Request&) { return Response{}; });
  r.add("GET", "/two", {Role::kAgency, Role::kBureau}, [](const Request&) { return Response{}; });
  r.add("GET", "/open", Admit::anyone(), [](const Request&) { return Response{}; });
  r.add("GET", "/nobody", {}, [](const Request&) { return Response{}; });
  return r;
}

int status(const Router& r, const char* path, Peer peer) {
  Request q;
  q.method = "GET";
  q.path = path;
  q.peer = std::move(peer);
  return r.dispatch(q).status;
}

// R-INST-1, issue 14: roles — a route admits exactly its roles; anyone means any caller.
TEST(HttpAdmit, RoutesAdmitTheirRolesOnly) {
  Router r = router();
  for (Role role : core::kRoles) {
    Peer p{role, "id-1"};
    EXPECT_EQ(status(r, "/insurer", p), role == Role::kInsurer ? 200 : 403);
    EXPECT_EQ(status(r, "/two", p), role == Role::kAgency || role == Role::kBureau ? 200 : 403);
    EXPECT_EQ(status(r, "/open", p), 200);
    EXPECT_EQ(status(r, "/nobody", p), 403);  // an empty list fails closed
  }
  EXPECT_EQ(status(r, "/open", Peer{}), 200);
  EXPECT_EQ(status(r, "/insurer", Peer{}), 403);
}

// issue 14: roles — the refusal says which role was refused, or that none was known.
TEST(HttpAdmit, RefusalsNameTheRole) {
  Router r = router();
  Request q;
  q.method = "GET";
  q.path = "/insurer";
  q.peer = {Role::kInstitution, "1310112345"};
  Response res = r.dispatch(q);
  EXPECT_EQ(res.status, 403);
  EXPECT_NE(res.body.find("E_FORBIDDEN_ROLE"), std::string::npos);
  EXPECT_NE(res.body.find("証明書の種別「institution」"), std::string::npos) << res.body;
  q.peer = {std::nullopt, ""};
  EXPECT_NE(r.dispatch(q).body.find("クライアント証明書が必要です"), std::string::npos);
  q.peer = {std::nullopt, "someone"};  // a verified certificate whose OU names no role
  res = r.dispatch(q);
  EXPECT_EQ(res.status, 403);
  EXPECT_NE(res.body.find("onshi の知らないもの"), std::string::npos) << res.body;
  EXPECT_EQ(Peer{}.role_text(), "");
  EXPECT_EQ((Peer{Role::kReviewer, "r"}.role_text()), "reviewer");
}

}  // namespace
}  // namespace onshi::http
