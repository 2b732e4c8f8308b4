// Routes of the claims feature: POST /v1/claims:check for review & payment organisations
// (certificate role "reviewer"), the HTTPS twin of `onshi claims check`.
//
// The body is the same claims CSV (text/csv, UTF-8 or Shift_JIS) or a JSON array of claim
// objects; the answer is the result rows, as CSV for a CSV body and as JSON for a JSON body
// (`?format=csv|json` overrides). The qualification history is loaded once and kept; since
// versions are only ever appended, a changed version count means new registrations, and the
// next request reloads it — so a request costs one COUNT plus the rules, not a full load.
// Confirmations are not kept with it: each claim the current data do not settle reads the
// audit log of its card key as it stands (indexed).
// Each request writes one audit entry with the counts (actor "reviewer:<id>").
#include <mutex>

#include "claims/claims.h"
#include "serve/routes.h"

namespace onshi::serve {
namespace {

constexpr size_t kMaxClaims = 1000000;

struct HistoryCache {
  std::filesystem::path snapshot;  // DIR/claims-history.bin, shared with `onshi claims check`
  std::mutex mu;
  std::shared_ptr<const claims::History> history;
  int64_t versions = -1;

  Result<std::shared_ptr<const claims::History>> get(store::Store& store) {
    auto n = store.count_versions();
    if (!n.ok()) return n.error();
    std::lock_guard lock(mu);
    if (!history || *n != versions) {
      // Confirmations keep arriving while the history is kept: read them per claim.
      auto h = claims::History::load(store, claims::History::kNoConfirmations, snapshot);
      if (!h.ok()) return h.error();
      history = *h;
      versions = *n;
    }
    return history;
  }
};

}  // namespace

void add_claims_routes(http::Router& router, Context& ctx) {
  auto cache = std::make_shared<HistoryCache>();
  if (auto dir = ctx.db.cache_dir(); !dir.empty()) cache->snapshot = dir / "claims-history.bin";
  router.add("POST", "/v1/claims:check", {core::Role::kReviewer}, [&ctx, cache](const http::Request& req) {
    bool json_in = req.content_type.find("json") != std::string::npos;
    if (req.content_type.empty() ||
        (!json_in && req.content_type.find("csv") == std::string::npos)) {
      size_t i = req.body.find_first_not_of(" \t\r\n");
      json_in = i != std::string::npos && (req.body[i] == '[' || req.body[i] == '{');
    }
    std::string format = req.query_param("format");
    if (!format.empty() && format != "csv" && format != "json") {
      return http::problem(400, Error{"E_FLAG", "format", "format は csv または json です"});
    }
    bool json_out = format.empty() ? json_in : format == "json";

    auto parsed = claims::parse_claims_body(req.body, json_in);
    if (!parsed.ok()) return http::problem(400, parsed.error());
    if (parsed->size() > kMaxClaims) {
      return http::problem(413,
                           Error{"E_TOO_MANY", "claims", "1回に送れる請求は1,000,000件までです"});
    }
    auto history = cache->get(ctx.store);
    if (!history.ok())
      return http::problem(500, Error{"E_STORE", "", "資格履歴を読めませんでした"});

    claims::Summary summary;
    std::vector<claims::ResultRow> rows;
    rows.reserve(parsed->size());
    for (const auto& c : *parsed) {
      for (auto& r : claims::check_claim(**history, ctx.store, c, summary, &ctx.db.tickets()))
        rows.push_back(std::move(r));
    }
    if (auto st = ctx.audit.record_durable(
            summary.audit_record(security::Actor{core::Role::kReviewer, req.peer.id}));
        !st)
      return http::problem(503, st.error());  // audit or refuse: no result without its entry
    http::Response res;
    if (json_out) {
      res.content_type = "application/json";
      res.body = claims::results_to_json(rows);
    } else {
      res.content_type = "text/csv; charset=UTF-8";
      res.body = claims::results_to_csv(rows);
    }
    return res;
  });
}

}  // namespace onshi::serve
