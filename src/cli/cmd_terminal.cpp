// onshi terminal — the institution-side process (terminal/terminal.h, docs/terminal.md): holds
// the institution's certificate, serves the reception screen and its JSON API on loopback
// (--listen), plays the card reader for the card files in --cards, writes face files and
// today's history, and runs the folder bridge between a receipt computer's OQS folder and
// the central service. Prints one JSON line (screen URL, folder, central) and runs until
// SIGINT/SIGTERM. `onshi terminal users add|remove|list` keeps the professional accounts of
// the terminal (terminal/users.h): FOLDER/users.json, each account registered at the central
// service with the institution's certificate.
#include <iostream>

#include "cli/commands.h"
#include "cli/messages.h"
#include <boost/json.hpp>

#include "core/json_text.h"
#include "http/local.h"
#include "serve/service.h"
#include "terminal/terminal.h"
#include "terminal/users.h"

namespace onshi::cli {
namespace {

struct TerminalArgs {
  std::string server, cert_dir, folder, cards;
  std::string listen = "127.0.0.1:0";
  std::string encoding = "utf-8";
  int poll_ms = 200;
  int settle_ms = 3000;
  bool no_watch = false;
  int session_minutes = 30;
};

struct UsersArgs {
  std::string server, cert_dir, folder, id, name, role;
};

// The central service's client for `users add|remove`. Errors: E_FLAG, E_FILE.
Result<http::ClientOptions> users_central(const UsersArgs& a) {
  auto server = terminal::parse_server_url(a.server);
  if (!server) return server.error();
  return terminal::client_options_from_cert_dir(a.cert_dir, server->first, server->second);
}

int run_users(const UsersArgs& a, const std::string& what) {
  const std::string prefix = "onshi terminal users " + what;
  terminal::UsersFile users(a.folder);
  auto stop = [&](const Error& e) {
    print_error(std::cerr, prefix, e, true);
    const bool input = e.code == "E_FLAG" || e.code == "E_FILE" || e.code == "E_ACCOUNT_ID" ||
                       e.code == "E_ACCOUNT_ROLE" || e.code == "E_PASSWORD";
    return input ? 2 : 1;
  };
  if (what == "list") {
    auto all = users.load();
    if (!all) return stop(all.error());
    for (const auto& u : *all)
      std::cout << boost::json::serialize(boost::json::object{
                       {"id", u.id},
                       {"name", u.name},
                       {"role", u.role},
                       {"roleLabel", terminal::user_role_label(u.role)}})
                << "\n";
    return 0;
  }
  auto central = users_central(a);
  if (!central) return stop(central.error());
  Status st;
  if (what == "add") {
    std::string password;
    std::getline(std::cin, password);  // the first line of stdin: never a flag (ps shows flags)
    st = users.add(*central, a.id, a.name, a.role, password);
  } else {
    st = users.remove(*central, a.id);
  }
  if (!st) return stop(st.error());
  std::cout << boost::json::serialize(boost::json::object{{"id", a.id}, {what == "add" ? "added" : "removed", true}})
            << "\n";
  return 0;
}

void register_users(CLI::App* terminal_cmd, Commands& commands) {
  CLI::App* users = terminal_cmd->add_subcommand(
      "users", "端末の医療従事者アカウント (受付・医師・歯科医師・薬剤師): add, remove, list");
  users->require_subcommand(1);
  for (const char* what : {"add", "remove", "list"}) {
    auto a = std::make_shared<UsersArgs>();
    CLI::App* cmd = users->add_subcommand(
        what, std::string(what) == "add"
                  ? "アカウントを追加し中央サービスに登録する (パスワードは標準入力の1行目)"
              : std::string(what) == "remove" ? "アカウントを削除し中央サービスからも削除する"
                                              : "アカウントの一覧 (JSON lines; パスワードは表示しない)");
    cmd->add_option("--folder", a->folder, "OQS フォルダ (users.json を置く)")->required();
    if (std::string(what) != "list") {
      cmd->add_option("--server,--central", a->server, "中央サービス https://HOST:PORT")->required();
      cmd->add_option("--cert-dir", a->cert_dir, "医療機関の証明書フォルダ")->required();
      cmd->add_option("--id", a->id, "アカウントID (英数字と . _ -, 1〜32文字)")->required();
    }
    if (std::string(what) == "add") {
      cmd->add_option("--role", a->role, "役割: reception (受付), doctor (医師), dentist (歯科医師), pharmacist (薬剤師)")
          ->required();
      cmd->add_option("--name", a->name, "表示名 (職員の氏名)");
    }
    commands.on_run(cmd, [a, w = std::string(what)] { return run_users(*a, w); });
  }
}

// Prints the refusal and returns `exit_code`.
int fail(const Error& e, int exit_code) {
  print_error(std::cerr, "onshi terminal", e);
  return exit_code;
}

// The terminal's options from the flags; every error here is unusable input (exit 2).
Result<terminal::TerminalOptions> terminal_options(const TerminalArgs& o) {
  terminal::BridgeOptions bo;
  if (o.encoding == "utf-8" || o.encoding == "UTF-8") {
    bo.encoding = core::Encoding::kUtf8;
  } else if (o.encoding == "shift_jis" || o.encoding == "Shift_JIS") {
    bo.encoding = core::Encoding::kShiftJis;
  } else {
    return Error{"E_FLAG", "encoding", "--encoding must be utf-8 or shift_jis"};
  }
  auto server = terminal::parse_server_url(o.server);
  if (!server) return server.error();
  auto client = terminal::client_options_from_cert_dir(o.cert_dir, server->first, server->second);
  if (!client) return client.error();
  bo.client = *client;
  bo.folder = o.folder;
  bo.poll_ms = o.poll_ms;
  bo.settle_ms = o.settle_ms;
  bo.watch = !o.no_watch;
  auto listen = serve::parse_listen(o.listen);
  if (!listen) return listen.error();
  terminal::TerminalOptions to;
  to.bridge = bo;
  to.listen_host = listen->first;
  to.listen_port = listen->second;
  to.cards_dir = o.cards;
  to.central_url = o.server;
  to.session_minutes = o.session_minutes;
  if (!http::is_loopback_host(to.listen_host))
    return Error{"E_FLAG", "listen",
                 "--listen は 127.0.0.1・::1・localhost のみです (the screen shows coverage without a sign-in)"};
  return to;
}

// The line a started terminal prints: screen URL, folder, central service, institution code.
std::string started_line(const terminal::Terminal& term, const std::string& listen_host,
                         const std::string& folder, const std::string& server) {
  std::string host = listen_host.find(':') != std::string::npos && listen_host.front() != '['
                         ? "[" + listen_host + "]"
                         : listen_host;
  std::string line = "{\"screen\":";
  core::append_json_string(line, "http://" + host + ":" + std::to_string(term.port()) + "/");
  line += ",\"folder\":";
  core::append_json_string(line, folder);
  line += ",\"central\":";
  core::append_json_string(line, server);
  line += ",\"institutionCode\":";
  core::append_json_string(line, term.institution_code());
  line += "}";
  return line;
}

// Runs the terminal until SIGINT/SIGTERM: 0 stopped, 2 unusable flags or certificates,
// 1 it could not start (its folder held by another terminal, I/O).
int run_terminal(const TerminalArgs& o) {
  if (o.server.empty() || o.cert_dir.empty() || o.folder.empty())
    return fail(Error{"E_FLAG", o.server.empty() ? "server" : o.cert_dir.empty() ? "cert-dir" : "folder",
                      "--server, --cert-dir, --folder を指定してください"},
                2);
  auto to = terminal_options(o);
  if (!to) return fail(to.error(), 2);
  std::string listen_host = to->listen_host, folder = to->bridge.folder.string();
  auto term = terminal::Terminal::open(std::move(*to));
  if (!term) {
    const std::string& c = term.error().code;  // E_LOCKED: another terminal has the folder
    return fail(term.error(), c == "E_TERMINAL_IO" || c == "E_LOCKED" ? 1 : 2);
  }
  (*term)->handle_signals();
  if (Status s = (*term)->start(); !s.ok()) return fail(s.error(), 1);
  std::cout << started_line(**term, listen_host, folder, o.server) << std::endl;
  (*term)->wait();
  (*term)->stop();
  return 0;
}

}  // namespace

void register_terminal(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand(
      "terminal",
      "資格確認端末を起動します (受付画面・カードリーダー・レセコン連携フォルダ). Runs the institution terminal.");
  auto o = std::make_shared<TerminalArgs>();
  cmd->require_subcommand(0, 1);
  register_users(cmd, commands);  // before the terminal's own work: the innermost runs
  cmd->add_option("--server,--central", o->server, "中央サービス https://HOST:PORT (必須)");
  cmd->add_option("--cert-dir", o->cert_dir,
                  "医療機関の証明書フォルダ (onshi ca issue institution … --out で作成: cert.pem, key.pem, ca.pem; 必須)");
  cmd->add_option("--folder", o->folder, "OQS フォルダ (req/ res/ face/ work/ を作成; 必須)");
  cmd->add_option("--session-minutes", o->session_minutes,
                  "サインインしたまま操作がないとサインアウトされるまでの分数")
      ->capture_default_str()
      ->check(CLI::Range(1, 1440));
  cmd->add_option("--listen", o->listen, "受付画面の待ち受け HOST:PORT (127.0.0.1 / ::1 / localhost のみ; PORT 0 = 自動)")
      ->capture_default_str();
  cmd->add_option("--cards", o->cards, "カードファイル (*.card) のフォルダ: 受付画面のカード選択に表示");
  cmd->add_option("--encoding", o->encoding, "結果ファイルの文字コード utf-8 | shift_jis")->capture_default_str();
  cmd->add_option("--poll-ms", o->poll_ms, "req/ の監視間隔 (ミリ秒)")->capture_default_str()->check(
      CLI::Range(10, 60000));
  cmd->add_option("--settle-ms", o->settle_ms,
                  "読めないファイルを壊れたものとして回答するまでの静止時間 (ミリ秒)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  cmd->add_flag("--no-watch", o->no_watch,
                "req/ を inotify で監視せず --poll-ms ごとの走査だけで受け付けます (polling only)");
  commands.on_run(cmd, [o] { return run_terminal(*o); });
}

}  // namespace onshi::cli
