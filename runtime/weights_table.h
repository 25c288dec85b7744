// The header and table of a weight file (format in shardrt.h), parsed from its bytes with every offset checked:
// shared by the runtime's mmap reader and the compiler's tools (shardc export), header-only so that the tools need
// none of the runtime's MPI.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace shardrt {

// Bytes of one element of a shardrt_dtype code, or 0 for an unknown code.
inline size_t dtypeBytes(int32_t dtype) {
  switch (dtype) {
    case 1: case 5: case 9: return 4;     // f32, i32, u32
    case 2: case 6: case 10: return 8;    // f64, i64, u64
    case 3: case 7: case 11: return 1;    // i8, u8, bool
    case 4: case 8: case 12: case 13: return 2;  // i16, u16, f16, bf16
    default: return 0;
  }
}

struct WeightsTableEntry {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  uint64_t offset = 0;  // of its bytes, from the start of the file
  uint64_t nbytes = 0;
};

// Fills `out` from the `size` bytes at `base`; returns "" or what is wrong (bad magic, a truncated table, data
// outside the file, bytes that do not match the shape).
inline std::string parseWeightsTable(const unsigned char* base, size_t size, std::vector<WeightsTableEntry>& out) {
  size_t at = 0, end = size;
  auto take = [&](void* dst, size_t n) {
    if (at > end || n > end - at) return false;
    std::memcpy(dst, base + at, n);
    at += n;
    return true;
  };
  if (size < 64 || std::memcmp(base, "SHARDCW1", 8) != 0)
    return size < 64 ? "not a shardc weight file (too short)" : "not a shardc weight file (bad magic)";
  uint32_t version = 0, count = 0;
  uint64_t tableOffset = 0, tableBytes = 0, dataOffset = 0;
  at = 8;
  take(&version, 4);
  take(&count, 4);
  take(&tableOffset, 8);
  take(&tableBytes, 8);
  take(&dataOffset, 8);
  if (version != 1) return "unsupported weight file version " + std::to_string(version);
  if (tableOffset > size || tableBytes > size - tableOffset || dataOffset > size)
    return "the table lies outside the file (truncated?)";
  at = size_t(tableOffset);
  end = size_t(tableOffset + tableBytes);
  for (uint32_t i = 0; i < count; ++i) {
    WeightsTableEntry e;
    uint32_t nameLen = 0, dtype = 0, rank = 0;
    uint64_t offset = 0;
    std::string where = "entry " + std::to_string(i);
    if (!take(&nameLen, 4) || nameLen > 65536 || nameLen > end - at) return where + ": the table is truncated";
    e.name.assign(reinterpret_cast<const char*>(base + at), nameLen);
    at += nameLen;
    if (!take(&dtype, 4) || !take(&rank, 4) || rank > 64) return where + ": the table is truncated";
    where += " ('" + e.name + "')";
    e.dtype = static_cast<int32_t>(dtype);
    size_t elem = dtypeBytes(e.dtype);
    if (elem == 0) return where + ": unknown element type " + std::to_string(dtype);
    unsigned __int128 elements = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      uint64_t dim = 0;
      if (!take(&dim, 8)) return where + ": the table is truncated";
      e.dims.push_back(static_cast<int64_t>(dim));
      elements *= dim;
    }
    if (!take(&offset, 8) || !take(&e.nbytes, 8)) return where + ": the table is truncated";
    if (elements * elem != e.nbytes) return where + ": " + std::to_string(e.nbytes) + " bytes do not match its shape";
    if (offset > size - dataOffset || e.nbytes > size - dataOffset - offset)
      return where + ": its data lies outside the file (truncated?)";
    e.offset = dataOffset + offset;
    out.push_back(std::move(e));
  }
  return "";
}

}  // namespace shardrt
