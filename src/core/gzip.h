// gzip (RFC 1952) of answers made of pieces, on zlib: a text compressed once can be kept and
// joined into many answers with a different head and tail around it, without compressing it
// again.
//
// How: a DeflatePiece is raw deflate data (RFC 1951) from a fresh compressor, ended by a sync
// flush — byte-aligned, no final block, no reference to anything before it — with the CRC-32
// and length of its text. Such pieces may follow one another in one deflate stream; gzip_join
// compresses the head and the tail the same way (the tail with the final block) and writes the
// gzip header, the pieces, and the trailer with the CRC of the whole (zlib's crc32_combine).
// Any gzip reader (browsers, `gzip -d`, zlib's inflate) reads the text head + body + tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace onshi::core {

struct DeflatePiece {
  std::string data;    // raw deflate blocks, the last one a sync flush's empty stored block
  uint32_t crc = 0;    // CRC-32 of the text
  uint64_t size = 0;   // the text's length in bytes
};

// `text` compressed as one piece (zlib level 1: fast; answers are made while a client waits).
DeflatePiece deflate_piece(std::string_view text);

// One gzip member of head + body's text + tail.
std::string gzip_join(std::string_view head, const DeflatePiece& body, std::string_view tail);

// One gzip member of `text`.
std::string gzip(std::string_view text);

// Decompresses one whole gzip member into `text`; false when `data` is not one whole member
// or its text would pass `max_size` bytes (a small answer that inflates without end).
bool gunzip(std::string_view data, std::string& text, size_t max_size = size_t{256} << 20);

}  // namespace onshi::core
