// onshi generate — demo data on the command line: a realistic member population
// (`generate members`) and the fixed demo members confirmed by known numbers
// (`generate demo-members`), both as CSV that `onshi import` reads.
//
// The population is a function of (--seed, --count, --as-of, --my-number-rate); --as-of
// defaults to today (JST) so that ages and certificate periods are right on the day the
// data are made — pass it explicitly for byte-identical files on another day.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/messages.h"
#include "demo/generator.h"

namespace onshi::cli {
namespace {

struct GenerateArgs {
  int64_t count = 1000;
  uint64_t seed = 1;
  std::string out;
  std::string encoding = "utf-8";
  double my_number_rate = 0.9;
  std::string as_of;
};

// Prints the refusal and returns `code`.
int fail(const Error& e, int code) {
  print_error(std::cerr, "onshi generate", e);
  return code;
}

// --encoding and --as-of; false (after printing why) when either is unusable.
bool parse_common(const GenerateArgs& a, core::Encoding& enc, core::Date& as_of) {
  if (a.encoding == "utf-8" || a.encoding == "utf8") {
    enc = core::Encoding::kUtf8;
  } else if (a.encoding == "shift_jis" || a.encoding == "sjis" || a.encoding == "cp932") {
    enc = core::Encoding::kShiftJis;
  } else {
    fail(Error{"E_FLAG", "encoding", "--encoding は utf-8 または shift_jis です"}, 2);
    return false;
  }
  as_of = core::Date::today_jst();
  if (!a.as_of.empty()) {
    auto d = core::Date::parse(a.as_of);
    if (!d) {
      fail(Error{"E_FLAG", "as-of", "--as-of は YYYYMMDD の日付です"}, 2);
      return false;
    }
    as_of = *d;
  }
  return true;
}

// generate members: 0 written, 2 bad flags or an unwritable file, 1 anything else.
int run_members(const GenerateArgs& a) {
  core::Encoding enc;
  core::Date as_of;
  if (!parse_common(a, enc, as_of)) return 2;
  demo::GeneratorOptions o;
  o.count = a.count;
  o.seed = a.seed;
  o.my_number_rate = a.my_number_rate;
  o.as_of = as_of;
  bool progress = a.count >= 100000 && isatty(STDERR_FILENO) == 1;
  Status s = demo::write_members_csv(o, a.out, enc, progress);
  if (!s) return fail(s.error(), s.error().code == "E_FILE" ? 2 : 1);
  std::cout << "wrote " << a.count << " rows to " << a.out << "\n";
  return 0;
}

// generate demo-members: 0 written, 2 bad flags or an unwritable file, 1 anything else.
int run_demo_members(const GenerateArgs& a) {
  core::Encoding enc;
  core::Date as_of;
  if (!parse_common(a, enc, as_of)) return 2;
  std::string csv = demo::demo_members_csv(as_of);
  if (enc == core::Encoding::kShiftJis) {
    auto s = core::utf8_to_shift_jis(csv);
    if (!s) return fail(s.error(), 1);
    csv = std::move(*s);
  }
  std::FILE* f = std::fopen(a.out.c_str(), "wb");
  if (!f || std::fwrite(csv.data(), 1, csv.size(), f) != csv.size() || std::fclose(f) != 0)
    return fail(Error{"E_FILE", "", "出力ファイル " + a.out + " に書けません"}, 2);
  std::cout << "wrote the demo members to " << a.out << "\n";
  return 0;
}

}  // namespace

void register_generate(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* gen = app.add_subcommand("generate", "デモ用データを作る (generate demo data)");
  gen->require_subcommand(1);

  CLI::App* members = gen->add_subcommand(
      "members", "加入者 CSV を生成する (a deterministic, realistic member population)");
  members->add_option("--count", args->count, "行数 (rows)")->required()->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  members->add_option("--seed", args->seed, "乱数の種 (seed)")->capture_default_str();
  members->add_option("--out", args->out, "出力 CSV (output file)")->required();
  members->add_option("--encoding", args->encoding, "utf-8 | shift_jis")->capture_default_str();
  members->add_option("--my-number-rate", args->my_number_rate,
                      "個人番号を持つ人の割合 (share of people with a My Number)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  members->add_option("--as-of", args->as_of, "基準日 YYYYMMDD (default: today, JST)");
  commands.on_run(members, [args] { return run_members(*args); });

  CLI::App* fixed = gen->add_subcommand(
      "demo-members", "既知の番号を持つデモ加入者 CSV (the fixed demo members, see generator.h)");
  fixed->add_option("--out", args->out, "出力 CSV (output file)")->required();
  fixed->add_option("--encoding", args->encoding, "utf-8 | shift_jis")->capture_default_str();
  fixed->add_option("--as-of", args->as_of, "基準日 YYYYMMDD (default: today, JST)");
  commands.on_run(fixed, [args] { return run_demo_members(*args); });
}

}  // namespace onshi::cli
