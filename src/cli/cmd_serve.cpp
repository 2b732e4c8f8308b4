// onshi serve — the central service over HTTPS with client certificates.
//
// The keys and certificates are in the data directory (`onshi ca init` put the CA and the
// server certificate there); the state is in the database `--db` names (by default the SQLite
// files of the same directory). Several `onshi serve` may share one PostgreSQL database. The
// other flags are where to listen and how long a read may wait for its audit entry before it
// is refused.
#include <iostream>

#include "cli/commands.h"
#include "cli/messages.h"
#include "serve/service.h"

namespace onshi::cli {
namespace {

struct ServeArgs {
  std::string data_dir, db, db_read;
  std::string listen = "127.0.0.1:8443";
  int threads = 2;
  int audit_wait_ms = 5000;
};

// Runs the service until SIGINT/SIGTERM: 0 stopped, 2 an unusable flag, CA or database,
// 1 it could not start.
int run_serve(const ServeArgs& o) {
  auto listen = serve::parse_listen(o.listen);
  if (!listen) {
    print_error(std::cerr, "", listen.error());
    return 2;
  }
  serve::ServiceOptions so;
  so.data_dir = o.data_dir;
  so.db_url = db_url_of(o.data_dir, o.db);
  so.db_read_url = o.db_read;
  so.host = listen->first;
  so.port = listen->second;
  so.threads = o.threads;
  so.audit_timeout = std::chrono::milliseconds(o.audit_wait_ms);
  auto svc = serve::Service::open(so);
  if (!svc) {
    print_error(std::cerr, "", svc.error());
    return svc.error().code == "E_CA_MISSING" || is_db_open_error(svc.error()) ? 2 : 1;
  }
  if (auto st = (*svc)->start(); !st) {
    print_error(std::cerr, "", st.error());
    return 1;
  }
  std::cout << "{\"listening\":\"https://" << so.host << ":" << (*svc)->port() << "\"}"
            << std::endl;
  (*svc)->wait();
  (*svc)->stop();
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand(
      "serve", "中央サービスを起動します (HTTPS + クライアント証明書). Runs the central service.");
  auto o = std::make_shared<ServeArgs>();
  cmd->add_option("--data-dir", o->data_dir, "データディレクトリ (onshi ca init で作成)")->required();
  add_db_option(cmd, o->db);
  cmd->add_option("--db-read", o->db_read,
                  "読み取り用レプリカ postgresql://… (資格確認の読み取りに使用)");
  cmd->add_option("--listen", o->listen, "待ち受けアドレス HOST:PORT (PORT 0 = 空きポート)")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "I/O スレッド数")->capture_default_str()->check(
      CLI::Range(1, 64));
  cmd->add_option("--audit-wait-ms", o->audit_wait_ms,
                  "照会の監査記録を待つ最長時間 (ミリ秒); 過ぎたら回答せず E_STORE")
      ->capture_default_str()
      ->check(CLI::Range(10, 600000));
  commands.on_run(cmd, [o] { return run_serve(*o); });
}

}  // namespace onshi::cli
