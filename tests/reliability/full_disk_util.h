// Helpers of the full-disk tests (issue 20 point 3) on both backends: a small tmpfs (mounting
// one needs root — CI runs as root; elsewhere the tests skip and say so), filling a file
// system to the last byte or to a given free space, a real `onshi serve` on port 0, clients
// with the test's certificates, and the bodies of the confirmations and registrations sent.
#pragma once

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <string>

#include "http/client.h"
#include "reliability/kill_util.h"

namespace onshi::reliability {

inline const char* const kFullDiskInsurer = "06130488";
inline const char* const kFullDiskClinic = "1310112345";

// A tmpfs of `mib` MiB on a new temporary directory, unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(int mib) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "onshi-full-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
    std::string opts = "size=" + std::to_string(mib) + "m,mode=0700";
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount(path_.c_str());
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  bool resize(int mib) {
    std::string opts = "size=" + std::to_string(mib) + "m,mode=0700";
    return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()) == 0;
  }
  const std::filesystem::path& path() const { return path_; }
  // Bytes still free.
  int64_t free_bytes() const {
    struct statvfs s {};
    if (::statvfs(path_.c_str(), &s) != 0) return -1;
    return static_cast<int64_t>(s.f_bavail) * static_cast<int64_t>(s.f_frsize);
  }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
};

#define ONSHI_REQUIRE_ROOT_TMPFS(disk)                                                    \
  do {                                                                                    \
    if (::geteuid() != 0) GTEST_SKIP() << "a full disk needs a tmpfs, and mounting one needs root"; \
    if (!(disk).mounted()) GTEST_SKIP() << "no tmpfs could be mounted here";             \
  } while (0)

// Writes `file` until its file system has at most `leave` bytes free (0: to the last byte).
inline void fill(const std::filesystem::path& file, int64_t leave = 0) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::string block(1 << 16, '\0');
  struct statvfs s {};
  auto free_now = [&] {
    ::statvfs(file.parent_path().c_str(), &s);
    return static_cast<int64_t>(s.f_bavail) * static_cast<int64_t>(s.f_frsize);
  };
  for (;;) {
    int64_t room = leave > 0 ? free_now() - leave : int64_t{1} << 62;
    if (room <= 0) break;
    size_t n = static_cast<size_t>(std::min<int64_t>(room, static_cast<int64_t>(block.size())));
    if (std::fwrite(block.data(), 1, n, f) != n || std::fflush(f) != 0) break;
  }
  std::fclose(f);
}

// A running `onshi serve` (extra flags in `args`) and its port; SIGTERM at the end.
class ServeProcess {
 public:
  ServeProcess(const std::filesystem::path& dir, std::vector<std::string> args) {
    const std::string o = (dir / "serve.out").string(), e = (dir / "serve.err").string();
    std::vector<std::string> argv{ONSHI_BINARY, "serve", "--data-dir", dir.string(),
                                  "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = spawn(argv, o, e);
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      std::string line = slurp(o);
      if (line.find("listening") != std::string::npos)
        port_ = static_cast<uint16_t>(std::atoi(line.c_str() + line.rfind(':') + 1));
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (port_ == 0) err_ = slurp(e);
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      wait_exit(pid_);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  uint16_t port() const { return port_; }
  const std::string& err() const { return err_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string err_;
};

inline http::Client full_disk_client(const std::filesystem::path& dir, const std::string& who,
                                     uint16_t port) {
  http::ClientOptions o;
  o.port = port;
  o.ca_file = (dir / who / "ca.pem").string();
  o.cert_file = (dir / who / "cert.pem").string();
  o.key_file = (dir / who / "key.pem").string();
  o.timeout_ms = 10000;
  return http::Client(o);
}

inline std::string full_disk_confirmation(int i) {
  return std::string("{\"qualificationConfirmationDate\":\"20250415\",\"medicalInstitutionCode\":\"") +
         kFullDiskClinic + "\",\"insurerNumber\":\"" + kFullDiskInsurer +
         "\",\"insuredCardSymbol\":\"88\",\"insuredIdentificationNumber\":\"" +
         std::to_string(400000 + i) +
         "\",\"insuredBranchNumber\":\"01\",\"birthdate\":\"19700101\","
         "\"limitApplicationCertificateRelatedConsFlg\":\"0\"}";
}

// One record of member `i` (without the enclosing array).
inline std::string full_disk_record(int i) {
  return std::string("{\"insurerNumber\":\"") + kFullDiskInsurer +
         "\",\"insurerName\":\"試験健康保険組合\",\"insuredCardClassification\":\"01\","
         "\"insuredCardSymbol\":\"88\",\"insuredIdentificationNumber\":\"" +
         std::to_string(400000 + i) +
         "\",\"insuredBranchNumber\":\"01\",\"personalFamilyClassification\":\"1\","
         "\"name\":\"試験　三郎\",\"nameKana\":\"シケン　サブロウ\",\"sex1\":\"1\","
         "\"birthdate\":\"19700101\",\"qualificationDate\":\"20190401\"}";
}

inline std::string full_disk_registration(int i) { return "[" + full_disk_record(i) + "]"; }

}  // namespace onshi::reliability
