// Routes of clinical access (R-CONF-5), role "institution": the professional accounts an
// institution registers through its certificate (the terminal does it when its operator adds
// a user), and the consent status the screen shows before a professional opens a clinical
// view. Every decision goes through access::Gatekeeper, which audits it.
//
//   POST /v1/institution/accounts        {"id","role"} → 201 {"id","role"}
//   POST /v1/institution/accounts/remove {"id"} → {"id","removed":bool}
//   GET  /v1/institution/accounts        → {"accounts":[{"id","role","registeredAt","removedAt"}]}
//   GET  /v1/clinical/consent-status?account=ID&insurerNumber=…&symbol=…&number=…&branch=…
//        → {"found":bool,"categories":[{"category","name","label","allowed","basis",
//           "code","detail","consentedAt","availableUntil"}]} — one audited decision per
//           category (view "consentStatus")
//
// The account a request is made for is the query parameter `account` (JSON routes) or the
// header element ProfessionalAccountIdentifier (XML, docs/clinical.md). Bad input is 400
// problem+json with a stable code and the field; nothing is changed then.
#include <boost/json.hpp>
#include <memory>
#include <set>

#include "access/access.h"
#include "core/date.h"
#include "core/numbers.h"
#include "core/text.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {
namespace json = boost::json;

struct AccessRoutes {
  store::AccessStore* store = nullptr;
  store::Store* members = nullptr;
  security::AuditLog* audit = nullptr;
  std::unique_ptr<access::Gatekeeper> gate;
};

http::Response ok_json(const json::object& o, int status = 200) {
  http::Response res;
  res.status = status;
  res.body = json::serialize(o);
  return res;
}

// The body's string members `keys` (missing ones ""); any other member is refused.
Result<std::map<std::string, std::string>> body_strings(std::string_view body,
                                                        std::initializer_list<const char*> keys) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  if (!doc.is_object()) return Error{"E_JSON_TYPE", "", "本文はJSONオブジェクトで送ってください"};
  std::map<std::string, std::string> out;
  for (const char* k : keys) out[k] = "";
  for (const auto& [k, v] : doc.as_object()) {
    const std::string key(k);
    if (!out.count(key)) return Error{"E_JSON_UNKNOWN_FIELD", key, "不明な項目です"};
    if (!v.is_string()) return Error{"E_JSON_TYPE", key, "値は文字列で送ってください"};
    out[key] = std::string(v.as_string());
  }
  return out;
}

http::Response add_account(AccessRoutes& r, const http::Request& req) {
  auto b = body_strings(req.body, {"id", "role"});
  if (!b) return http::problem(400, b.error());
  auto st = access::register_account(*r.store, *r.audit, req.peer.id, (*b)["id"], (*b)["role"]);
  if (!st) return http::problem(st.error().code == "E_STORE" ? 503 : 400, st.error());
  auto role = access::parse_role((*b)["role"]);
  return ok_json({{"id", (*b)["id"]}, {"role", access::role_code(*role)}}, 201);
}

http::Response remove_account(AccessRoutes& r, const http::Request& req) {
  auto b = body_strings(req.body, {"id"});
  if (!b) return http::problem(400, b.error());
  auto removed = access::remove_account(*r.store, *r.audit, req.peer.id, (*b)["id"]);
  if (!removed)
    return http::problem(removed.error().code == "E_STORE" ? 503 : 400, removed.error());
  return ok_json({{"id", (*b)["id"]}, {"removed", *removed}});
}

http::Response list_accounts(AccessRoutes& r, const http::Request& req) {
  auto all = r.store->accounts(req.peer.id);
  if (!all) return http::problem(503, all.error());
  json::array list;
  for (const auto& a : *all) {
    json::object o{{"id", a.account_id},
                   {"role", a.role},
                   {"registeredAt", core::timestamp_jst(a.registered_at_us)}};
    if (a.removed_at_us) o["removedAt"] = core::timestamp_jst(*a.removed_at_us);
    list.push_back(std::move(o));
  }
  return ok_json({{"accounts", std::move(list)}});
}

// The person behind the card numbers of the query (as known now), or "" when none or more
// than one person matches. Errors: the field errors of the numbers, E_STORE.
Result<std::string> person_of(store::Store& members, const http::Request& req) {
  std::string insurer = core::normalize_card_field(req.query_param("insurerNumber"));
  if (auto st = core::check_insurer_number(insurer); !st)
    return Error{st.error().code, "insurerNumber", st.error().message};
  insurer = core::trim_insurer_number(insurer);
  const std::string symbol = core::normalize_card_field(req.query_param("symbol"));
  const std::string number = core::normalize_card_field(req.query_param("number"));
  const std::string branch = core::normalize_card_field(req.query_param("branch"));
  if (number.empty()) return Error{"E_MISSING", "number", "被保険者証番号がありません"};
  auto found = members.find_by_card(insurer, symbol, number, core::now_unix_us());
  if (!found) return found.error();
  std::set<std::string> links;
  for (const auto& v : *found)
    if (branch.empty() || v.qualification.insured_branch_number == branch)
      links.insert(v.person_link);
  if (links.size() != 1) return std::string();
  return *links.begin();
}

http::Response consent_status(AccessRoutes& r, const http::Request& req) {
  auto person = person_of(*r.members, req);
  if (!person) return http::problem(person.error().code == "E_STORE" ? 503 : 400, person.error());
  json::array categories;
  for (access::Category c : access::kCategories) {
    access::AccessRequest q{req.peer.id, req.query_param("account"), *person, c, "consentStatus"};
    access::Decision d = r.gate->authorize(q);
    if (!d.allowed && d.refusal.code == "E_STORE") return http::problem(503, d.refusal);
    json::object o{{"category", access::category_code(c)},
                   {"name", access::category_name(c)},
                   {"label", access::category_label(c)},
                   {"allowed", d.allowed}};
    if (d.allowed) o["basis"] = d.basis;
    if (!d.allowed) {
      o["code"] = d.refusal.code;
      o["detail"] = d.refusal.message;
    }
    if (d.consent) {
      o["consentedAt"] = core::timestamp_jst(d.consent->consented_at_us);
      o["availableUntil"] = core::timestamp_jst(d.consent->available_until_us);
    }
    if (!d.expiry_reason.empty()) o["expiryReason"] = d.expiry_reason;
    categories.push_back(std::move(o));
  }
  return ok_json({{"found", !person->empty()}, {"categories", std::move(categories)}});
}

}  // namespace

void add_access_routes(http::Router& router, Context& ctx) {
  auto r = std::make_shared<AccessRoutes>();
  r->store = &ctx.db.access();
  r->members = &ctx.store;
  r->audit = &ctx.audit;
  r->gate = std::make_unique<access::Gatekeeper>(ctx.db.access(), ctx.audit);
  const http::Admit institution{core::Role::kInstitution};
  router.add("POST", "/v1/institution/accounts", institution,
             [r](const http::Request& q) { return add_account(*r, q); });
  router.add("POST", "/v1/institution/accounts/remove", institution,
             [r](const http::Request& q) { return remove_account(*r, q); });
  router.add("GET", "/v1/institution/accounts", institution,
             [r](const http::Request& q) { return list_accounts(*r, q); });
  router.add("GET", "/v1/clinical/consent-status", institution,
             [r](const http::Request& q) { return consent_status(*r, q); });
}

}  // namespace onshi::serve
