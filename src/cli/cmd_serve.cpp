// onshi serve — the central service over HTTPS with client certificates.
//
// The keys and certificates are in the data directory (`onshi ca init` put the CA and the
// server certificate there); the state is in the database `--db` names (by default the SQLite
// files of the same directory). Several `onshi serve` may share one PostgreSQL database. The
// other flags are where to listen, how long a read may wait for its audit entry before it
// is refused, and the limits against exhaustion (http/limits.h, docs/operations.md).
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
  int max_body_mib = 64;
  int view_cache_mib = 64;
  http::Limits limits;
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
  so.max_body_bytes = static_cast<size_t>(o.max_body_mib) * 1024 * 1024;
  so.view_cache_bytes = static_cast<size_t>(o.view_cache_mib) * 1024 * 1024;
  so.limits = o.limits;
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

// The limits against exhaustion (docs/operations.md, "Limits").
void add_limit_options(CLI::App* cmd, ServeArgs& o) {
  auto& l = o.limits;
  cmd->add_option("--max-body-mib", o.max_body_mib, "要求本文の上限 (MiB); 超えると 413 E_BODY_TOO_LARGE")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--max-header-bytes", l.max_header_bytes,
                  "要求行とヘッダーの上限 (バイト); 超えると 431 E_HEADER_TOO_LARGE")
      ->capture_default_str()->check(CLI::Range(1024u, 1024u * 1024u));
  cmd->add_option("--handshake-timeout", l.handshake_timeout_s, "TLS ハンドシェイクの制限時間 (秒)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  cmd->add_option("--idle-timeout", l.idle_timeout_s,
                  "要求を待つ・要求が届き終わるまでの制限時間 (秒; slowloris 対策)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  cmd->add_option("--max-connections", l.max_connections, "同時接続数の上限 (全体; 0 = なし)")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd->add_option("--max-connections-per-cert", l.max_connections_per_peer,
                  "証明書ごとの同時接続数の上限 (0 = なし); 超えると 503 E_TOO_MANY_CONNECTIONS")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd->add_option("--rate-per-cert", l.rate_per_peer,
                  "証明書ごとの毎秒要求数の上限 (0 = なし); 超えると 429 E_RATE_LIMITED と Retry-After")
      ->capture_default_str()->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--rate-burst", l.burst_per_peer, "続けて受ける要求数 (0 = 毎秒上限の2倍)")
      ->capture_default_str()->check(CLI::Range(0.0, 1e6));
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
  cmd->add_option("--view-cache-mib", o->view_cache_mib,
                  "診療情報の閲覧で記憶しておく行の上限 (MiB; 0 = 記憶しない)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65536));
  add_limit_options(cmd, *o);
  commands.on_run(cmd, [o] { return run_serve(*o); });
}

}  // namespace onshi::cli
