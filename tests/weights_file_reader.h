// Reading a weights file (runtime/include/shardrt/shardrt.h, "weight files") in tests: every entry by name with its
// dims and bytes, independently of the runtime's reader.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace shardc::testing {

struct WeightsEntry {
  std::vector<int64_t> dims;
  std::string bytes;
};

inline std::map<std::string, WeightsEntry> readWeightsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, WeightsEntry> out;
  EXPECT_EQ(f.substr(0, 8), "SHARDCW1") << path;
  if (f.size() < 64) return out;
  auto u32 = [&](size_t pos) { uint32_t v; std::memcpy(&v, f.data() + pos, 4); return uint64_t(v); };
  auto u64 = [&](size_t pos) { uint64_t v; std::memcpy(&v, f.data() + pos, 8); return v; };
  uint64_t count = u32(12), dataOffset = u64(32);
  size_t at = size_t(u64(16));
  for (uint64_t i = 0; i < count; ++i) {
    size_t nameLen = size_t(u32(at));
    std::string name = f.substr(at + 4, nameLen);
    at += 4 + nameLen + 4;  // name, dtype
    size_t rank = size_t(u32(at));
    at += 4;
    WeightsEntry e;
    for (size_t d = 0; d < rank; ++d, at += 8) e.dims.push_back(int64_t(u64(at)));
    uint64_t offset = u64(at), nbytes = u64(at + 8);
    at += 16;
    e.bytes = f.substr(size_t(dataOffset + offset), size_t(nbytes));
    out[name] = e;
  }
  return out;
}

}  // namespace shardc::testing
