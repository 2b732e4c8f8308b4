// Routes of the My Number card at an institution's reader (R-CONF-1, R-CONF-4, R-CONF-5,
// R-CARD-1), role "institution": the terminal asks for a one-time challenge, the card signs it
// at the reader, and the terminal sends the presentation — with the patient's consent choices
// for a confirmation, or for 初回登録 (linking the card for use as a health insurance card).
//
//   POST /v1/card/challenges     → {"challenge":"<base64url>","expiresInSeconds":120}
//   POST /v1/card/confirmations  {"challenge","certificate","signature","method",
//                                 "consent":{"limitApplication","medication","healthCheckup",
//                                 "treatment","surgery"}, "careSetting" (OQSCD028, default
//                                 "1"), "confirmationDate"} → the result as JSON, or with
//                                 ?format=xml the OQSsiquc01res document (UTF-8)
//   POST /v1/card/links          {"challenge","certificate","signature","method":"pin"}
//                                 → {"linked":true,"serial","alreadyLinked":bool} (初回登録,
//                                 card::Verifier::link; audited as "card.link")
//
// The card is checked by card::Verifier over the J-LIS CA in the data directory and the card
// store of the database (challenge bound to the certificate's institution, chain to the J-LIS
// CA, validity, signature, revocation, 初回登録), then the person behind it is confirmed by
// confirm::Confirmer::confirm_person. The clinical consents given are recorded in the access
// store (access::record_consents) before the answer, with the window of the care setting, so
// the service — not the terminal — decides later whether a view is allowed. A malformed body is 400, a refused card
// 403 (E_CARD_*), both application/problem+json. The My Number is never part of either side.
#include <boost/json.hpp>

#include <memory>

#include "access/access.h"
#include "card/card.h"
#include "confirm/confirm.h"
#include "core/date.h"
#include "oqs/messages.h"
#include "security/audit.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {
namespace json = boost::json;

struct CardRoutes {
  std::unique_ptr<card::Verifier> verifier;
  Error open_error;
  std::unique_ptr<confirm::Confirmer> confirmer;
  store::Store* store = nullptr;
  store::AccessStore* access = nullptr;
  security::AuditLog* audit = nullptr;
};

http::Response json_response(std::string body) {
  http::Response res;
  res.body = std::move(body);
  return res;
}


// The body of a confirmation or of 初回登録, read strictly.
struct ConfirmationBody {
  card::Presentation presentation;
  confirm::CardOptions options;
  std::string date;
  std::string care_setting = "1";
};

// `link`: the body of 初回登録 — no consent, no date, and the method must be the PIN.
Result<ConfirmationBody> parse_body(std::string_view body, bool link) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"};
  const json::object* o = doc.if_object();
  if (!o) return Error{"E_JSON_TYPE", "", "本文はJSONオブジェクトで送ってください"};
  ConfirmationBody b;
  std::string method = "";
  for (const auto& [k, v] : *o) {
    const std::string key(k);
    if (key == "consent" && !link) {
      if (v.is_null()) continue;
      const json::object* c = v.if_object();
      if (!c) return Error{"E_JSON_TYPE", "consent", "consentはオブジェクトです"};
      for (const auto& [ck, cv] : *c) {
        const std::string ckey(ck);
        bool* target = ckey == "limitApplication" ? &b.options.limit_consent
                       : ckey == "medication"     ? &b.options.medication_consent
                       : ckey == "healthCheckup"  ? &b.options.health_checkup_consent
                       : ckey == "treatment"      ? &b.options.treatment_consent
                       : ckey == "surgery"        ? &b.options.surgery_consent
                                                  : nullptr;
        if (!target)
          return Error{"E_JSON_UNKNOWN_FIELD", "consent." + ckey, "不明な項目です"};
        if (cv.is_null()) continue;
        if (!cv.is_bool())
          return Error{"E_JSON_TYPE", "consent." + ckey, "同意は true か false で送ってください"};
        *target = cv.as_bool();
      }
      continue;
    }
    std::string* target = key == "challenge"          ? &b.presentation.challenge
                          : key == "certificate"      ? &b.presentation.certificate_pem
                          : key == "signature"        ? &b.presentation.signature
                          : key == "method"           ? &method
                          : key == "confirmationDate" && !link ? &b.date
                          : key == "careSetting" && !link      ? &b.care_setting
                                                                : nullptr;
    if (!target) return Error{"E_JSON_UNKNOWN_FIELD", key, "不明な項目です"};
    if (v.is_null()) continue;
    if (!v.is_string()) return Error{"E_JSON_TYPE", key, "値は文字列で送ってください"};
    *target = std::string(v.as_string());
  }
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{
                                       "challenge", &b.presentation.challenge},
                                   {"certificate", &b.presentation.certificate_pem},
                                   {"signature", &b.presentation.signature},
                                   {"method", &method}}) {
    if (value->empty()) return Error{"E_MISSING", key, "必須の項目がありません"};
  }
  auto m = card::parse_method(method);
  if (link && m != card::Method::kPin)
    return Error{"E_CODE", "method",
                 "初回登録には暗証番号の入力が必要です（method は pin だけです。顔認証・目視確認では登録できません）"};
  if (!m) return Error{"E_CODE", "method", "本人確認の方法は pin, face, visual のいずれかです"};
  b.presentation.method = *m;
  b.options.method = std::string(card::method_name(*m));
  if (!link) {
    auto window = access::consent_window_us(b.care_setting);
    if (!window) return window.error();
    b.options.consent_window_us = *window;
  }
  if (b.date.empty()) {
    b.date = core::Date::today_jst().yyyymmdd();
  } else if (auto d = core::Date::parse(b.date); !d) {
    return Error{d.error().code, "confirmationDate", d.error().message};
  }
  return b;
}

// A refused card (every E_CARD… code) is 403 unless the service itself failed.
http::Response card_refused(const Error& e) {
  const std::string& code = e.code;
  const bool service_failed =
      code == "E_STORE" || code == "E_STORE_OPEN" || code == "E_CRYPTO" || code == "E_IO";
  return http::problem(service_failed ? 500 : code.rfind("E_", 0) == 0 && code.find("CARD") == 2 ? 403 : 400, e);
}

// R-CONF-5: the clinical consents of a confirmation, kept by the service (access/access.h).
Status record_consents(CardRoutes& routes, const card::Verified& verified,
                       const ConfirmationBody& body, const std::string& institution) {
  access::ReaderConsent c;
  c.person_link = verified.person_link;
  c.institution = institution;
  c.card_serial = verified.serial;
  c.care_setting = body.care_setting;
  c.consented_at_us = body.options.now_us;
  const auto& o = body.options;
  for (auto [given, category] : {std::pair{o.medication_consent, access::Category::kMedication},
                                 {o.health_checkup_consent, access::Category::kHealthCheckup},
                                 {o.treatment_consent, access::Category::kTreatment},
                                 {o.surgery_consent, access::Category::kSurgery}})
    if (given) c.categories.push_back(category);
  return access::record_consents(*routes.access, c);
}

// A new challenge, kept in the database (any server on it accepts the answer).
http::Response challenges(CardRoutes& routes, const http::Request& req) {
  if (!routes.verifier) return http::problem(500, routes.open_error);
  auto challenge = routes.verifier->challenge(req.peer.id);
  if (!challenge) return card_refused(challenge.error());
  json::object o{{"challenge", *challenge},
                 {"expiresInSeconds", routes.verifier->challenge_ttl_seconds()}};
  return json_response(json::serialize(o));
}

http::Response confirmations(CardRoutes& routes, const http::Request& req) {
  if (!routes.verifier) return http::problem(500, routes.open_error);
  const std::string format = req.query_param("format");
  if (!format.empty() && format != "json" && format != "xml")
    return http::problem(400, Error{"E_CODE", "format", "format は json か xml です"});
  auto body = parse_body(req.body, /*link=*/false);
  if (!body) return http::problem(400, body.error());
  auto verified = routes.verifier->verify(body->presentation, req.peer.id);
  if (!verified) return card_refused(verified.error());
  body->options.card_serial = verified->serial;
  body->options.now_us = core::now_unix_us();
  auto result = routes.confirmer->confirm_person(verified->person_link, body->date,
                                                 confirm::Caller{req.peer.id}, body->options);
  if (result.header.segment_of_result == "9") {
    // E_STORE: unreadable store, or the audit entry could not be made durable (retry later).
    const int status = result.header.error_code == "E_STORE" ? 503 : 400;
    return http::problem(status, Error{result.header.error_code, "", result.header.error_message});
  }
  if (!result.results.empty())
    if (auto st = record_consents(routes, *verified, *body, req.peer.id); !st)
      return http::problem(503, st.error());
  if (format == "xml") {
    auto xml = oqs::write_confirm_result_xml(result, core::Encoding::kUtf8);
    if (!xml) return http::problem(500, xml.error());
    http::Response res;
    res.content_type = "application/xml; charset=UTF-8";
    res.body = std::move(*xml);
    return res;
  }
  return json_response(oqs::write_confirm_result_json(result));
}

// R-CARD-1: 初回登録 at the institution's card reader. The same check and the same linking
// code as `onshi card link` (card::Verifier::link); an already linked card answers 200 too.
http::Response links(CardRoutes& routes, const http::Request& req) {
  if (!routes.verifier) return http::problem(500, routes.open_error);
  auto body = parse_body(req.body, /*link=*/true);
  if (!body) return http::problem(400, body.error());
  auto linked = routes.verifier->link(body->presentation, req.peer.id, *routes.store);
  if (!linked) return card_refused(linked.error());
  // The verifier accepts only a PIN for a link (routes refuse face and visual above).
  routes.audit->record(security::CardLink{req.peer.id, linked->serial,
                                          security::IdentityCheck::kPin, linked->already_linked});
  json::object o{{"linked", true},
                 {"serial", linked->serial},
                 {"alreadyLinked", linked->already_linked}};
  return json_response(json::serialize(o));
}

}  // namespace

void add_card_routes(http::Router& router, Context& ctx) {
  auto routes = std::make_shared<CardRoutes>();
  auto verifier = card::Verifier::open(ctx.data_dir, ctx.db.cards());
  if (verifier) {
    routes->verifier = std::move(*verifier);
  } else {
    routes->open_error = verifier.error();
  }
  routes->confirmer = std::make_unique<confirm::Confirmer>(
      ctx.store, ctx.audit, confirm::MedicalAidSources{&ctx.db.institutions(), &ctx.db.tickets()});
  routes->store = &ctx.store;
  routes->access = &ctx.db.access();
  routes->audit = &ctx.audit;
  router.add("POST", "/v1/card/challenges", {core::Role::kInstitution},
             [routes](const http::Request& r) { return challenges(*routes, r); });
  router.add("POST", "/v1/card/confirmations", {core::Role::kInstitution},
             [routes](const http::Request& r) { return confirmations(*routes, r); });
  router.add("POST", "/v1/card/links", {core::Role::kInstitution},
             [routes](const http::Request& r) { return links(*routes, r); });
}

}  // namespace onshi::serve
