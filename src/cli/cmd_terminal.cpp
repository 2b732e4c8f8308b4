// onshi terminal — the institution-side process: holds the institution's certificate and
// runs the folder bridge between a receipt computer's OQS folder and the central service
// (terminal/bridge.h, docs/terminal.md). Runs until SIGINT/SIGTERM.
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "terminal/bridge.h"

namespace onshi::cli {

namespace {
std::atomic<bool> g_terminal_stop{false};
extern "C" void terminal_on_signal(int) { g_terminal_stop.store(true); }
}  // namespace

void register_terminal(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "terminal", "資格確認端末を起動します (レセコン連携フォルダ). Runs the institution terminal's folder bridge.");
  struct Opts {
    std::string server, cert_dir, folder;
    std::string encoding = "utf-8";
    int poll_ms = 200;
    int settle_ms = 3000;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--server,--central", o->server, "中央サービス https://HOST:PORT")->required();
  cmd->add_option("--cert-dir", o->cert_dir,
                  "医療機関の証明書フォルダ (onshi ca issue institution … --out で作成: cert.pem, key.pem, ca.pem)")
      ->required();
  cmd->add_option("--folder", o->folder, "OQS フォルダ (req/ res/ face/ work/ を作成)")->required();
  cmd->add_option("--encoding", o->encoding, "結果ファイルの文字コード utf-8 | shift_jis")->capture_default_str();
  cmd->add_option("--poll-ms", o->poll_ms, "req/ の監視間隔 (ミリ秒)")->capture_default_str()->check(
      CLI::Range(10, 60000));
  cmd->add_option("--settle-ms", o->settle_ms,
                  "読めないファイルを壊れたものとして回答するまでの静止時間 (ミリ秒)")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600000));
  cmd->callback([o] {
    auto fail = [](const Error& e, int exit_code) {
      std::cerr << "onshi terminal: " << e.code << ": " << e.message << "\n";
      g_exit_code = exit_code;
    };
    terminal::BridgeOptions bo;
    if (o->encoding == "utf-8" || o->encoding == "UTF-8") {
      bo.encoding = core::Encoding::kUtf8;
    } else if (o->encoding == "shift_jis" || o->encoding == "Shift_JIS") {
      bo.encoding = core::Encoding::kShiftJis;
    } else {
      return fail(Error{"E_FLAG", "encoding", "--encoding must be utf-8 or shift_jis"}, 2);
    }
    auto server = terminal::parse_server_url(o->server);
    if (!server) return fail(server.error(), 2);
    auto client = terminal::client_options_from_cert_dir(o->cert_dir, server->first, server->second);
    if (!client) return fail(client.error(), 2);
    bo.client = *client;
    bo.folder = o->folder;
    bo.poll_ms = o->poll_ms;
    bo.settle_ms = o->settle_ms;
    auto bridge = terminal::Bridge::open(bo);
    if (!bridge) return fail(bridge.error(), 1);
    std::signal(SIGINT, terminal_on_signal);
    std::signal(SIGTERM, terminal_on_signal);
    std::cout << "{\"folder\":\"" << bo.folder.string() << "\",\"central\":\"" << o->server << "\"}"
              << std::endl;
    (*bridge)->run(g_terminal_stop);
  });
}

}  // namespace onshi::cli
