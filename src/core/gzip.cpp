// gzip of pieces (gzip.h) on zlib: each piece from a fresh raw deflate stream kept per
// thread (reset, not made again: making one allocates its window and hash table), the CRC of
// the whole from the pieces' CRCs.
#include "core/gzip.h"

#include <zlib.h>

#include <new>

namespace onshi::core {
namespace {

// A raw deflate compressor (no zlib or gzip wrapper) at level 1, reset for each piece.
struct Deflater {
  z_stream z{};
  Deflater(int window_bits, int mem_level) {
    if (deflateInit2(&z, 1, Z_DEFLATED, -window_bits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::bad_alloc();
  }
  ~Deflater() { deflateEnd(&z); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
};

// Appends `text` compressed from a fresh stream to `out`, ended by `flush` (Z_SYNC_FLUSH: a
// piece others may follow; Z_FINISH: the final block). Heads and tails, a few hundred bytes,
// take a small compressor (its reset clears 512 bytes of hash table, not 64 KB).
void compress_into(std::string& out, std::string_view text, int flush) {
  thread_local Deflater large(15, 8), small(9, 1);
  z_stream& z = (text.size() < 2048 ? small : large).z;
  deflateReset(&z);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  size_t used = out.size();
  out.resize(used + deflateBound(&z, text.size()) + 16);
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    z.avail_out = static_cast<uInt>(out.size() - used);
    const int rc = deflate(&z, flush);
    used = out.size() - z.avail_out;
    const bool done = flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_in == 0 && z.avail_out > 0;
    if (done) break;
    out.resize(out.size() * 2);  // not reached with deflateBound's room; kept for safety
  }
  out.resize(used);
}

uint32_t crc_of(std::string_view text) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

void put_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

DeflatePiece deflate_piece(std::string_view text) {
  DeflatePiece p;
  compress_into(p.data, text, Z_SYNC_FLUSH);
  p.crc = crc_of(text);
  p.size = text.size();
  return p;
}

std::string gzip_join(std::string_view head, const DeflatePiece& body, std::string_view tail) {
  // ID1 ID2, CM = deflate, no flags, no time, no extra flags, OS unknown.
  static constexpr char kHeader[] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  std::string out(kHeader, sizeof kHeader);
  out.reserve(sizeof kHeader + head.size() / 2 + body.data.size() + tail.size() + 64);
  compress_into(out, head, Z_SYNC_FLUSH);
  out.append(body.data);
  compress_into(out, tail, Z_FINISH);
  uint32_t crc = crc_of(head);
  crc = static_cast<uint32_t>(crc32_combine(crc, body.crc, static_cast<z_off_t>(body.size)));
  crc = static_cast<uint32_t>(crc32_combine(crc, crc_of(tail), static_cast<z_off_t>(tail.size())));
  put_le32(out, crc);
  put_le32(out, static_cast<uint32_t>(head.size() + body.size + tail.size()));
  return out;
}

std::string gzip(std::string_view text) {
  return gzip_join("", deflate_piece(text), "");
}

bool gunzip(std::string_view data, std::string& text, size_t max_size) {
  text.clear();
  z_stream z{};
  if (inflateInit2(&z, 16 + 15) != Z_OK) return false;  // 16: a gzip wrapper
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  char buf[16384];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    text.append(buf, sizeof buf - z.avail_out);  // Z_BUF_ERROR: the input ended early
    if (text.size() > max_size) rc = Z_MEM_ERROR;
  }
  const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  return whole;
}

}  // namespace onshi::core
