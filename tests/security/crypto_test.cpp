// Tests of the keyring: sealing My Numbers and linking people (privacy, R-REG-3).
//
// The My Number is stored only sealed (AES-256-GCM) and matched only through a keyed hash,
// so these tests check that sealing really hides and authenticates, that links are stable
// for one data directory and unrelated between two, and that the key file is private.
#include "security/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace onshi::security {
namespace {

using onshi::testing::TempDir;

const std::string kMaster1(32, '\x11');
const std::string kMaster2(32, '\x22');
const std::string kMyNumber = "123456789018";  // a made-up 12-digit number

// R-REG-3 / privacy: a sealed My Number opens to itself and does not contain it in clear.
TEST(Crypto, SealOpenRoundTrip) {
  Keyring k = Keyring::from_master_key(kMaster1);
  std::string sealed = k.seal(kMyNumber);
  EXPECT_EQ(sealed.size(), 12 + kMyNumber.size() + 16);
  EXPECT_EQ(sealed.find(kMyNumber), std::string::npos);
  auto opened = k.open(sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, kMyNumber);
  // Randomised: the same number seals differently each time.
  EXPECT_NE(k.seal(kMyNumber), sealed);
  // Empty plaintext works too.
  auto empty = k.open(k.seal(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

// R-REG-3 / privacy: any change to a sealed value is detected (E_SEAL), never decrypted.
TEST(Crypto, TamperIsDetected) {
  Keyring k = Keyring::from_master_key(kMaster1);
  std::string sealed = k.seal(kMyNumber);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto r = k.open(bad);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.error().code, "E_SEAL");
    EXPECT_EQ(r.error().message.find(kMyNumber), std::string::npos);
  }
  EXPECT_FALSE(k.open(sealed.substr(0, sealed.size() - 1)).ok());
  EXPECT_FALSE(k.open("").ok());
  EXPECT_FALSE(k.open(std::string(27, '\0')).ok());
}

// R-REG-3 / privacy: a value sealed under one data directory's key does not open under another.
TEST(Crypto, WrongKeyFails) {
  Keyring a = Keyring::from_master_key(kMaster1);
  Keyring b = Keyring::from_master_key(kMaster2);
  auto r = b.open(a.seal(kMyNumber));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_SEAL");
}

// R-REG-3: the person link is deterministic per key (same person → same link), differs
// between people, and differs across keys (links from two deployments cannot be joined).
TEST(Crypto, PersonLinkDeterministicPerKey) {
  Keyring a = Keyring::from_master_key(kMaster1);
  Keyring a2 = Keyring::from_master_key(kMaster1);
  Keyring b = Keyring::from_master_key(kMaster2);
  std::string link = a.person_link(kMyNumber);
  EXPECT_EQ(link.size(), 32u);
  EXPECT_EQ(link, a.person_link(kMyNumber));
  EXPECT_EQ(link, a2.person_link(kMyNumber));
  EXPECT_NE(link, a.person_link("123456789026"));
  EXPECT_NE(link, b.person_link(kMyNumber));
  // The link is not a plain hash of the number.
  EXPECT_NE(link, sha256(kMyNumber));
}

// R-REG-3 / privacy: DIR/keys/master.key is created 0600 in a 0700 directory, and reused.
TEST(Crypto, KeyFileCreatedPrivateAndReused) {
  TempDir dir("keys");
  auto k1 = Keyring::load_or_create(dir.path());
  ASSERT_TRUE(k1.ok()) << k1.error().message;
  auto file = dir.path() / "keys" / "master.key";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  ASSERT_EQ(::stat((dir.path() / "keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // No temporary files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path() / "keys"))
    ++files;
  EXPECT_EQ(files, 1);

  auto k2 = Keyring::load_or_create(dir.path());
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(k1->person_link(kMyNumber), k2->person_link(kMyNumber));
  auto reopened = k2->open(k1->seal(kMyNumber));
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*reopened, kMyNumber);

  TempDir other("keys2");
  auto k3 = Keyring::load_or_create(other.path());
  ASSERT_TRUE(k3.ok());
  EXPECT_NE(k1->person_link(kMyNumber), k3->person_link(kMyNumber));
}

// R-REG-3 / privacy: a damaged key file is refused rather than silently replaced (which would
// make every sealed My Number unreadable).
TEST(Crypto, DamagedKeyFileRefused) {
  TempDir dir("badkey");
  std::filesystem::create_directories(dir.path() / "keys");
  {
    FILE* f = std::fopen((dir.path() / "keys" / "master.key").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("short", f);
    std::fclose(f);
  }
  auto k = Keyring::load_or_create(dir.path());
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, "E_KEY_IO");
}

// R-REG-3 / privacy: the primitives under the keyring (SHA-256 vector, hex, CSPRNG, base64url).
TEST(Crypto, Helpers) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(random_bytes(16).size(), 16u);
  EXPECT_NE(random_bytes(16), random_bytes(16));
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url(std::string("\xfb\xff", 2)), "-_8");
}

// R-REG-3: the link is HMAC-SHA256 under the HKDF-derived link key — a fixed value for a
// fixed master key (computed independently), so links stored by earlier versions still match.
TEST(Crypto, PersonLinkKnownAnswer) {
  Keyring k = Keyring::from_master_key(kMaster1);
  EXPECT_EQ(hex(k.person_link(kMyNumber)),
            "5d7c44ee9eec1976cfd9bc541ca2133ada9fb6e6c7739a41a4ac79124ca1e84e");
  // Alternating keys on one thread gives each key's own answer.
  Keyring other = Keyring::from_master_key(kMaster2);
  const std::string theirs = other.person_link(kMyNumber);
  EXPECT_EQ(hex(k.person_link(kMyNumber)),
            "5d7c44ee9eec1976cfd9bc541ca2133ada9fb6e6c7739a41a4ac79124ca1e84e");
  EXPECT_EQ(other.person_link(kMyNumber), theirs);
}

// R-REG-3 / privacy: sealing and linking on many threads at once (an import's workers) give
// the same links, values that open, and never the same nonce twice.
TEST(Crypto, SealAndLinkOnManyThreads) {
  Keyring k = Keyring::from_master_key(kMaster1);
  const std::string link = k.person_link(kMyNumber);
  std::vector<std::vector<std::string>> sealed(4);
  std::vector<int> wrong_links(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < sealed.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        sealed[t].push_back(k.seal(kMyNumber));
        if (k.person_link(kMyNumber) != link) ++wrong_links[t];
      }
    });
  for (auto& th : threads) th.join();
  std::set<std::string> nonces;
  for (size_t t = 0; t < sealed.size(); ++t) {
    EXPECT_EQ(wrong_links[t], 0);
    for (const auto& s : sealed[t]) {
      auto opened = k.open(s);
      ASSERT_TRUE(opened.ok());
      EXPECT_EQ(*opened, kMyNumber);
      nonces.insert(s.substr(0, 12));
    }
  }
  EXPECT_EQ(nonces.size(), 4u * 500u);
}

// Privacy: a forked child never reuses a nonce its parent will use (AES-GCM breaks when a
// nonce repeats under one key).
TEST(Crypto, AForkedChildDrawsItsOwnNonces) {
  Keyring k = Keyring::from_master_key(kMaster1);
  (void)k.seal(kMyNumber);  // the parent now holds unused nonces
  int fd[2];
  ASSERT_EQ(pipe(fd), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string s = k.seal(kMyNumber);
    _exit(write(fd[1], s.data(), 12) == 12 ? 0 : 1);
  }
  close(fd[1]);
  char child_nonce[12];
  ASSERT_EQ(read(fd[0], child_nonce, 12), 12);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(k.seal(kMyNumber).substr(0, 12), std::string(child_nonce, 12));
}

}  // namespace
}  // namespace onshi::security
