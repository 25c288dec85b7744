#include "tools/shardc/checkpoint_summary.h"

#include <algorithm>
#include <vector>

#include <boost/crc.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/checkpoint_store.h"

namespace shardc::tools {

std::string describeCheckpoint(const std::string& path) {
  auto reader = frontend::openCheckpoint(path);
  const char* format = frontend::checkpointFormatOf(path) == frontend::CheckpointFormat::safetensors ? "safetensors" : "MindSpore checkpoint";
  std::string out = fmt::format("{}: {}, {} tensors\n", path, format, reader->tensors().size());
  std::vector<char> buffer(size_t(16) << 20);
  uint64_t total = 0;
  for (const auto& t : reader->tensors()) {
    boost::crc_32_type crc;
    for (uint64_t at = 0; at < t.bytes; at += buffer.size()) {
      uint64_t n = std::min<uint64_t>(buffer.size(), t.bytes - at);
      reader->read(t.name, at, n, buffer.data());
      crc.process_bytes(buffer.data(), n);
    }
    total += t.bytes;
    out += fmt::format("  {:<40} {:<5} [{}] {} bytes crc32 {:08x}\n", t.name, ir::dtypeName(t.dtype), fmt::join(t.dims, ","),
                       t.bytes, crc.checksum());
  }
  return out + fmt::format("  total {} bytes\n", total);
}

}  // namespace shardc::tools
