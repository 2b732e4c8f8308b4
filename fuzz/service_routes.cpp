// Fuzz target: every body and query the central service reads, through its real routes — the
// route sets of serve/routes.h on a SQLite data directory, called as the router calls them
// (the role check included) with a caller of the first role the route admits. This reaches
// the JSON bodies that have no parser of their own: 医療扶助 recipients and tickets
// (/v1/medical-aid/*), clinical records (/v1/clinical/{kind}), professional accounts
// (/v1/institution/accounts*), the institutions' onboarding steps, the card routes, and the
// XML of the bulk inquiry and the clinical views. The input is "METHOD PATH?QUERY", a newline,
// then the body. Any input must end in an answer with an HTTP status.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "security/audit.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "serve/routes.h"
#include "store/database.h"

using namespace onshi;

namespace {

struct Service {
  std::filesystem::path dir;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<security::Keyring> keyring;
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<serve::Context> ctx;
  http::Router router;
};

Service& service() {
  static Service* s = [] {
    auto* svc = new Service;
    svc->dir = std::filesystem::temp_directory_path() /
               ("onshi-fuzz-routes-" + std::to_string(::getpid()));
    std::filesystem::remove_all(svc->dir);
    std::filesystem::create_directories(svc->dir);
    if (!security::ca_init(svc->dir).ok()) std::abort();
    auto db = store::open_store("sqlite:" + svc->dir.string());
    auto kr = security::Keyring::load_or_create(svc->dir);
    if (!db || !kr) std::abort();
    svc->db = std::move(*db);
    svc->keyring = std::make_unique<security::Keyring>(std::move(*kr));
    svc->audit = std::make_unique<security::AuditLog>(svc->db->members());
    svc->ctx = std::make_unique<serve::Context>(serve::Context{
        svc->dir, *svc->db, svc->db->members(), *svc->keyring, *svc->audit});
    auto& r = svc->router;
    auto& c = *svc->ctx;
    serve::add_print_routes(r, c);
    serve::add_quality_routes(r, c);
    serve::add_claims_routes(r, c);
    serve::add_institutions_routes(r, c);
    serve::add_bulk_routes(r, c);
    serve::add_card_routes(r, c);
    serve::add_clinical_routes(r, c);
    serve::add_medical_aid_routes(r, c);
    serve::add_access_routes(r, c);
    serve::add_views_routes(r, c);
    return svc;
  }();
  return *s;
}

// A certificate id the role's routes accept.
std::string id_of(core::Role role) {
  switch (role) {
    case core::Role::kInstitution: return "1310112345";
    case core::Role::kInsurer: return "06130488";
    case core::Role::kWelfareOffice: return "12131017";
    default: return "fuzz";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Service& svc = service();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  size_t sp = line.find(' ');
  if (nl == std::string_view::npos || sp == std::string_view::npos) return 0;
  http::Request req;
  req.method = std::string(line.substr(0, sp));
  req.target = std::string(line.substr(sp + 1));
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  req.content_type = req.path.rfind("/xml/", 0) == 0 ? "application/xml" : "application/json";
  req.body = std::string(in.substr(nl + 1));
  for (const auto& r : svc.router.routes())
    if (r.path == req.path && r.method == req.method && !r.who.roles().empty()) {
      req.peer.role = r.who.roles().front();
      req.peer.id = id_of(*req.peer.role);
    }
  http::Response res = svc.router.dispatch(req);
  if (res.status < 200 || res.status >= 600) std::abort();
  return 0;
}
