// Wiring of the central service: each route decodes its input (XML or JSON), checks the
// caller's certificate identity, runs the use case and encodes the answer.
//
// Handlers stay thin: rules live in confirm/ and registry/, formats in oqs/. The XML route
// answers every malformed or invalid request in-band (HTTP 200 with SegmentOfResult 9), as a
// receipt computer reads only the result document; the JSON routes answer problem+json with a
// 4xx status.
#include "serve/service.h"

#include <algorithm>
#include <set>

#include "confirm/confirm.h"
#include "core/dir_lock.h"
#include "core/log.h"
#include "http/server.h"
#include "registry/registry.h"
#include "security/audit.h"
#include "security/ca.h"
#include "security/crypto.h"
#include "serve/routes.h"
#include "store/database.h"
#include "store/store.h"

namespace onshi::serve {

struct Service::Impl {
  ServiceOptions options;
  core::DirLock lock;  // held while the service runs
  std::unique_ptr<store::Database> db;
  store::Store* store = nullptr;  // db->members()
  std::unique_ptr<security::Keyring> keyring;
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<confirm::Confirmer> confirmer;
  std::unique_ptr<registry::Registrar> registrar;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<Context> context;

  // The answer is written while the audit entry waits for its group commit, and sent once
  // the entry is durable (else the refusal): the I/O thread never waits for the commit.
  void confirm_xml(const http::Request& req, const http::Respond& respond) {
    auto parsed = oqs::parse_confirm_request_xml(req.body);
    confirm::Prepared p;
    if (!parsed) {
      p.result = oqs::error_result(oqs::RequestHeader{}, parsed.error());
    } else {
      p = confirmer->prepare(*parsed, confirm::Caller{req.peer.id});
    }
    if (p.result.header.error_code == "E_INSTITUTION_MISMATCH")
      audit_refusal(*audit, req, p.result.header.error_code);
    http::Response res = xml_response(p.result);
    if (!p.audit) return respond(std::move(res));
    audit->record_then(*p.audit, [p = std::move(p), res = std::move(res), respond](Status st) mutable {
      respond(st ? std::move(res) : xml_response(p.refused(st.error())));
    });
  }

  static http::Response xml_response(const oqs::ConfirmResult& result) {
    auto xml = oqs::write_confirm_result_xml(result, core::Encoding::kUtf8);
    if (!xml) return http::problem(500, xml.error());
    http::Response res;
    res.content_type = "application/xml; charset=UTF-8";
    res.body = std::move(*xml);
    return res;
  }

  http::Response confirm_json(const http::Request& req) {
    auto parsed = oqs::parse_confirm_request_json(req.body);
    if (!parsed) return http::problem(400, parsed.error());
    auto result = confirmer->confirm(*parsed, confirm::Caller{req.peer.id});
    if (result.header.error_code == "E_INSTITUTION_MISMATCH")
      audit_refusal(*audit, req, result.header.error_code);
    if (result.header.segment_of_result == "9") {
      // E_STORE: the store could not be read, or the read's audit entry could not be made
      // durable — either way the service cannot answer now, and nothing of the person is sent.
      int status = result.header.error_code == "E_INSTITUTION_MISMATCH" ? 403
                   : result.header.error_code == "E_STORE"               ? 503
                                                                          : 400;
      std::string field;
      std::string message = result.header.error_message;
      if (auto p = message.find(": "); p != std::string::npos && p < 64) {
        field = message.substr(0, p);
        message = message.substr(p + 2);
      }
      return http::problem(status, Error{result.header.error_code, field, message});
    }
    http::Response res;
    res.body = oqs::write_confirm_result_json(result);
    return res;
  }

  // Body: an array of member objects, or {"records":[…]}. Keys are lowerCamelCase element
  // names; certificates may be nested as in the member view: "elderlyRecipient" and
  // "limitApplication" objects and a "specificDiseases" array of objects. Records of the
  // wrong shape are rejected with their row; the rest go through the registrar.
  http::Response registrations(const http::Request& req) {
    auto body = registry::records_from_json(req.body);
    if (!body) return http::problem(body.error().code == "E_TOO_MANY" ? 413 : 400, body.error());
    auto report =
        register_well_shaped(std::move(body->records), std::move(body->shape_errors), req.peer.id);
    // The database unreachable is 503 (retry later); anything else the server's fault.
    if (!report) return http::problem(report.error().code == "E_STORE" ? 503 : 500, report.error());
    audit->record(security::Registration{req.peer.id, report->accepted, report->unchanged,
                                         report->rejected});
    http::Response res;
    res.body = report->to_json();
    return res;
  }

  // Registers the records without a shape error; the report has every row's errors, in row
  // order, with the rows of the request.
  Result<registry::Report> register_well_shaped(std::vector<registry::FieldMap> records,
                                                std::vector<registry::RecordError> shape_errors,
                                                const std::string& insurer) {
    std::vector<registry::FieldMap> good;
    std::vector<int64_t> index;
    std::set<int64_t> bad_rows;
    for (const auto& e : shape_errors) bad_rows.insert(e.row);
    for (size_t i = 0; i < records.size(); ++i)
      if (!bad_rows.count(static_cast<int64_t>(i))) {
        good.push_back(std::move(records[i]));
        index.push_back(static_cast<int64_t>(i));
      }
    registry::Report report;
    if (!good.empty()) {
      auto r = registrar->register_records(
          good, security::actor_text({core::Role::kInsurer, insurer}), insurer, 0);
      if (!r) return r.error();
      report = std::move(*r);
      for (auto& e : report.errors) e.row = index[static_cast<size_t>(e.row)];
    }
    for (auto& e : shape_errors) report.errors.push_back(e);
    report.rejected += static_cast<int64_t>(bad_rows.size());
    std::sort(report.errors.begin(), report.errors.end(),
              [](const auto& a, const auto& b) { return a.row < b.row; });
    return report;
  }
};

Service::Service() : impl_(std::make_unique<Impl>()) {}
Service::~Service() {
  if (impl_ && impl_->server) impl_->server->stop();
  if (impl_ && impl_->audit) impl_->audit->flush();
}

namespace {

// E_CA_MISSING with the fix that works: a data directory without any CA needs `ca init`;
// one whose CA is there but whose server certificate or key is gone needs ca/ restored from
// its backup (`ca init` refuses while ca.pem exists, and a new CA would orphan every client).
Status check_ca(const std::filesystem::path& dir) {
  auto paths = security::ca_paths(dir);
  const std::string ca = (dir / "ca").string();
  if (!std::filesystem::exists(paths.ca_cert) && !std::filesystem::exists(paths.server_cert))
    return Error{"E_CA_MISSING", "data-dir",
                 "no CA in " + ca + " — run `onshi ca init --data-dir " + dir.string() +
                     "` first (or point --data-dir at the service's data directory)"};
  for (const auto& p : {paths.ca_cert, paths.server_cert, paths.server_key}) {
    if (std::filesystem::exists(p)) continue;
    return Error{"E_CA_MISSING", "data-dir",
                 p.string() + " is missing — restore " + ca +
                     " from its backup (`onshi ca init` refuses while a CA is there; a new CA "
                     "would invalidate every client certificate)"};
  }
  return Status::Ok();
}

// Every file the service writes, for the start-up check (those that exist yet).
std::vector<std::filesystem::path> written_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out{dir};
  for (const auto& db : {store::store_path(dir), store::audit_path(dir), dir / "institutions.db",
                         dir / "bulk.db", dir / "cards.db", dir / "medical_aid.db"}) {
    out.push_back(db);
    out.push_back(db.string() + "-wal");
    out.push_back(db.string() + "-shm");
  }
  return out;
}

}  // namespace

namespace {

// The HTTPS server's settings: the address, DIR/ca's certificates and revocation list.
http::ServerOptions server_options(const ServiceOptions& options, const security::CaPaths& paths) {
  http::ServerOptions so;
  so.host = options.host;
  so.port = options.port;
  so.threads = options.threads;
  so.cert_file = paths.server_cert.string();
  so.key_file = paths.server_key.string();
  so.ca_file = paths.ca_cert.string();
  so.revocation_file = security::revocation_file(options.data_dir).string();
  so.max_body_bytes = options.max_body_bytes;
  so.limits = options.limits;
  return so;
}

// The service's store: the SQLite files of the data directory (checked writable) or the
// database of --db.
Result<std::unique_ptr<store::Database>> open_service_store(const ServiceOptions& options) {
  std::string url = options.db_url.empty() ? store::sqlite_url(options.data_dir) : options.db_url;
  auto parsed = store::parse_database_url(url);
  if (!parsed) return parsed.error();
  if (parsed->backend == store::Backend::kSqlite) {
    if (auto st = core::check_writable(written_files(parsed->dir), "data-dir"); !st)
      return st.error();
  }
  store::DatabaseOptions dbo;
  dbo.read_url = options.db_read_url;
  // SQLite: reads are memory-mapped, so the page cache holds mainly the pages this process
  // writes — and keeps them. The import's 256 MiB per connection would let a serving
  // process's memory grow with every registration until it is reached (the soak test,
  // docs/reliability.md#soak); SQLite's own default (about 2 MiB) bounds it.
  dbo.sqlite.cache_mib = 0;
  return store::open_store(url, dbo);
}

}  // namespace

Result<std::unique_ptr<Service>> Service::open(const ServiceOptions& options) {
  if (auto st = check_ca(options.data_dir); !st) return st.error();
  auto paths = security::ca_paths(options.data_dir);
  std::unique_ptr<Service> svc(new Service());
  auto& m = *svc->impl_;
  m.options = options;
  // One service per data directory (an import may run beside it: docs/operations.md). With
  // PostgreSQL the directory holds only this server's keys; servers share the database.
  auto lock = core::DirLock::acquire(options.data_dir, "serve", "data-dir", "onshi serve");
  if (!lock) return lock.error();
  m.lock = std::move(*lock);
  auto db = open_service_store(options);
  if (!db) return db.error();
  m.db = std::move(*db);
  m.store = &m.db->members();
  if (!security::Keyring::exists(options.data_dir)) {
    auto n = m.store->count_versions();
    if (n && *n > 0)
      return Error{"E_KEY_MISSING", "data-dir",
                   "the store holds members but keys/master.key is missing — restore it from "
                   "the backup; a new key would make the sealed My Numbers unreadable"};
  }
  auto kr = security::Keyring::load_or_create(options.data_dir);
  if (!kr) return kr.error();
  m.keyring = std::make_unique<security::Keyring>(std::move(*kr));
  m.audit =
      std::make_unique<security::AuditLog>(*m.store, security::AuditOptions{options.audit_timeout});
  if (auto h = m.audit->health(); !h) return h.error();
  m.confirmer = std::make_unique<confirm::Confirmer>(
      *m.store, *m.audit, confirm::MedicalAidSources{&m.db->institutions(), &m.db->tickets()});
  m.registrar = std::make_unique<registry::Registrar>(*m.store, *m.keyring);

  http::Router router;
  Impl* impl = &m;
  router.on_refused(
      [a = m.audit.get()](const http::Request& r, const Error& e) { audit_refusal(*a, r, e.code); });
  router.add_async("POST", "/xml/OQSsiquc01", {core::Role::kInstitution},
                   [impl](const http::Request& r, const http::Respond& respond) {
                     impl->confirm_xml(r, respond);
                   });
  router.add("POST", "/v1/qualification-confirmations", {core::Role::kInstitution},
             [impl](const http::Request& r) { return impl->confirm_json(r); });
  router.add("POST", "/v1/registrations", {core::Role::kInsurer},
             [impl](const http::Request& r) { return impl->registrations(r); });

  m.context = std::make_unique<Context>(
      Context{options.data_dir, *m.db, *m.store, *m.keyring, *m.audit, options.view_cache_bytes});
  add_print_routes(router, *m.context);
  add_quality_routes(router, *m.context);
  add_claims_routes(router, *m.context);
  add_institutions_routes(router, *m.context);
  add_bulk_routes(router, *m.context);
  add_card_routes(router, *m.context);
  add_clinical_routes(router, *m.context);
  add_medical_aid_routes(router, *m.context);
  add_access_routes(router, *m.context);
  add_views_routes(router, *m.context);
  add_portal_routes(router, *m.context);

  m.server = std::make_unique<http::Server>(server_options(options, paths), std::move(router));
  security::AuditLog* audit = m.audit.get();
  m.server->metrics().set_gauge("onshi_audit_committed_total",
                                [audit] { return static_cast<double>(audit->committed()); });
  m.server->metrics().set_gauge("onshi_audit_refused_total",
                                [audit] { return static_cast<double>(audit->refused()); });
  m.server->set_health([audit] { return audit->health(); });
  return svc;
}

Status Service::start() {
  auto st = impl_->server->start();
  if (st) {
    core::log_info("serve.started", {{"host", impl_->options.host},
                                     {"port", std::to_string(impl_->server->port())},
                                     {"dataDir", impl_->options.data_dir.string()}});
  }
  return st;
}
uint16_t Service::port() const { return impl_->server->port(); }
std::vector<http::RouteInfo> Service::routes() const { return impl_->server->routes(); }
void Service::wait() {
  impl_->server->handle_signals();
  impl_->server->wait();
}
void Service::stop() {
  impl_->server->stop();
  impl_->audit->flush();
  core::log_info("serve.stopped", {});
}

void audit_refusal(security::AuditLog& audit, const http::Request& req, std::string_view code) {
  if (!req.peer.role) return;
  audit.record(security::AccessRefused{security::Actor{*req.peer.role, req.peer.id},
                                       req.method + " " + req.path, std::string(code)});
}

Result<std::pair<std::string, uint16_t>> parse_listen(std::string_view listen) {
  auto p = listen.rfind(':');
  if (p == std::string_view::npos || p == 0 || p + 1 >= listen.size())
    return Error{"E_FLAG", "listen", "--listen は HOST:PORT の形で指定してください (例 127.0.0.1:8443)"};
  std::string host(listen.substr(0, p));
  std::string port_s(listen.substr(p + 1));
  if (port_s.size() > 5 || port_s.find_first_not_of("0123456789") != std::string::npos)
    return Error{"E_FLAG", "listen", "ポート番号が不正です"};
  int port = std::stoi(port_s);
  if (port > 65535) return Error{"E_FLAG", "listen", "ポート番号が不正です"};
  return std::make_pair(host, static_cast<uint16_t>(port));
}

}  // namespace onshi::serve
