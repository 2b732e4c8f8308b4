// The member store's compressed payloads (store/payload_codec.h): zstd with a trained
// dictionary, level 3, a per-thread compression and decompression context.
#include "store/payload_codec.h"

#include <zdict.h>
#include <zstd.h>

#include <algorithm>

namespace onshi::store {
namespace {

constexpr int kLevel = 3;
constexpr unsigned char kMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};  // ZSTD_MAGICNUMBER, little-endian

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> c(ZSTD_createCCtx());
  return c.get();
}
ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> c(ZSTD_createDCtx());
  return c.get();
}

}  // namespace

struct PayloadCodec::Dict {
  ZSTD_CDict* cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
  ~Dict() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
  }
};

PayloadCodec::PayloadCodec() = default;
PayloadCodec::~PayloadCodec() = default;

std::string PayloadCodec::train(std::span<const std::string> payloads) {
  if (payloads.size() < kMinTrainingSamples) return {};
  const size_t n = std::min(payloads.size(), kMaxTrainingSamples);
  std::string samples;
  std::vector<size_t> sizes;
  sizes.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    samples += payloads[i];
    sizes.push_back(payloads[i].size());
  }
  std::string dict(kDictionaryBytes, '\0');
  const size_t got = ZDICT_trainFromBuffer(dict.data(), dict.size(), samples.data(),
                                           sizes.data(), static_cast<unsigned>(n));
  if (ZDICT_isError(got)) return {};
  dict.resize(got);
  return dict;
}

void PayloadCodec::add(int id, std::string_view dictionary, bool current) {
  if (id < 1 || id > 255) return;
  std::lock_guard lock(add_mu_);
  if (!dicts_[id].load(std::memory_order_acquire)) {
    auto d = std::make_unique<Dict>();
    d->cdict = ZSTD_createCDict(dictionary.data(), dictionary.size(), kLevel);
    d->ddict = ZSTD_createDDict(dictionary.data(), dictionary.size());
    if (!d->cdict || !d->ddict) return;
    dicts_[id].store(d.get(), std::memory_order_release);
    owned_.push_back(std::move(d));
  }
  if (current) current_.store(id, std::memory_order_release);
}

bool PayloadCodec::knows(int id) const {
  return id >= 1 && id <= 255 && dicts_[id].load(std::memory_order_acquire) != nullptr;
}

void PayloadCodec::forget(int id) {
  if (id < 1 || id > 255) return;
  std::lock_guard lock(add_mu_);
  int expected = id;
  current_.compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
  dicts_[id].store(nullptr, std::memory_order_release);  // its Dict stays owned: never freed
}

bool PayloadCodec::compress(std::string_view text, std::string& out) const {
  const int id = current();
  const Dict* d = id ? dicts_[id].load(std::memory_order_acquire) : nullptr;
  if (!d) return false;
  ZSTD_CCtx* c = thread_cctx();
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
  ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
  ZSTD_CCtx_refCDict(c, d->cdict);
  thread_local std::string buf;
  buf.resize(ZSTD_compressBound(text.size()) + 1);
  const size_t n = ZSTD_compress2(c, buf.data() + 1, buf.size() - 1, text.data(), text.size());
  if (ZSTD_isError(n) || n < sizeof kMagic) return false;
  // The frame's magic number is dropped: the row's first byte says what follows.
  out.assign(1, static_cast<char>(id));
  out.append(buf.data() + 1 + sizeof kMagic, n - sizeof kMagic);
  return true;
}

bool PayloadCodec::expand(std::string_view stored, std::string& out) const {
  const int id = dictionary_of(stored);
  const Dict* d = id ? dicts_[id].load(std::memory_order_acquire) : nullptr;
  if (!d) return false;
  thread_local std::string frame;
  frame.assign(reinterpret_cast<const char*>(kMagic), sizeof kMagic);
  frame.append(stored.substr(1));
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1u << 24))
    return false;
  out.resize(size);
  ZSTD_DCtx* c = thread_dctx();
  const size_t n = ZSTD_decompress_usingDDict(c, out.data(), out.size(), frame.data(),
                                              frame.size(), d->ddict);
  if (ZSTD_isError(n) || n != size) return false;
  return true;
}

int PayloadCodec::dictionary_of(std::string_view stored) {
  return stored.empty() ? 0 : static_cast<unsigned char>(stored[0]);
}

}  // namespace onshi::store
