// onshi portal — the patient's own portal (portal/portal.h, docs/portal.md): holds a `portal`
// certificate, plays the card reader for the card files in --cards, and serves the pages of
// web/portal/ on loopback (--listen). Prints one JSON line (the portal's URL, the central
// service) and runs until SIGINT/SIGTERM.
#include <iostream>

#include "cli/commands.h"
#include "cli/messages.h"
#include "core/json_text.h"
#include "portal/portal.h"
#include "serve/service.h"
#include "terminal/bridge.h"

namespace onshi::cli {
namespace {

struct PortalArgs {
  std::string server, cert_dir, cards;
  std::string listen = "127.0.0.1:0";
  int idle_minutes = 30;
};

int fail(const Error& e, int exit_code) {
  print_error(std::cerr, "onshi portal", e);
  return exit_code;
}

// The portal's options from the flags; every error here is unusable input (exit 2).
Result<portal::PortalOptions> portal_options(const PortalArgs& a) {
  if (a.server.empty() || a.cert_dir.empty())
    return Error{"E_FLAG", a.server.empty() ? "server" : "cert-dir",
                 "--server と --cert-dir を指定してください"};
  auto server = terminal::parse_server_url(a.server);
  if (!server) return server.error();
  auto client = terminal::client_options_from_cert_dir(a.cert_dir, server->first, server->second);
  if (!client) return client.error();
  auto listen = serve::parse_listen(a.listen);
  if (!listen) return listen.error();
  portal::PortalOptions o;
  o.central = *client;
  o.central_url = a.server;
  o.listen_host = listen->first;
  o.listen_port = listen->second;
  o.cards_dir = a.cards;
  o.idle_minutes = a.idle_minutes;
  return o;
}

// 0 stopped, 2 unusable flags or certificate, 1 it could not start.
int run_portal(const PortalArgs& a) {
  auto o = portal_options(a);
  if (!o) return fail(o.error(), 2);
  const std::string host = o->listen_host;
  auto p = portal::Portal::open(std::move(*o));
  if (!p) return fail(p.error(), 2);
  (*p)->handle_signals();
  if (Status s = (*p)->start(); !s.ok()) return fail(s.error(), 1);
  const std::string shown = host.find(':') != std::string::npos && host.front() != '['
                                ? "[" + host + "]"
                                : host;
  std::string line = "{\"portal\":";
  core::append_json_string(line, "http://" + shown + ":" + std::to_string((*p)->port()) + "/");
  line += ",\"central\":";
  core::append_json_string(line, a.server);
  line += "}";
  std::cout << line << std::endl;
  (*p)->wait();
  (*p)->stop();
  return 0;
}

}  // namespace

void register_portal(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand(
      "portal",
      "本人向けポータルを起動します (カードでサインイン・利用登録・資格情報・閲覧履歴・同意の管理). "
      "Runs the patient's own portal.");
  auto a = std::make_shared<PortalArgs>();
  cmd->add_option("--server,--central", a->server, "中央サービス https://HOST:PORT (必須)");
  cmd->add_option("--cert-dir", a->cert_dir,
                  "ポータルの証明書フォルダ (onshi ca issue portal … --out で作成: cert.pem, "
                  "key.pem, ca.pem; 必須)");
  cmd->add_option("--cards", a->cards, "カードファイル (*.card) のフォルダ: サインインで選べるカード");
  cmd->add_option("--listen", a->listen,
                  "待ち受け HOST:PORT (127.0.0.1 / ::1 / localhost のみ; PORT 0 = 自動)")
      ->capture_default_str();
  cmd->add_option("--idle-minutes", a->idle_minutes,
                  "操作がないとサインアウトされるまでの分数 (中央サービスの上限は30分)")
      ->capture_default_str()
      ->check(CLI::Range(1, 30));
  commands.on_run(cmd, [a] { return run_portal(*a); });
}

}  // namespace onshi::cli
