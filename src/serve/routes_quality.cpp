// Routes of the quality feature, for an insurer's certificate: the member view (R-REG-7),
// the quality report (R-REG-4, R-REG-5) and the 資格重複状況結果一覧 (R-REG-6).
//
// An insurer sees only its own members: the insurerNumber asked for must be the one in the
// client certificate, else 403 E_FORBIDDEN_INSURER before anything is read. The handlers
// only map the query to quality/ and its errors to problem+json.
#include "quality/quality.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {

int status_of(const Error& e) {
  if (e.code == "E_MEMBER_NOT_FOUND") return 404;
  if (e.code == "E_STORE") return 503;  // unreadable, or the read could not be audited
  if (e.code == "E_STORE_CORRUPT" || e.code == "E_FILE") return 500;
  return 400;
}

// The insurer number of the query, when it is the caller's own.
std::optional<http::Response> check_insurer(const http::Request& req, std::string& insurer) {
  insurer = req.query_param("insurerNumber");
  if (insurer.empty())
    return http::problem(400, Error{"E_INSURER_NUMBER", "insurerNumber",
                                    "insurerNumber を指定してください"});
  std::string digits = insurer;
  while (!digits.empty() && digits.front() == ' ') digits.erase(digits.begin());
  if (digits != req.peer.id)
    return http::problem(403, Error{"E_FORBIDDEN_INSURER", "insurerNumber",
                                    "他の保険者の加入者は参照できません"});
  insurer = digits;
  return std::nullopt;
}

}  // namespace

void add_quality_routes(http::Router& router, Context& ctx) {
  Context* c = &ctx;
  router.add("GET", "/v1/members", {core::Role::kInsurer}, [c](const http::Request& req) {
    std::string insurer;
    if (auto denied = check_insurer(req, insurer)) return *denied;
    quality::MemberQuery q;
    q.insurer_number = insurer;
    q.insured_card_symbol = req.query_param("insuredCardSymbol");
    q.insured_identification_number = req.query_param("insuredIdentificationNumber");
    q.insured_branch_number = req.query_param("insuredBranchNumber");
    auto view = quality::member_view(c->store, c->audit, q);
    if (!view) return http::problem(status_of(view.error()), view.error());
    http::Response res;
    res.body = std::move(*view);
    return res;
  });

  router.add("GET", "/v1/quality/report", {core::Role::kInsurer}, [c](const http::Request& req) {
    std::string insurer;
    if (auto denied = check_insurer(req, insurer)) return *denied;
    quality::ReportOptions o;
    o.insurer_number = insurer;
    auto report = quality::build_report(c->store, o);
    if (!report) return http::problem(status_of(report.error()), report.error());
    security::QualityReport ev{security::Actor{core::Role::kInsurer, insurer}, insurer};
    if (auto st = c->audit.record_durable(ev); !st)
      return http::problem(503, st.error());
    http::Response res;
    res.body = std::move(*report);
    return res;
  });

  router.add("GET", "/v1/quality/overlaps", {core::Role::kInsurer}, [c](const http::Request& req) {
    std::string insurer;
    if (auto denied = check_insurer(req, insurer)) return *denied;
    quality::OverlapOptions o;
    o.insurer_number = insurer;
    std::string enc = req.query_param("encoding");
    if (enc == "shift_jis") {
      o.encoding = core::Encoding::kShiftJis;
    } else if (!enc.empty() && enc != "utf-8") {
      return http::problem(400, Error{"E_FLAG", "encoding", "encoding は utf-8 または shift_jis です"});
    }
    quality::OverlapSummary summary;
    auto csv = quality::overlaps_csv(c->store, o, &summary);
    if (!csv) return http::problem(status_of(csv.error()), csv.error());
    security::QualityOverlaps ev{security::Actor{core::Role::kInsurer, insurer}, insurer,
                                 summary.overlaps};
    if (auto st = c->audit.record_durable(ev); !st)
      return http::problem(503, st.error());
    http::Response res;
    res.content_type = o.encoding == core::Encoding::kShiftJis ? "text/csv; charset=Shift_JIS"
                                                                : "text/csv; charset=UTF-8";
    res.body = std::move(*csv);
    return res;
  });
}

}  // namespace onshi::serve
