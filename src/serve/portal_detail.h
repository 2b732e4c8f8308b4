// Inside serve/: what the files of the portal's routes share (routes_portal.cpp: sign-in,
// card, qualifications, consents; routes_portal_log.cpp: who looked; routes_me_expenses.cpp:
// 医療費通知情報). Not part of any API.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "card/card.h"
#include "http/server.h"
#include "security/audit.h"
#include "store/database.h"

namespace onshi::serve::portal_detail {

struct PortalRoutes {
  std::unique_ptr<card::Verifier> verifier;
  std::unique_ptr<card::Sessions> sessions;
  Error open_error;
  store::CardStore* cards = nullptr;
  store::Store* store = nullptr;
  store::AccessStore* access = nullptr;
  store::InstitutionStore* institutions = nullptr;
  security::AuditLog* audit = nullptr;
  store::Database* db = nullptr;  // the clinical store (expenses, the person's own views)
  std::filesystem::path data_dir;  // DIR/ca: the service's key signs downloads, the statement's key statements
  std::mutex names_mu;
  std::map<std::string, std::string> names;  // 医療機関コード → name, as found (cache)
};

// 200 (or `status`) with the JSON.
http::Response json_ok(const boost::json::value& v, int status = 200);
// A refusal with its status: 401 E_SESSION, 403 the card's, 503 E_STORE, 400 the rest.
http::Response refused(const Error& e);
// The person of the request's live session (Authorization: Bearer …). Errors: E_SESSION,
// E_CARD_REVOKED, E_STORE.
Result<card::SessionHolder> session_of(PortalRoutes& r, const http::Request& req);
// Records durably that the person was answered `view` (`rows` entries).
Status audit_view(PortalRoutes& r, const http::Request& req, const std::string& person_link,
                  std::string view, int64_t rows);
// The request body as a JSON object (E_JSON_SYNTAX, E_JSON_TYPE).
Result<boost::json::object> body_object(std::string_view body);
// The string members of `o`, any other key refused (E_JSON_UNKNOWN_FIELD, E_JSON_TYPE).
Result<std::map<std::string, std::string>> string_fields(const boost::json::object& o,
                                                         std::initializer_list<const char*> keys);
// The institution's name in the registry, or "" when it is not registered.
std::string institution_name(PortalRoutes& r, const std::string& code);

// GET /v1/me/accesses (routes_portal_log.cpp).
http::Response accesses(PortalRoutes& r, const http::Request& req);
// GET /v1/me/audit-entries (routes_portal_log.cpp).
http::Response audit_entries(PortalRoutes& r, const http::Request& req);
// GET /v1/me/expenses, GET /v1/me/expenses/statement (routes_me_expenses.cpp).
http::Response expenses_year(PortalRoutes& r, const http::Request& req);
http::Response expenses_statement(PortalRoutes& r, const http::Request& req);
// GET /v1/me/clinical/{kind} (routes_portal_clinical.cpp).
http::Response own_clinical(PortalRoutes& r, store::ClinicalKind kind, const http::Request& req);

}  // namespace onshi::serve::portal_detail
