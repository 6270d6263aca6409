#include "pipeline/net/compression.h"

#include <libdeflate.h>
#include <zlib.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace weir::net {

absl::StatusOr<std::string> Gunzip(absl::string_view compressed, size_t max_output_bytes) {
  z_stream zs{};
  // 15 window bits + 32: detect gzip or zlib headers automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return absl::InternalError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  out.resize(std::min<size_t>(std::max<size_t>(compressed.size() * 4, 4096), max_output_bytes + 1));
  int rc = Z_OK;
  while (true) {
    if (zs.total_out == out.size()) {
      if (out.size() > max_output_bytes) break;
      out.resize(std::min(out.size() * 2, max_output_bytes + 1));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated input
  }
  size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (produced > max_output_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("decompressed body exceeds the limit of ", max_output_bytes, " bytes"));
  }
  if (rc != Z_STREAM_END) {
    return absl::InvalidArgumentError("body is not valid gzip data");
  }
  out.resize(produced);
  return out;
}

std::string Gzip(absl::string_view data, int level) {
  // libdeflate compresses several times faster than zlib at the same level and ratio; one
  // compressor per thread and level, as allocating one costs more than a small message.
  if (level < 1 || level > 9) level = 6;
  struct Compressors {
    libdeflate_compressor* by_level[10] = {};
    ~Compressors() {
      for (auto* c : by_level) libdeflate_free_compressor(c);
    }
  };
  thread_local Compressors compressors;
  libdeflate_compressor*& compressor = compressors.by_level[level];
  if (compressor == nullptr) compressor = libdeflate_alloc_compressor(level);
  std::string out;
  out.resize(libdeflate_gzip_compress_bound(compressor, data.size()));
  size_t n = libdeflate_gzip_compress(compressor, data.data(), data.size(), out.data(), out.size());
  out.resize(n);
  return out;
}

}  // namespace weir::net
