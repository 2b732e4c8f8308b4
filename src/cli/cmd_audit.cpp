// onshi audit — checks the audit log of a database (`audit verify --db URL`, or
// `--data-dir DIR` for the SQLite files of a data directory), and shows its entries to an
// operator (`audit show`, JSON lines, filtered by person, institution and period).
// `audit verify --entries FILE` checks a person's download from the portal (security/
// audit_proof.h) against the log before walking the chain.
//
// Verification walks the whole hash chain in the store and prints one JSON object, so an
// operator can read it and a monitoring job can parse it; the exit code alone says whether
// the chain is intact (0) or broken (1). The store is opened without creating it: verifying
// a directory that has no store is a usage mistake (exit 2), not an empty, "valid" log.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <string>

#include <algorithm>
#include <map>

#include "access/access.h"
#include "cli/commands.h"
#include "cli/messages.h"
#include "core/date.h"
#include "security/audit.h"
#include "security/audit_proof.h"
#include "security/ca.h"
#include "store/store.h"

namespace onshi::cli {
namespace {

struct VerifyArgs {
  std::string data_dir, db, entries, ca;
};

// A whole file, or E_FILE naming `field`.
Result<std::string> read_file(const std::string& path, const char* field) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return Error{"E_FILE", field, path + " を読めません"};
  return ss.str();
}

// Checks a person's download (security/audit_proof.h) against the store's log and prints
// {"entries","head","ok"[,"badSeq","problem"]}; 0 valid, 1 not, 2 unusable input.
int verify_entries(const VerifyArgs& a, store::Store& members) {
  const char* prefix = "onshi audit verify";
  const std::string ca_file =
      !a.ca.empty() ? a.ca : security::ca_paths(a.data_dir).ca_cert.string();
  if (a.ca.empty() && a.data_dir.empty())
    return print_error(std::cerr, prefix, Error{"E_FLAG", "ca", "--db では --ca CA.pem を指定してください"}), 2;
  auto ca = read_file(ca_file, "ca");
  if (!ca) return print_error(std::cerr, prefix, ca.error()), 2;
  auto text = read_file(a.entries, "entries");
  if (!text) return print_error(std::cerr, prefix, text.error()), 2;
  auto d = security::parse_entries(*text);
  if (!d) return print_error(std::cerr, prefix, d.error(), true), 2;
  auto check = security::check_entries(*d, *ca, &members);
  if (!check) return print_error(std::cerr, prefix, check.error()), 2;
  boost::json::object out{{"entries", check->entries}, {"head", check->head_seq}, {"ok", check->ok}};
  if (!check->ok) {
    out["badSeq"] = check->bad_seq;
    out["problem"] = check->problem;
  }
  std::cout << boost::json::serialize(out) << "\n";
  return check->ok ? 0 : 1;
}

// Walks the chain of the store and prints the report; 0 intact, 1 broken, 2 no usable store.
// With --entries, first checks the download against the log (then the chain as well).
int run_verify(const VerifyArgs& a) {
  if (a.data_dir.empty() && a.db.empty()) {
    std::cerr << "onshi audit verify: E_FLAG: --db URL か --data-dir DIR を指定してください\n";
    return 2;
  }
  auto st = open_database(a.data_dir, a.db, false);
  if (!st.ok()) {
    print_error(std::cerr, "onshi audit verify", st.error());
    return 2;
  }
  if (!a.entries.empty()) {
    if (int rc = verify_entries(a, (*st)->members()); rc != 0) return rc;
  }
  auto report = security::verify_audit((*st)->members());
  if (!report.ok()) {
    print_error(std::cerr, "onshi audit verify", report.error());
    return 1;
  }
  boost::json::object out;
  out["entries"] = report->entries;
  out["ok"] = report->ok;
  if (!report->ok) {
    out["firstBadSeq"] = report->first_bad_seq;
    out["problem"] = report->problem;
  }
  std::cout << boost::json::serialize(out) << "\n";
  return report->ok ? 0 : 1;
}

struct ShowArgs {
  std::string data_dir, db, person_link, institution, from, to;
};

// One entry as a JSON line: the detail as an object when it is JSON.
std::string entry_line(const store::AuditEntry& e) {
  boost::json::object o{{"seq", e.seq},
                        {"time", core::timestamp_jst(e.time_us)},
                        {"actor", e.actor},
                        {"action", e.action},
                        {"subject", e.subject}};
  boost::system::error_code ec;
  boost::json::value d = boost::json::parse(e.detail, ec);
  if (!ec && d.is_object())
    o["detail"] = std::move(d);
  else
    o["detail"] = e.detail;
  return boost::json::serialize(o);
}

// The subjects a person's entries carry: person:<hex> (clinical access) and the card keys
// of every qualification of the person (confirmations, member views).
Result<std::vector<std::string>> person_subjects(store::Store& members, const std::string& hex) {
  auto link = access::parse_person_link_hex(hex);
  if (!link) return link.error();
  std::vector<std::string> subjects{security::person_subject(access::person_link_hex(*link))};
  auto versions = members.find_by_person_link(*link, core::now_unix_us());
  if (!versions) return versions.error();
  for (const auto& v : *versions) {
    std::string key = v.qualification.card_key();
    if (std::find(subjects.begin(), subjects.end(), key) == subjects.end())
      subjects.push_back(std::move(key));
  }
  return subjects;
}

// Prints the entries that pass the filters, in seq order; 0 done, 1 store error, 2 bad flags.
int run_show(const ShowArgs& a) {
  const char* prefix = "onshi audit show";
  if (a.data_dir.empty() && a.db.empty())
    return print_error(std::cerr, prefix, Error{"E_FLAG", "db", "--db URL か --data-dir DIR を指定してください"}), 2;
  int64_t from = 0, to = INT64_MAX;
  if (!a.from.empty()) {
    auto t = parse_jst_time(a.from, "from");
    if (!t) return print_error(std::cerr, prefix, t.error(), true), 2;
    from = *t;
  }
  if (!a.to.empty()) {
    auto t = parse_jst_time(a.to, "to");
    if (!t) return print_error(std::cerr, prefix, t.error(), true), 2;
    to = *t;
  }
  auto db = open_database(a.data_dir, a.db, false);
  if (!db) return print_error(std::cerr, prefix, db.error()), 2;
  store::Store& members = (*db)->members();
  const std::string actor = a.institution.empty() ? "" : "institution:" + a.institution;
  std::map<int64_t, std::string> lines;  // by seq (a person's subjects are scanned one by one)
  auto keep = [&](const store::AuditEntry& e) {
    if (e.time_us < from || e.time_us >= to) return true;
    if (!actor.empty() && e.actor != actor) return true;
    lines.emplace(e.seq, entry_line(e));
    return true;
  };
  Status st;
  if (!a.person_link.empty()) {
    auto subjects = person_subjects(members, a.person_link);
    if (!subjects)
      return print_error(std::cerr, prefix, subjects.error(), true), subjects.error().code == "E_STORE" ? 1 : 2;
    for (const auto& s : *subjects)
      if (st = members.scan_audit_by_subject(s, keep); !st) break;
  } else {
    st = members.scan_audit(1, keep);
  }
  if (!st) return print_error(std::cerr, prefix, st.error()), 1;
  for (const auto& [seq, line] : lines) std::cout << line << "\n";
  return 0;
}

void register_show(CLI::App* audit, Commands& commands) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* show = audit->add_subcommand(
      "show", "監査ログの記録を表示する (JSON lines, seq 順): 人・医療機関・期間で絞り込み "
              "(print entries, filtered by person link, institution and period)");
  auto* dir_opt = show->add_option("--data-dir", a->data_dir, "データディレクトリ (store: DIR/onshi.db)");
  add_db_option(show, a->db);
  show->get_option("--db")->excludes(dir_opt);
  show->add_option("--person-link", a->person_link,
                   "この人の記録だけ (個人リンク, 64桁の16進数: 診療情報の閲覧・拒否と資格確認)");
  show->add_option("--institution", a->institution, "この医療機関 (医療機関コード) の記録だけ");
  show->add_option("--from", a->from, "この日時以降 (日本時間 YYYYMMDD[HHmm[ss]])");
  show->add_option("--to", a->to, "この日時より前 (日本時間 YYYYMMDD[HHmm[ss]])");
  commands.on_run(show, [a] { return run_show(*a); });
}

}  // namespace

void register_audit(CLI::App& app, Commands& commands) {
  auto v = std::make_shared<VerifyArgs>();
  CLI::App* audit = app.add_subcommand(
      "audit", "監査ログ (the hash-chained log of every read of a person's data)");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "監査ログのハッシュチェーンを検証する。結果を JSON で出力; 0 = 正常, 1 = 改ざん・欠落あり "
      "(walk the chain and recompute every hash; prints JSON; exit 0 intact, 1 broken)");
  auto* dir_opt =
      verify->add_option("--data-dir", v->data_dir, "データディレクトリ (store: DIR/onshi.db)");
  add_db_option(verify, v->db);
  verify->get_option("--db")->excludes(dir_opt);
  verify->add_option("--entries", v->entries,
                     "ポータルでダウンロードした本人の監査記録 (JSON) をログと照合する: 各記録のハッシュ、"
                     "署名、ログの同じ seq の記録とチェーン先頭 (check a person's download against the log)");
  verify->add_option("--ca", v->ca, "署名を確かめる CA 証明書 (既定: DIR/ca/ca.pem)");
  commands.on_run(verify, [v] { return run_verify(*v); });
  register_show(audit, commands);
}

}  // namespace onshi::cli
