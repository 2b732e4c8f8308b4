// Helpers of the institutions tests: a scratch data directory per test (real SQLite files,
// real certificate files), running the real binary, and reading one member of a zip file
// (an .xlsx workbook) with zlib.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace onshi::institutions::testing {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            ("onshi-inst-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Run {
  int exit_code = -1;
  std::string out, err;
};

// Runs `args` after the onshi binary through /bin/sh; stdout and stderr captured apart.
inline Run run_onshi(const std::string& args) {
  Run r;
  ScratchDir scratch("run");
  auto err_path = scratch.path() / "err";
  std::string cmd = std::string(ONSHI_BINARY) + " " + args + " 2>'" + err_path.string() + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, got);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* f = std::fopen(err_path.c_str(), "r")) {
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) r.err.append(buf, got);
    std::fclose(f);
  }
  return r;
}

inline std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The uncompressed bytes of member `name` of a zip archive, or nullopt when the archive is
// malformed or has no such member. Reads the central directory; stored and deflated members.
inline std::optional<std::string> zip_member(const std::string& zip, const std::string& name) {
  auto u16 = [&](size_t at) -> uint32_t {
    return static_cast<uint8_t>(zip[at]) | static_cast<uint8_t>(zip[at + 1]) << 8;
  };
  auto u32 = [&](size_t at) -> uint32_t { return u16(at) | u16(at + 2) << 16; };
  if (zip.size() < 22) return std::nullopt;
  size_t eocd = std::string::npos;
  for (size_t i = zip.size() - 22; i + 1 > 0; --i) {
    if (u32(i) == 0x06054b50) {
      eocd = i;
      break;
    }
    if (i == 0) break;
  }
  if (eocd == std::string::npos) return std::nullopt;
  uint32_t entries = u16(eocd + 10), at = u32(eocd + 16);
  for (uint32_t e = 0; e < entries; ++e) {
    if (at + 46 > zip.size() || u32(at) != 0x02014b50) return std::nullopt;
    uint32_t method = u16(at + 10), csize = u32(at + 20), usize = u32(at + 24);
    uint32_t nlen = u16(at + 28), xlen = u16(at + 30), clen = u16(at + 32), local = u32(at + 42);
    std::string member = zip.substr(at + 46, nlen);
    at += 46 + nlen + xlen + clen;
    if (member != name) continue;
    if (local + 30 > zip.size() || u32(local) != 0x04034b50) return std::nullopt;
    size_t data = local + 30 + u16(local + 26) + u16(local + 28);
    if (data + csize > zip.size()) return std::nullopt;
    if (method == 0) return zip.substr(data, csize);
    if (method != 8) return std::nullopt;
    std::string out(usize, '\0');
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return std::nullopt;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + data));
    z.avail_in = csize;
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = usize;
    int rc = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

}  // namespace onshi::institutions::testing
