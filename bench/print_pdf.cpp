// bench_print_pdf — how long the PDF print of a medication view takes (print/views.h): a view
// of three years of dispensings, every 28 days at a pharmacy with four drugs (156 rows, four
// A4 pages), rendered --renders times after a few warm-up
// renders. Printed beside it, in the same run: the same view as the screen's JSON
// (clinical::view_json), the answer the PDF replaces, and a PDF of an empty view (what every
// print costs whatever it holds: surface, font subset, header).
//
//   bench_print_pdf [--renders 300] [--out medication.pdf]
//
// Output: one JSON line {"rows","pages","bytes","renders","pdf":{"p50_ms","p99_ms","max_ms"},
// "empty_pdf":{…},"json":{…},"p50_pdf_to_empty_pdf","p50_pdf_to_json"} — the ratios of the
// medians (the goal is on the PDF's own p99: < 50 ms).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "core/date.h"
#include "print/views.h"

namespace {

using onshi::clinical::View;

struct Drug {
  const char *code, *name, *qty, *unit, *usage;
};
constexpr Drug kDrugs[] = {
    {"622083601", "アムロジピン錠5mg", "1", "錠", "1日1回朝食後"},
    {"622243201", "ロスバスタチン錠2.5mg", "1", "錠", "1日1回夕食後"},
    {"622190301", "ランソプラゾールOD錠15mg", "1", "錠", "1日1回朝食後"},
    {"620008901", "酸化マグネシウム錠330mg", "3", "錠", "1日3回毎食後"},
    {"622186101", "ロキソプロフェンNa錠60mg", "3", "錠", "1日3回毎食後"},
    {"620005301", "レバミピド錠100mg", "3", "錠", "1日3回毎食後"},
};

View medication_view() {
  View v;
  v.kind = onshi::store::ClinicalKind::kMedication;
  v.category = "YZK";
  v.basis = "consent";
  v.as_of = "20250601";
  v.from = "20220601";
  v.window = "3y";
  v.person = {"山田　太郎", "ヤマダ　タロウ", "19700401", "1", "06139992",
              "1234",       "5678",           "00",       "01"};
  const auto today = onshi::core::Date::from_ymd(2025, 6, 1);
  for (int i = 0; i < 39; ++i) {  // every 28 days for three years
    onshi::clinical::Dispensing d{
        today.add_days(-28 * i - 3).yyyymmdd(), "1340140126", "さくら薬局 港店", "4", {}};
    for (int k = 0; k < 4; ++k) {
      const Drug& g = kDrugs[k];
      d.drugs.push_back({g.code, g.name, g.qty, g.unit, g.usage, "28", ""});
    }
    v.medication.push_back(std::move(d));
  }
  v.rows = 39 * 4;
  return v;
}

struct Stats {
  double p50, p99, max;
};

Stats measure(int n, const std::function<void()>& fn) {
  for (int i = 0; i < 5; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  return {at(0.5), at(0.99), ms.back()};
}

std::string stats_json(const Stats& s) {
  char buf[128];
  std::snprintf(buf, sizeof buf, R"({"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f})", s.p50, s.p99,
                s.max);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int renders = 300;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--renders")
      renders = std::max(1, std::stoi(argv[i + 1]));
    else if (a == "--out")
      out = argv[i + 1];
    else {
      std::cerr << "bench_print_pdf [--renders N] [--out FILE.pdf]\n";
      return 2;
    }
  }
  const View view = medication_view();
  View empty = view;
  empty.medication.clear();
  const onshi::print::PrintInfo info{"1310112345 さくら内科クリニック", "dr.yamada（医師）",
                                     "20250601101500"};
  auto pdf = onshi::print::render_pdf(view, info);
  if (!pdf) {
    std::cerr << pdf.error().code << " " << pdf.error().message << "\n";
    return 1;
  }
  if (!out.empty()) std::ofstream(out, std::ios::binary) << *pdf;
  size_t rows = 0;
  for (const auto& d : view.medication) rows += d.drugs.size();
  const Stats p = measure(renders, [&] { (void)onshi::print::render_pdf(view, info); });
  const Stats e = measure(renders, [&] { (void)onshi::print::render_pdf(empty, info); });
  const Stats j = measure(renders, [&] { (void)onshi::clinical::view_json(view); });
  size_t pages = 0;
  for (size_t at = pdf->find("/Type /Page"); at != std::string::npos;
       at = pdf->find("/Type /Page", at + 1))
    if (pdf->compare(at, 12, "/Type /Pages") != 0) ++pages;
  std::printf(
      R"({"rows":%zu,"pages":%zu,"bytes":%zu,"renders":%d,"pdf":%s,"empty_pdf":%s,"json":%s,"p50_pdf_to_empty_pdf":%.1f,"p50_pdf_to_json":%.0f})"
      "\n",
      rows, pages, pdf->size(), renders, stats_json(p).c_str(), stats_json(e).c_str(),
      stats_json(j).c_str(), e.p50 > 0 ? p.p50 / e.p50 : 0.0, j.p50 > 0 ? p.p50 / j.p50 : 0.0);
  return 0;
}
