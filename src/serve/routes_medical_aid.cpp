// Routes of 医療扶助 registration and the welfare office's view (R-AID-1), for a welfare
// office's certificate (OU "welfare-office", CN its 公費負担者番号):
//   POST /v1/medical-aid/recipients   recipients as JSON, per-record errors
//   POST /v1/medical-aid/tickets      tickets (医療券・調剤券) as JSON, per-record errors
//   GET  /v1/medical-aid/recipients   ?insurerNumber=N[&insuredIdentificationNumber=R]
//   GET  /v1/medical-aid/tickets      ?insurerNumber=N[&insuredIdentificationNumber=R]
//                                     [&medicalTreatmentMonth=YYYYMM]
//   GET  /v1/quality/medical-aid      ?insurerNumber=N — the office's quality report
//
// Bodies are like /v1/registrations': an array of flat objects (or {"records":[…]}), keys the
// interface's element names in lowerCamelCase, values strings. An office writes and reads
// only under its own number: a record of another number is rejected with its row
// (E_FORBIDDEN_OFFICE), a query of another number is 403 before anything is read. Insurers and
// institutions are refused by the router (403 E_FORBIDDEN_ROLE). Every write and read is
// audited (security::MedicalAidRegistration, MedicalAidView).
#include <boost/json.hpp>

#include "quality/medical_aid.h"
#include "registry/medical_aid.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {

namespace json = boost::json;

constexpr size_t kMaxRecords = 100000;

int status_of(const Error& e) {
  if (e.code == "E_RECIPIENT_NOT_FOUND") return 404;
  if (e.code == "E_STORE") return 503;
  return 400;
}

// The records of a body: flat objects of strings. Shape errors are per record, with its row;
// a body that is not JSON or not an array is the whole request's problem.
struct Records {
  std::vector<registry::FieldMap> good;
  std::vector<int64_t> rows;  // the request's row of each good record
  std::vector<registry::RecordError> shape_errors;
  int64_t bad_records = 0;
};

std::variant<Records, http::Response> records_of(const http::Request& req) {
  boost::system::error_code ec;
  json::value doc = json::parse(req.body, ec);
  if (ec) return http::problem(400, Error{"E_JSON_SYNTAX", "", "JSONの構文に誤りがあります"});
  const json::array* arr = doc.if_array();
  if (!arr && doc.is_object())
    if (auto* r = doc.as_object().if_contains("records")) arr = r->if_array();
  if (!arr)
    return http::problem(400, Error{"E_JSON_TYPE", "records",
                                    "登録データは配列か {\"records\":[…]} で送ってください"});
  if (arr->size() > kMaxRecords)
    return http::problem(413, Error{"E_TOO_MANY", "records", "1回に送れるのは100,000件までです"});
  Records out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const auto row = static_cast<int64_t>(i);
    const auto* obj = (*arr)[i].if_object();
    if (!obj) {
      out.shape_errors.push_back({row, "", "E_JSON_TYPE", "オブジェクトではありません"});
      ++out.bad_records;
      continue;
    }
    registry::FieldMap fm;
    bool bad = false;
    for (const auto& [k, v] : *obj) {
      if (!v.is_string()) {
        out.shape_errors.push_back(
            {row, std::string(k), "E_JSON_TYPE", "値は文字列で送ってください"});
        bad = true;
        continue;
      }
      fm.emplace_back(registry::element_name_from_json_key(k), std::string(v.as_string()));
    }
    if (bad) {
      ++out.bad_records;
      continue;
    }
    out.good.push_back(std::move(fm));
    out.rows.push_back(row);
  }
  return out;
}

// The report of the good records with the request's rows, merged with the shape errors.
registry::Report merged(registry::Report report, const Records& r) {
  for (auto& e : report.errors) e.row = r.rows[static_cast<size_t>(e.row)];
  for (const auto& e : r.shape_errors) report.errors.push_back(e);
  report.rejected += r.bad_records;
  std::stable_sort(report.errors.begin(), report.errors.end(),
                   [](const auto& a, const auto& b) { return a.row < b.row; });
  return report;
}

// A write of recipients or tickets: register, audit durably, answer the report.
template <class Register>
http::Response write(Context& c, const http::Request& req, const char* kind, Register reg) {
  auto parsed = records_of(req);
  if (auto* res = std::get_if<http::Response>(&parsed)) return std::move(*res);
  const Records& records = std::get<Records>(parsed);
  registry::Report report;
  if (!records.good.empty()) {
    auto r = reg(records.good, security::actor_text({core::Role::kWelfareOffice, req.peer.id}));
    if (!r) {  // E_LOCKED: a bulk import of the ticket store runs (store/ticket_load.h)
      const std::string& code = r.error().code;
      return http::problem(code == "E_STORE" || code == "E_LOCKED" ? 503 : 500, r.error());
    }
    report = std::move(*r);
  }
  report = merged(std::move(report), records);
  security::MedicalAidRegistration ev{security::Actor{core::Role::kWelfareOffice, req.peer.id},
                                      req.peer.id,
                                      kind,
                                      report.accepted,
                                      report.unchanged,
                                      report.rejected,
                                      ""};
  if (auto st = c.audit.record_durable(ev); !st) return http::problem(503, st.error());
  http::Response res;
  res.body = report.to_json();
  return res;
}

// The query of a view: the caller's own number only.
std::variant<quality::AidQuery, http::Response> query_of(const http::Request& req) {
  quality::AidQuery q;
  q.actor = security::Actor{core::Role::kWelfareOffice, req.peer.id};
  q.insurer_number = req.query_param("insurerNumber");
  if (q.insurer_number.empty())
    return http::problem(400, Error{"E_INSURER_NUMBER", "insurerNumber",
                                    "insurerNumber（公費負担者番号）を指定してください"});
  if (q.insurer_number != req.peer.id)
    return http::problem(403, Error{"E_FORBIDDEN_OFFICE", "insurerNumber",
                                    "他の福祉事務所の受給者・医療券は参照できません"});
  q.recipient_number = req.query_param("insuredIdentificationNumber");
  q.month = req.query_param("medicalTreatmentMonth");
  return q;
}

using View = Result<std::string> (*)(store::Store&, store::TicketStore&, security::AuditLog&,
                                     const quality::AidQuery&);

http::Response view(Context& c, const http::Request& req, View fn) {
  auto q = query_of(req);
  if (auto* res = std::get_if<http::Response>(&q)) return std::move(*res);
  auto body = fn(c.store, c.db.tickets(), c.audit, std::get<quality::AidQuery>(q));
  if (!body) return http::problem(status_of(body.error()), body.error());
  http::Response res;
  res.body = std::move(*body);
  return res;
}

}  // namespace

void add_medical_aid_routes(http::Router& router, Context& ctx) {
  Context* c = &ctx;
  const http::Admit office = {core::Role::kWelfareOffice};
  router.add("POST", "/v1/medical-aid/recipients", office, [c](const http::Request& req) {
    return write(*c, req, "recipients", [&](const auto& records, const std::string& source) {
      registry::Registrar registrar(c->store, c->keyring);
      return registrar.register_records(records, source, req.peer.id, 0,
                                        registry::RecordKind::kRecipient);
    });
  });
  router.add("POST", "/v1/medical-aid/tickets", office, [c](const http::Request& req) {
    return write(*c, req, "tickets", [&](const auto& records, const std::string& source) {
      return registry::register_tickets(c->store, c->db.tickets(), records, source, req.peer.id);
    });
  });
  router.add("GET", "/v1/medical-aid/recipients", office,
             [c](const http::Request& req) { return view(*c, req, quality::recipients_view); });
  router.add("GET", "/v1/medical-aid/tickets", office,
             [c](const http::Request& req) { return view(*c, req, quality::tickets_view); });
  router.add("GET", "/v1/quality/medical-aid", office,
             [c](const http::Request& req) { return view(*c, req, quality::medical_aid_report); });
}

}  // namespace onshi::serve
