// Where a confirmation's CPU goes, phase by phase, without HTTP or TLS: parse the
// OQSsiquc01req, run the rules against the real store (lookup + result), write the
// OQSsiquc01res, and the audit append. Runs single-threaded over the request bodies the load
// generator uses, so its per-phase microseconds explain the HTTPS benchmark's ratio.
//
//   bench_confirm_path --data-dir DIR --bodies bodies.txt [--repeat 3]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "confirm/confirm.h"
#include "oqs/messages.h"
#include "security/audit.h"
#include "store/store.h"

namespace {

std::string arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return def;
}

double now_us() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = arg(argc, argv, "--data-dir", "");
  std::string bodies_file = arg(argc, argv, "--bodies", "");
  int repeat = std::stoi(arg(argc, argv, "--repeat", "3"));
  if (dir.empty() || bodies_file.empty()) {
    std::cerr << "usage: bench_confirm_path --data-dir DIR --bodies FILE [--repeat N]\n";
    return 2;
  }
  std::ifstream in(bodies_file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  std::vector<std::string> bodies;
  size_t start = 0;
  while (start < all.size()) {
    size_t p = all.find("\n\f\n", start);
    bodies.push_back(all.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 3;
  }
  auto store = onshi::store::open_sqlite(onshi::store::store_path(dir));
  if (!store) {
    std::cerr << store.error().message << "\n";
    return 1;
  }
  onshi::security::AuditLog audit(**store);
  onshi::confirm::Confirmer confirmer(**store, audit);
  double t_parse = 0, t_confirm = 0, t_write = 0, t_flush = 0;
  size_t n = 0, valid = 0;
  for (int r = 0; r < repeat; ++r) {
    for (const auto& b : bodies) {
      double a = now_us();
      auto req = onshi::oqs::parse_confirm_request_xml(b);
      double b1 = now_us();
      if (!req) continue;
      auto res = confirmer.confirm(*req, {req->header.medical_institution_code});
      double c = now_us();
      auto xml = onshi::oqs::write_confirm_result_xml(res);
      double d = now_us();
      t_parse += b1 - a;
      t_confirm += c - b1;
      t_write += d - c;
      ++n;
      if (res.qualification_validity == "1") ++valid;
    }
    double f0 = now_us();
    (void)audit.flush();
    t_flush += now_us() - f0;
  }
  std::printf(
      "{\"requests\":%zu,\"valid\":%zu,\"parse_us\":%.2f,\"confirm_us\":%.2f,\"write_us\":%.2f,"
      "\"audit_flush_wait_us\":%.2f}\n",
      n, valid, t_parse / n, t_confirm / n, t_write / n, t_flush / n);
  return 0;
}
