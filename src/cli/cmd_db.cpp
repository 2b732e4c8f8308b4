// onshi db — the database as a whole: `db migrate` creates or upgrades every store's schema
// (the first step of an installation on PostgreSQL, and of an upgrade of onshi), and
// `db copy` moves an installation from one database to another (e.g. from the SQLite files
// of a data directory to a PostgreSQL server). Neither needs keys: they take URLs alone.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/messages.h"
#include "store/copy.h"
#include "store/database.h"

namespace onshi::cli {
namespace {

// Prints the refusal; returns the exit code: 2 an unusable database, else 1.
int fail(const char* cmd, const Error& e) {
  print_error(std::cerr, std::string("onshi db ") + cmd, e);
  return is_db_open_error(e) ? 2 : 1;
}

// 1234567 → "1,234,567".
std::string commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

int run_migrate(const std::string& url) {
  auto db = store::open_store(url);
  if (!db) return fail("migrate", db.error());
  if (auto st = (*db)->migrate(); !st) return fail("migrate", st.error());
  // Versions stored in an older layout are rewritten into the compact one (SQLite schema 5).
  auto compacted = (*db)->members().compact_versions([](int64_t rows) {
    std::fprintf(stderr, "\rmembers  compact rows: %s 行 ", commas(rows).c_str());
    std::fflush(stderr);
  });
  if (!compacted) return fail("migrate", compacted.error());
  if (*compacted > 0) std::fprintf(stderr, "\n");
  std::cout << "{\"db\":\"" << (*db)->url() << "\",\"migrated\":true,\"compacted_versions\":"
            << *compacted << "}\n";
  return 0;
}

// One line per store on stderr, redrawn at most five times a second and once when the store
// is done: "members  [#####     ]  52.0%  5,200,000 / 10,000,000 行  copied 5,200,000".
class CopyBar {
 public:
  void operator()(const store::CopyStep& s) {
    auto now = std::chrono::steady_clock::now();
    if (!s.finished && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double frac = s.total > 0 ? static_cast<double>(s.read) / static_cast<double>(s.total) : 1;
    if (s.total < 0 && !s.finished) frac = 0;
    if (frac > 1) frac = 1;
    const int width = 30;
    const int fill = static_cast<int>(frac * width);
    std::string bar(static_cast<size_t>(fill), '#');
    bar.append(static_cast<size_t>(width - fill), ' ');
    std::string total = s.total >= 0 ? " / " + commas(s.total) : "";
    std::fprintf(stderr, "\r%-13s [%s] %5.1f%%  %s%s 行  copied %s ", s.store.c_str(), bar.c_str(),
                 frac * 100, commas(s.read).c_str(), total.c_str(), commas(s.copied).c_str());
    if (s.finished) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point last_{};
};

// The summary line: {"from":…,"to":…,"copied":N,"stores":{"members":{"read":…,"copied":…},…}}.
std::string summary(const store::Database& from, const store::Database& to,
                    const store::CopyReport& report) {
  boost::json::object stores;
  for (const auto& s : report.stores) stores[s.store] = {{"read", s.read}, {"copied", s.copied}};
  boost::json::object out{{"from", from.url()}, {"to", to.url()}, {"copied", report.copied()}};
  out["stores"] = std::move(stores);
  return boost::json::serialize(out);
}

// The source as it is: it must exist. A data directory that never used a store (no
// cards.db yet, say) gets that store's empty file, so it reads as empty instead of failing.
Result<std::unique_ptr<store::Database>> open_source(const std::string& url) {
  store::DatabaseOptions existing;
  existing.create = false;
  auto db = store::open_store(url, existing);
  if (!db || (*db)->backend() != store::Backend::kSqlite) return db;
  db->reset();
  return store::open_store(url);
}

// The target is created or migrated; the source must exist already.
int run_copy(const std::string& from_url, const std::string& to_url) {
  auto from = open_source(from_url);
  if (!from) return fail("copy", from.error());
  auto to = store::open_store(to_url);
  if (!to) return fail("copy", to.error());
  if ((*from)->url() == (*to)->url())
    return fail("copy", Error{"E_DB_URL", "to", (*to)->url() + " is the source itself"});
  if (auto st = (*to)->migrate(); !st) return fail("copy", st.error());
  store::CopyProgress progress;
  if (isatty(STDERR_FILENO) == 1) progress = CopyBar();
  auto report = store::copy_database(**from, **to, progress);
  if (!report) {
    int code = fail("copy", report.error());
    return report.error().code == "E_COPY_CONFLICT" ? 2 : code;
  }
  std::cout << summary(**from, **to, *report) << "\n";
  return 0;
}

}  // namespace

void register_db(CLI::App& app, Commands& commands) {
  CLI::App* db = app.add_subcommand(
      "db", "データベースの作成・更新・移行 (create, upgrade and move the database)");
  db->require_subcommand(1);
  auto url = std::make_shared<std::string>();
  CLI::App* migrate = db->add_subcommand(
      "migrate",
      "すべてのストアのスキーマを作成または更新し、旧形式で保存された資格の版を圧縮形式に"
      "書き換える (create or upgrade every store's schema; versions stored in an older layout "
      "are rewritten into the compact one and the file vacuumed — \"compacted_versions\" "
      "counts them)");
  migrate->add_option("--db", *url, "データベース URL: sqlite:DIR または postgresql://…")
      ->required();
  commands.on_run(migrate, [url] { return run_migrate(*url); });

  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  CLI::App* copy = db->add_subcommand(
      "copy",
      "インストール全体を別のデータベースへ複写する。会員と全版・監査ログ・取込履歴・医療機関"
      "台帳・カード台帳・一括照会を、番号や時刻を保ったまま写す。再実行可 (写済みは比較して"
      "飛ばす); 内容の異なる同じキーがあれば E_COPY_CONFLICT で中止。未回答のカードチャレンジ"
      "は一時的なため写さない。鍵と証明書 (DIR/keys, DIR/ca) はファイルなので自分で複写する "
      "(copy everything — members with every version, the audit chain, import runs, the "
      "institutions registry, the card register, bulk receptions — keeping ids, numbers and "
      "times; re-runnable: rows already there are compared and skipped, different data under "
      "the same key stops it with E_COPY_CONFLICT; open card challenges are ephemeral and not "
      "copied; keys and certificates are files: copy DIR/keys and DIR/ca yourself). "
      "Exit 0 done, 1 failed, 2 unusable database or E_COPY_CONFLICT");
  copy->add_option("--from", *from, "複写元のデータベース URL: sqlite:DIR または postgresql://…")
      ->required();
  copy->add_option("--to", *to,
                   "複写先のデータベース URL (なければ作成・更新する): sqlite:DIR または "
                   "postgresql://…")
      ->required();
  commands.on_run(copy, [from, to] { return run_copy(*from, *to); });
}

}  // namespace onshi::cli
