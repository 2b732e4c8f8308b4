// onshi ca — the certificate authority's two jobs on the command line: create the CA and
// the server certificate once (`ca init`), then issue one client certificate per institution
// or insurer (`ca issue institution CODE`, `ca issue insurer NUMBER`), and one per welfare
// office (`ca issue welfare-office NUMBER`, its 医療扶助 公費負担者番号); and revoke one
// (`ca revoke CERT.pem`: DIR/ca/revoked, which a running `onshi serve` checks at once).
//
// The commands are thin: all checks (an existing CA is never replaced, the code's check digit)
// live in security/ca.h so the server and tests get the same behaviour. An id that fails its
// check is unusable input (exit 2); anything else that goes wrong is a failure (exit 1).
#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/messages.h"
#include "security/ca.h"

namespace onshi::cli {
namespace {

struct CaArgs {
  std::string data_dir;
  std::vector<std::string> server_names;
  int ca_days = 3650;
  std::string id;
  std::string out;
  int client_days = 825;
  bool force = false;
  std::string cert;  // ca revoke
};

// Like `card issue`: an existing certificate or key is replaced only when asked (its holder
// would otherwise lose a working key without a word).
Status check_out_dir(const std::filesystem::path& out, bool force) {
  if (force) return Status::Ok();
  for (const char* f : {"cert.pem", "key.pem"}) {
    if (!std::filesystem::exists(out / f)) continue;
    return Error{"E_FILE", "out",
                 (out / f).string() +
                     " already exists — choose another --out, or pass --force "
                     "to replace the certificate and key there"};
  }
  return Status::Ok();
}

void print_error(const Error& e) {
  cli::print_error(std::cerr, "onshi ca", e);
}

// ca issue ROLE ID: 0 issued, 2 an unusable id or --out, 1 anything else.
int run_issue(const CaArgs& a, security::Role role) {
  if (Status s = check_out_dir(a.out, a.force); !s.ok()) {
    print_error(s.error());
    return 2;
  }
  Status s = security::issue_client(a.data_dir, role, a.id, a.out, a.client_days);
  if (!s.ok()) {
    cli::print_error(std::cerr, "onshi ca", s.error(), true);
    const std::string& c = s.error().code;
    bool bad_input = c == "E_EMPTY" || c == "E_NOT_DIGIT" || c == "E_LENGTH" ||
                     c == "E_STRUCTURE" || c == "E_CHECK_DIGIT" || c == "E_ID" ||
                     c == "E_VALIDITY" || c == "E_CA_MISSING" || c == "E_MEDICAL_AID_NUMBER" ||
                     c == "W_CHECK_DIGIT";
    return bad_input ? 2 : 1;
  }
  std::cout << "issued " << security::role_name(role) << " certificate for " << a.id << "\n  "
            << (std::filesystem::path(a.out) / "cert.pem").string() << "\n  "
            << (std::filesystem::path(a.out) / "key.pem").string() << " (0600)\n  "
            << (std::filesystem::path(a.out) / "ca.pem").string() << "\n";
  return 0;
}

// ca init: 0 created, 2 a bad server name or validity, 1 anything else (an existing CA).
int run_init(const CaArgs& a) {
  security::CaInitOptions options;
  if (!a.server_names.empty()) options.server_names = a.server_names;
  options.validity_days = a.ca_days;
  Status s = security::ca_init(a.data_dir, options);
  if (!s.ok()) {
    print_error(s.error());
    return s.error().code == "E_SERVER_NAME" || s.error().code == "E_VALIDITY" ? 2 : 1;
  }
  security::CaPaths p = security::ca_paths(a.data_dir);
  std::cout << "created CA\n  " << p.ca_cert.string() << "\n  " << p.ca_key.string()
            << " (0600)\n  " << p.server_cert.string() << "\n  " << p.server_key.string()
            << " (0600)\n  server names:";
  for (const auto& n : options.server_names) std::cout << ' ' << n;
  std::cout << "\n";
  return 0;
}

// ca revoke CERT: 0 revoked (or already), 2 not a certificate of this CA, 1 anything else.
int run_revoke(const CaArgs& a) {
  std::ifstream in(a.cert, std::ios::binary);
  if (!in) {
    print_error(Error{"E_FILE", "cert", a.cert + " を読めません"});
    return 2;
  }
  std::stringstream pem;
  pem << in.rdbuf();
  auto r = security::revoke(a.data_dir, pem.str());
  if (!r) {
    print_error(r.error());
    const std::string& c = r.error().code;
    return c == "E_CERT_PARSE" || c == "E_CERT_ISSUER" || c == "E_CA_MISSING" ? 2 : 1;
  }
  std::cout << (r->already ? "already revoked " : "revoked ") << r->holder << " serial "
            << r->serial << "\n  " << security::revocation_file(a.data_dir).string() << "\n";
  return 0;
}

void add_issue(CLI::App& issue, Commands& commands, std::shared_ptr<CaArgs> args,
               security::Role role, const std::string& description, const std::string& id_help) {
  std::string name(security::role_name(role));
  CLI::App* cmd = issue.add_subcommand(name, description);
  cmd->add_option("id", args->id, id_help)->required();
  cmd->add_option("--data-dir", args->data_dir, "データディレクトリ (CA は DIR/ca)")->required();
  cmd->add_option("--out", args->out, "出力先: OUT/cert.pem, OUT/key.pem (0600), OUT/ca.pem")
      ->required();
  cmd->add_option("--days", args->client_days, "有効日数 (validity in days)")
      ->capture_default_str();
  cmd->add_flag("--force", args->force, "既存の cert.pem / key.pem を置き換える (replace them)");
  commands.on_run(cmd, [args, role] { return run_issue(*args, role); });
}

}  // namespace

void register_ca(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<CaArgs>();
  CLI::App* ca = app.add_subcommand(
      "ca", "認証局: CA と証明書の発行 (onshi's certificate authority, R-INST-1)");
  ca->require_subcommand(1);

  CLI::App* init =
      ca->add_subcommand("init",
                         "CA とサーバ証明書を DIR/ca に作成する。既存の CA は置き換えない "
                         "(create the CA and server certificate; never replaces an existing CA)");
  init->add_option("--data-dir", args->data_dir, "データディレクトリ (data directory)")->required();
  init->add_option("--server-name", args->server_names,
                   "サーバ証明書の名前 (SAN: IP address or DNS name; repeatable; default "
                   "127.0.0.1 and localhost)");
  init->add_option("--days", args->ca_days, "有効日数 (validity in days)")->capture_default_str();
  commands.on_run(init, [args] { return run_init(*args); });

  CLI::App* issue = ca->add_subcommand(
      "issue",
      "クライアント証明書を発行する (issue a client certificate: O=onshi, OU=role, CN=id)");
  issue->require_subcommand(1);
  CLI::App* revoke = ca->add_subcommand(
      "revoke",
      "クライアント証明書を失効させる。稼働中の serve は再起動なしで次の接続から拒否する "
      "(revoke a client certificate: DIR/ca/revoked, checked by serve at every handshake)");
  revoke->add_option("cert", args->cert, "失効させる証明書 (cert.pem issued by this CA)")
      ->required();
  revoke->add_option("--data-dir", args->data_dir, "データディレクトリ (CA は DIR/ca)")->required();
  commands.on_run(revoke, [args] { return run_revoke(*args); });

  add_issue(*issue, commands, args, security::Role::kInstitution,
            "医療機関等の証明書 (certificate for a medical institution or pharmacy)",
            "医療機関コード (10 digits with check digit)");
  add_issue(*issue, commands, args, security::Role::kInsurer,
            "保険者の証明書 (certificate for an insurer)",
            "保険者番号 (6 or 8 digits with check digit)");
  add_issue(*issue, commands, args, security::Role::kReviewer,
            "審査支払機関の証明書 (certificate for a review & payment organisation: claims check)",
            "識別子 (1–64 letters, digits, '-', '_', '.'; e.g. shiharai-kikin)");
  add_issue(*issue, commands, args, security::Role::kAgency,
            "実施機関の証明書 (certificate for the implementing agency: institution onboarding)",
            "識別子 (1–64 letters, digits, '-', '_', '.')");
  add_issue(*issue, commands, args, security::Role::kBureau,
            "地方厚生局の証明書 (certificate for a regional bureau: designations)",
            "識別子 (1–64 letters, digits, '-', '_', '.'; e.g. kanto)");
  add_issue(*issue, commands, args, security::Role::kWelfareOffice,
            "福祉事務所の証明書 (certificate for a welfare office: 医療扶助 recipients and tickets "
            "under its own number)",
            "公費負担者番号 (8 digits: 法別 12 + 都道府県 + 実施機関 + check digit)");
  add_issue(*issue, commands, args, security::Role::kPortal,
            "本人向けポータルの証明書 (certificate for the patient's portal, onshi portal: "
            "/v1/me/… with a person session)",
            "識別子 (1–64 letters, digits, '-', '_', '.'; e.g. portal-1)");
}

}  // namespace onshi::cli
