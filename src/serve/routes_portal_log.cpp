// GET /v1/me/accesses — who looked at the person's data (R-CARD-2): every confirmation of
// their qualifications and every clinical view (allowed or refused), newest first, from the
// hash-chained audit log itself, never from a copy.
//
// The one decision: the log is read through its subject index only, never scanned. A
// confirmation names the card key it answered, a clinical view names the person
// ("person:<link hex>"), so the person's entries are the entries of their card keys (found by
// the person link) plus those of their person subject — a few index range reads however long
// the log is. Query: from, to (YYYYMMDD, JST, inclusive), institution (10 digits), limit
// (1–1000, default 200). Each entry: seq (to check against `onshi audit verify`), time,
// institutionCode, institutionName, method, what, whatLabel, basis, allowed.
//
// GET /v1/me/audit-entries — the same person's entries themselves, whole (every hashed field),
// with the chain's head and the service's signature over both (security/audit_proof.h), as a
// download the person or an auditor checks with `onshi audit verify --entries FILE`.
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "access/access.h"
#include "core/date.h"
#include "security/audit_events.h"
#include "security/audit_proof.h"
#include "security/ca.h"
#include "serve/portal_detail.h"

namespace onshi::serve::portal_detail {
namespace {
namespace json = boost::json;

struct Filter {
  std::string from, to, institution;
  size_t limit = 200;
};

Result<Filter> filter_of(const http::Request& req) {
  Filter f;
  for (auto [key, target] : {std::pair{"from", &f.from}, {"to", &f.to}}) {
    *target = req.query_param(key);
    if (target->empty()) continue;
    if (auto d = core::Date::parse(*target); !d) return Error{d.error().code, key, d.error().message};
  }
  f.institution = req.query_param("institution");
  if (!f.institution.empty() &&
      (f.institution.size() != 10 ||
       f.institution.find_first_not_of("0123456789") != std::string::npos))
    return Error{"E_CODE", "institution", "医療機関コードは10桁の数字です"};
  const std::string limit = req.query_param("limit");
  if (!limit.empty()) {
    if (limit.size() > 4 || limit.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(limit) < 1 || std::stoi(limit) > 1000)
      return Error{"E_CODE", "limit", "limit は 1 から 1000 までの数です"};
    f.limit = static_cast<size_t>(std::stoi(limit));
  }
  return f;
}

struct Access {
  int64_t seq = 0, time_us = 0;
  std::string institution, method, what, what_label, basis;
  bool allowed = true;
};

std::string_view method_label(std::string_view m) {
  return m == "pin" ? "マイナンバーカード（暗証番号）"
         : m == "face" ? "マイナンバーカード（顔認証）"
         : m == "visual" ? "マイナンバーカード（目視確認）"
         : m == "numbers" ? "保険証の記号番号"
         : m == "account" ? "医療情報の閲覧（職員アカウント）"
                          : "";
}

// The entry as an Access, or nullopt when it is not a look at the person's data.
std::optional<Access> access_of(const store::AuditEntry& e) {
  auto rec = security::decode(e);
  if (!rec) return std::nullopt;
  if (const auto* c = std::get_if<security::Confirmation>(&*rec)) {
    return Access{e.seq, e.time_us, c->medical_institution_code,
                  std::string(security::identity_check_name(c->method)), "coverage", "資格情報",
                  "", true};
  }
  if (const auto* a = std::get_if<security::ClinicalAccess>(&*rec)) {
    auto cat = access::parse_category(a->category);
    return Access{e.seq,
                  e.time_us,
                  a->medical_institution_code,
                  "account",
                  cat ? std::string(access::category_name(*cat)) : a->category,
                  cat ? std::string(access::category_label(*cat)) : a->category,
                  a->allowed ? a->basis : a->code,
                  a->allowed};
  }
  return std::nullopt;
}

// The subjects of the person's entries: their person and every card key of theirs.
Result<std::vector<std::string>> subjects_of(PortalRoutes& r, const std::string& link) {
  auto quals = r.store->find_by_person_link(link, core::now_unix_us());
  if (!quals) return quals.error();
  std::vector<std::string> subjects{security::person_subject(access::person_link_hex(link))};
  for (const auto& v : *quals) subjects.push_back(v.qualification.card_key());
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  return subjects;
}

// Whether `e` can be a look at the person's data within the filter, judged from the entry's
// own columns (action, time, actor) before its detail is decoded.
bool may_list(const store::AuditEntry& e, const Filter& f) {
  if (e.action != "confirm" && e.action != "clinical.view" && e.action != "clinical.refused")
    return false;
  if (!f.from.empty() || !f.to.empty()) {
    const std::string day = core::timestamp_jst(e.time_us).substr(0, 8);
    if ((!f.from.empty() && day < f.from) || (!f.to.empty() && day > f.to)) return false;
  }
  return f.institution.empty() || e.actor == "institution:" + f.institution;
}

// Every access to the person, through the subject index: their card keys and their person.
// The entries are read whole (few), but only the newest `limit` that pass are decoded.
Result<std::vector<Access>> accesses_of(PortalRoutes& r, const std::string& link,
                                        const Filter& f) {
  auto subjects = subjects_of(r, link);
  if (!subjects) return subjects.error();
  std::vector<store::AuditEntry> raw;
  for (const auto& s : *subjects) {
    auto st = r.store->scan_audit_by_subject(s, [&](const store::AuditEntry& e) {
      if (may_list(e, f)) raw.push_back(e);
      return true;
    });
    if (!st) return st.error();
  }
  std::sort(raw.begin(), raw.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
  std::vector<Access> out;
  for (const auto& e : raw) {
    if (out.size() >= f.limit) break;
    auto a = access_of(e);
    if (!a || (!f.institution.empty() && a->institution != f.institution)) continue;
    out.push_back(std::move(*a));
  }
  return out;
}

// A file of the data directory, or "" when it cannot be read.
std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return in ? ss.str() : "";
}

}  // namespace

// Every entry about the person (all actions, their own portal visits too), the chain's head
// read after them, signed with the service's key (security/audit_proof.h).
http::Response audit_entries(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto subjects = subjects_of(r, holder->person_link);
  if (!subjects) return refused(subjects.error());
  security::EntriesDownload d;
  d.person = access::person_link_hex(holder->person_link);
  for (const auto& s : *subjects) {
    auto st = r.store->scan_audit_by_subject(s, [&](const store::AuditEntry& e) {
      d.entries.push_back(e);
      return true;
    });
    if (!st) return refused(st.error());
  }
  std::sort(d.entries.begin(), d.entries.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });
  auto head = r.store->last_audit();
  if (!head) return refused(head.error());
  if (*head) d.head = **head;
  d.issued_us = core::now_unix_us();
  const auto paths = security::ca_paths(r.data_dir);
  const std::string key = read_text(paths.server_key), cert = read_text(paths.server_cert);
  const auto rows = static_cast<int64_t>(d.entries.size());
  auto signed_text = security::sign_entries(std::move(d), key, cert);
  if (!signed_text) return http::problem(500, signed_text.error());
  if (auto st = audit_view(r, req, holder->person_link, "audit-entries", rows); !st)
    return refused(st.error());
  http::Response res;
  res.status = 200;
  res.content_type = "application/json";
  res.headers.emplace_back("Content-Disposition", "attachment; filename=\"audit-entries.json\"");
  res.body = std::move(*signed_text);
  return res;
}

http::Response accesses(PortalRoutes& r, const http::Request& req) {
  auto holder = session_of(r, req);
  if (!holder) return refused(holder.error());
  auto f = filter_of(req);
  if (!f) return refused(f.error());
  auto list = accesses_of(r, holder->person_link, *f);
  if (!list) return refused(list.error());
  if (auto st = audit_view(r, req, holder->person_link, "accesses",
                           static_cast<int64_t>(list->size()));
      !st)
    return refused(st.error());
  json::array a;
  std::map<std::string, std::string> names;  // one registry read per institution, not per entry
  for (const auto& x : *list) {
    auto name = names.find(x.institution);
    if (name == names.end())
      name = names.emplace(x.institution, institution_name(r, x.institution)).first;
    a.push_back(json::object{{"seq", x.seq},
                             {"time", core::timestamp_jst(x.time_us)},
                             {"institutionCode", x.institution},
                             {"institutionName", name->second},
                             {"method", x.method},
                             {"methodLabel", method_label(x.method)},
                             {"what", x.what},
                             {"whatLabel", x.what_label},
                             {"basis", x.basis},
                             {"allowed", x.allowed}});
  }
  return json_ok(json::object{{"accesses", std::move(a)}});
}

}  // namespace onshi::serve::portal_detail
