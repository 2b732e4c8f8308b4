// The progress bar of a batch run, on stderr while it is a terminal: the share of the file
// written, rows, rows per second and the time left, redrawn at most five times a second.
#include <unistd.h>

#include <cstdio>

#include "batch/detail.h"

namespace onshi::batch {

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

namespace internal {

Progress::Progress(bool enabled, std::string label)
    : enabled_(enabled && isatty(STDERR_FILENO) == 1), label_(std::move(label)) {
  started_ = last_ = std::chrono::steady_clock::now();
}

void Progress::draw(uint64_t done_bytes, uint64_t total_bytes, int64_t rows, bool final) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!final && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - started_).count();
  const auto rate = static_cast<int64_t>(secs > 0 ? static_cast<double>(rows) / secs : 0);
  const char* gap = label_.empty() ? "" : " ";
  char line[320];
  if (total_bytes == 0) {  // a stream (a pipe): no size, so no share and no time left
    std::snprintf(line, sizeof line, "\r%s%s%s MB  %s 行  %s 行/秒 ", label_.c_str(), gap,
                  with_commas(static_cast<int64_t>(done_bytes >> 20)).c_str(),
                  with_commas(rows).c_str(), with_commas(rate).c_str());
  } else {
    double frac = static_cast<double>(done_bytes) / static_cast<double>(total_bytes);
    if (final || frac > 1) frac = 1;
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), ' ');
    const double eta = frac > 0 && frac < 1 ? secs * (1 - frac) / frac : 0;
    std::snprintf(line, sizeof line, "\r%s%s[%s] %5.1f%%  %s 行  %s 行/秒  残り %d:%02d ",
                  label_.c_str(), gap, bar.c_str(), frac * 100, with_commas(rows).c_str(),
                  with_commas(rate).c_str(), static_cast<int>(eta) / 60,
                  static_cast<int>(eta) % 60);
  }
  std::fputs(line, stderr);
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace internal
}  // namespace onshi::batch
