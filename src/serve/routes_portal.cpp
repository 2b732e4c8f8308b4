// Routes of the patient's own portal (R-CARD-1, R-CARD-2), role "portal": the person signs in
// with the card and PIN through `onshi portal`, which then asks for that person's own data.
//
//   POST   /v1/me/challenges  → {"challenge","expiresInSeconds"} (bound to this portal)
//   POST   /v1/me/sessions    {"challenge","certificate","signature","method":"pin"}
//                             → {"session","idleSeconds","serial","linked"}
//   DELETE /v1/me/sessions    sign-out: the session ends on every server
//   GET    /v1/me/card        the card's 初回登録 state and the qualification it leads to
//   POST   /v1/me/links       初回登録 from home (the same check as at a reader, card::Sessions)
//   GET    /v1/me/qualifications  every qualification of the person, the current one first
//   GET    /v1/me/consents    the live consents given at readers
//   POST   /v1/me/consents/withdrawals {"institution","category"} → OQSCD031 2 (患者)
//   GET    /v1/me/accesses    who looked: confirmations and clinical views (routes_portal_log.cpp)
//   GET    /v1/me/audit-entries  the person's entries, signed, to check against the chain (same)
//   GET    /v1/me/expenses[/statement]  医療費通知情報 and its yearly statement (routes_me_expenses.cpp)
//   GET    /v1/me/clinical/{medication|checkups|treatments|prescriptions}  the person's own
//          clinical data, the professional view's JSON (routes_portal_clinical.cpp)
//
// The one decision: every /v1/me route but the first two wants the portal's certificate AND
// a live person session (`Authorization: Bearer <token>`, card::Sessions), and takes the
// person from the session only — no request names a person, so no request can name another.
// Each answer is audited durably first (security::PortalView, actor the person). Refusals:
// 401 E_SESSION (no, malformed, expired, ended or another portal's session), 403 the card's
// refusals, 400 malformed bodies; all application/problem+json, never a My Number.
#include <boost/json.hpp>

#include <algorithm>
#include <memory>

#include "access/access.h"
#include "card/card.h"
#include "core/date.h"
#include "core/medical_aid.h"
#include "core/qualification_json.h"
#include "security/audit.h"
#include "serve/portal_detail.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace json = boost::json;

namespace portal_detail {

http::Response json_ok(const json::value& v, int status) {
  http::Response res;
  res.status = status;
  res.body = json::serialize(v);
  return res;
}

http::Response refused(const Error& e) {
  const std::string& c = e.code;
  if (c == "E_STORE" || c == "E_STORE_OPEN" || c == "E_CRYPTO" || c == "E_IO")
    return http::problem(c == "E_STORE" ? 503 : 500, e);
  if (c == "E_SESSION") return http::problem(401, e);
  if (c.find("CARD") == 2 || c == "E_SESSION_CARD") return http::problem(403, e);  // E_CARD_…
  return http::problem(400, e);
}

Result<card::SessionHolder> session_of(PortalRoutes& r, const http::Request& req) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view auth = req.authorization;
  if (auth.substr(0, kBearer.size()) != kBearer)
    return Error{"E_SESSION", "session",
                 "サインインしていません。カードと暗証番号でサインインしてください。"};
  return r.sessions->use(auth.substr(kBearer.size()), "portal:" + req.peer.id);
}

Status audit_view(PortalRoutes& r, const http::Request& req, const std::string& person_link,
                  std::string view, int64_t rows) {
  return r.audit->record_durable(security::PortalView{access::person_link_hex(person_link),
                                                      req.peer.id, std::move(view), rows});
}

Result<json::object> body_object(std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  if (!doc.is_object()) return Error{"E_JSON_TYPE", "", "本文はJSONオブジェクトで送ってください"};
  return std::move(doc.as_object());
}

Result<std::map<std::string, std::string>> string_fields(const json::object& o,
                                                         std::initializer_list<const char*> keys) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : o) {
    const std::string key(k);
    if (std::find_if(keys.begin(), keys.end(), [&](const char* n) { return key == n; }) ==
        keys.end())
      return Error{"E_JSON_UNKNOWN_FIELD", key, "不明な項目です"};
    if (v.is_null()) continue;
    if (!v.is_string()) return Error{"E_JSON_TYPE", key, "値は文字列で送ってください"};
    out[key] = std::string(v.as_string());
  }
  return out;
}

}  // namespace portal_detail

namespace {
using namespace portal_detail;

// The party a portal's challenge is bound to: "portal:<id>", never an institution code.
std::string party(const http::Request& req) { return "portal:" + req.peer.id; }

// {"challenge","certificate","signature","method"}, every member required.
Result<card::Presentation> presentation_of(std::string_view body) {
  auto o = body_object(body);
  if (!o) return o.error();
  auto f = string_fields(*o, {"challenge", "certificate", "signature", "method"});
  if (!f) return f.error();
  for (const char* key : {"challenge", "certificate", "signature", "method"})
    if ((*f)[key].empty()) return Error{"E_MISSING", key, "必須の項目がありません"};
  auto m = card::parse_method((*f)["method"]);
  if (!m) return Error{"E_CODE", "method", "本人確認の方法は pin, face, visual のいずれかです"};
  return card::Presentation{(*f)["certificate"], (*f)["challenge"], (*f)["signature"], *m};
}

http::Response challenges(PortalRoutes& r, const http::Request& req) {
  if (!r.verifier) return http::problem(500, r.open_error);
  auto c = r.verifier->challenge(party(req));
  if (!c) return refused(c.error());
  return json_ok(json::object{{"challenge", *c},
                              {"expiresInSeconds", r.verifier->challenge_ttl_seconds()}});
}

http::Response sign_in(PortalRoutes& r, const http::Request& req) {
  if (!r.verifier) return http::problem(500, r.open_error);
  auto p = presentation_of(req.body);
  if (!p) return refused(p.error());
  auto s = r.sessions->sign_in(*p, party(req));
  if (!s) return refused(s.error());
  if (auto st = audit_view(r, req, s->person_link, "signIn", 0); !st) {
    (void)r.sessions->sign_out(s->token);
    return refused(st.error());
  }
  return json_ok(json::object{{"session", s->token},
                              {"idleSeconds", r.sessions->idle_seconds()},
                              {"serial", s->serial},
                              {"linked", s->linked}},
                 201);
}

http::Response sign_out(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  if (auto st = audit_view(r, req, holder->person_link, "signOut", 0); !st)
    return refused(st.error());
  auto ended = r.sessions->sign_out(req.authorization.substr(7));
  if (!ended) return refused(ended.error());
  return json_ok(json::object{{"signedOut", true}});
}

// The qualifications of the person, the current one first, then by start date, newest first.
Result<std::vector<store::QualificationVersion>> qualifications_of(PortalRoutes& r,
                                                                   const std::string& link) {
  auto found = r.store->find_by_person_link(link, core::now_unix_us());
  if (!found) return found.error();
  const std::string today = core::Date::today_jst().yyyymmdd();
  std::stable_sort(found->begin(), found->end(), [&](const auto& a, const auto& b) {
    const bool ca = a.qualification.covers(today), cb = b.qualification.covers(today);
    if (ca != cb) return ca;
    return a.qualification.qualification_date > b.qualification.qualification_date;
  });
  return std::move(*found);
}

json::object qualification_json(const store::QualificationVersion& v, const std::string& today) {
  boost::system::error_code ec;
  json::value q = json::parse(core::qualification_to_json(v.qualification), ec);
  return json::object{{"current", v.qualification.covers(today)},
                      {"medicalAid", core::is_medical_aid_number(v.qualification.insurer_number)},
                      {"recordedAt", core::timestamp_jst(v.recorded_at_us)},
                      {"qualification", ec ? json::value(nullptr) : q}};
}

http::Response card_state(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto row = r.cards->find(holder->serial);
  if (!row) return refused(row.error());
  auto quals = qualifications_of(r, holder->person_link);
  if (!quals) return refused(quals.error());
  if (auto st = audit_view(r, req, holder->person_link, "card", 1); !st) return refused(st.error());
  json::object o{{"serial", holder->serial},
                 {"label", *row ? (*row)->label : ""},
                 {"linked", *row && (*row)->linked_at_us.has_value()}};
  if (*row && (*row)->linked_at_us) o["linkedAt"] = core::timestamp_jst(*(*row)->linked_at_us);
  if (!quals->empty())
    o["qualification"] = qualification_json(quals->front(), core::Date::today_jst().yyyymmdd());
  return json_ok(o);
}

http::Response link(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto p = presentation_of(req.body);
  if (!p) return refused(p.error());
  if (p->method != card::Method::kPin)
    return refused(Error{"E_CODE", "method",
                         "初回登録には暗証番号の入力が必要です（顔認証・目視確認では登録できません）"});
  auto linked = r.sessions->link(*holder, *p, party(req), *r.store);
  if (!linked) return refused(linked.error());
  if (auto st = audit_view(r, req, holder->person_link, "link", 0); !st)
    return refused(st.error());
  return json_ok(json::object{
      {"linked", true}, {"serial", linked->serial}, {"alreadyLinked", linked->already_linked}});
}

http::Response qualifications(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto quals = qualifications_of(r, holder->person_link);
  if (!quals) return refused(quals.error());
  if (auto st = audit_view(r, req, holder->person_link, "qualifications",
                           static_cast<int64_t>(quals->size()));
      !st)
    return refused(st.error());
  const std::string today = core::Date::today_jst().yyyymmdd();
  json::array a;
  for (const auto& v : *quals) a.push_back(qualification_json(v, today));
  return json_ok(json::object{{"qualifications", std::move(a)}});
}

// The live consents: not withdrawn, available now; newest first.
Result<std::vector<store::ConsentRow>> live_consents(PortalRoutes& r, const std::string& link) {
  auto all = r.access->consents_of(link);
  if (!all) return all.error();
  const int64_t now = core::now_unix_us();
  std::vector<store::ConsentRow> live;
  for (auto& c : *all)
    if (!c.withdrawn_at_us && c.consented_at_us <= now && now < c.available_until_us)
      live.push_back(std::move(c));
  std::sort(live.begin(), live.end(),
            [](const auto& a, const auto& b) { return a.consented_at_us > b.consented_at_us; });
  return live;
}

http::Response consents(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto live = live_consents(r, holder->person_link);
  if (!live) return refused(live.error());
  if (auto st = audit_view(r, req, holder->person_link, "consents",
                           static_cast<int64_t>(live->size()));
      !st)
    return refused(st.error());
  json::array a;
  for (const auto& c : *live) {
    auto cat = access::parse_category(c.category);
    a.push_back(json::object{
        {"institutionCode", c.institution},
        {"institutionName", institution_name(r, c.institution)},
        {"category", cat ? std::string(access::category_name(*cat)) : c.category},
        {"categoryLabel", cat ? std::string(access::category_label(*cat)) : c.category},
        {"careSetting", c.care_setting},
        {"consentedAt", core::timestamp_jst(c.consented_at_us)},
        {"availableUntil", core::timestamp_jst(c.available_until_us)}});
  }
  return json_ok(json::object{{"consents", std::move(a)}});
}

// OQSCD031 2 (患者による同意取り消し) of one institution's consent for one category.
http::Response withdraw(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto o = body_object(req.body);
  if (!o) return refused(o.error());
  auto f = string_fields(*o, {"institution", "category"});
  if (!f) return refused(f.error());
  const std::string institution = (*f)["institution"];
  if (institution.size() != 10 ||
      institution.find_first_not_of("0123456789") != std::string::npos)
    return refused(Error{"E_CODE", "institution", "医療機関コードは10桁の数字です"});
  auto category = access::parse_category((*f)["category"]);
  if (!category) return refused(category.error());
  auto n = access::withdraw_consents(*r.access, *r.audit, {core::Role::kPortal, req.peer.id},
                                     holder->person_link, institution, *category, "2");
  if (!n) return refused(n.error());
  if (auto st = audit_view(r, req, holder->person_link, "withdraw", 0); !st)
    return refused(st.error());
  return json_ok(json::object{{"withdrawn", *n}, {"reason", "2"}});
}

// A route's handler; every route needs the card verifier (500 with its error without it).
http::Handler handler(std::shared_ptr<PortalRoutes> r,
                      http::Response (*fn)(PortalRoutes&, const http::Request&)) {
  return [r, fn](const http::Request& q) {
    if (!r->sessions) return http::problem(500, r->open_error);
    return fn(*r, q);
  };
}

}  // namespace

std::string portal_detail::institution_name(PortalRoutes& r, const std::string& code) {
  if (auto it = r.names.find(code); it != r.names.end()) return it->second;
  auto rows = r.institutions->find(store::InstitutionKey::kMedicalInstitutionCode, code);
  std::string name = rows && !rows->empty() ? rows->front().name : "";
  std::lock_guard lock(r.names_mu);
  if (!name.empty() && r.names.size() < 100000) r.names.emplace(code, name);
  return name;
}

void add_portal_routes(http::Router& router, Context& ctx) {
  auto r = std::make_shared<PortalRoutes>();
  auto verifier = card::Verifier::open(ctx.data_dir, ctx.db.cards());
  if (verifier) {
    r->verifier = std::move(*verifier);
    r->sessions = std::make_unique<card::Sessions>(*r->verifier, ctx.db.cards());
  } else {
    r->open_error = verifier.error();
  }
  r->cards = &ctx.db.cards();
  r->store = &ctx.store;
  r->access = &ctx.db.access();
  r->institutions = &ctx.db.institutions();
  r->audit = &ctx.audit;
  r->db = &ctx.db;
  r->data_dir = ctx.data_dir;
  const http::Admit portal{core::Role::kPortal};
  router.add("POST", "/v1/me/challenges", portal, handler(r, challenges));
  router.add("POST", "/v1/me/sessions", portal, handler(r, sign_in));
  router.add("DELETE", "/v1/me/sessions", portal, handler(r, sign_out));
  router.add("GET", "/v1/me/card", portal, handler(r, card_state));
  router.add("POST", "/v1/me/links", portal, handler(r, link));
  router.add("GET", "/v1/me/qualifications", portal, handler(r, qualifications));
  router.add("GET", "/v1/me/consents", portal, handler(r, consents));
  router.add("POST", "/v1/me/consents/withdrawals", portal, handler(r, withdraw));
  router.add("GET", "/v1/me/accesses", portal, handler(r, accesses));
  router.add("GET", "/v1/me/audit-entries", portal, handler(r, audit_entries));
  router.add("GET", "/v1/me/expenses", portal, handler(r, expenses_year));
  router.add("GET", "/v1/me/expenses/statement", portal, handler(r, expenses_statement));
  // Documented in api.md and openapi.yaml as /v1/me/clinical/{kind}: one path per kind.
  for (store::ClinicalKind kind : store::kClinicalKinds) {
    const std::string path = "/v1/me/clinical/" + std::string(store::clinical_kind_name(kind));
    router.add("GET", path, portal, [r, kind](const http::Request& q) {
      if (!r->sessions) return http::problem(500, r->open_error);
      return own_clinical(*r, kind, q);
    });
  }
}

}  // namespace onshi::serve
