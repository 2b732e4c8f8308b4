// The route sets of the central service. Each feature adds its HTTPS routes to the router in
// its own file (serve/routes_*.cpp), so features grow without touching one another; the
// service calls every add_*_routes once at start.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "http/server.h"
#include "security/audit.h"
#include "security/crypto.h"
#include "store/database.h"
#include "store/store.h"

namespace onshi::serve {

// What route handlers may use. Everything here outlives the server; all of it is thread-safe.
struct Context {
  std::filesystem::path data_dir;  // keys and certificates only: state is in `db`
  store::Database& db;             // every store (institutions, cards, bulk …)
  store::Store& store;             // db.members()
  const security::Keyring& keyring;
  security::AuditLog& audit;
  size_t view_cache_bytes = 0;  // the clinical views' cache (ServiceOptions::view_cache_bytes)
};

// Audits a caller refused at a route (security::AccessRefused, "access.refused"): `code` is
// E_FORBIDDEN_ROLE (the router's role check) or E_INSTITUTION_MISMATCH (the institution code
// in the request is not the certificate's). Callers without a certificate role are not audited
// (the handshake refuses them). Non-blocking.
void audit_refusal(security::AuditLog& audit, const http::Request& req, std::string_view code);

void add_print_routes(http::Router& router, Context& ctx);         // clinical views as PDF
// The names a clinical print's header gives (routes_print.cpp), for every route that prints:
// the institution's code and, when the institutions register has it, its name; the account's
// id and, when the access store knows it, its role.
struct PrintNames {
  std::string institution, account;
};
PrintNames print_names(store::Database& db, const std::string& institution,
                       const std::string& account);
void add_quality_routes(http::Router& router, Context& ctx);       // insurer data quality, member view
void add_claims_routes(http::Router& router, Context& ctx);        // claims check
void add_institutions_routes(http::Router& router, Context& ctx);  // onboarding, lists, statistics
void add_bulk_routes(http::Router& router, Context& ctx);          // bulk inquiry OQSmuquc01/02
void add_card_routes(http::Router& router, Context& ctx);          // My Number card challenge + confirmation
void add_clinical_routes(http::Router& router, Context& ctx);      // clinical information's sources
void add_medical_aid_routes(http::Router& router,
                            Context& ctx);  // 医療扶助: welfare offices' recipients, tickets, view
void add_access_routes(http::Router& router, Context& ctx);        // professional accounts, consent status
void add_views_routes(http::Router& router, Context& ctx);         // clinical views: JSON, XML
void add_portal_routes(http::Router& router, Context& ctx);        // the patient's portal: /v1/me/…

}  // namespace onshi::serve
