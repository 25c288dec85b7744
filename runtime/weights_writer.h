// Writing weight files (format in shardrt.h). C++: used by the compiler, not by generated programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shardrt {

struct WeightEntry {
  std::string name;
  int32_t dtype;  // shardrt_dtype
  std::vector<int64_t> dims;
  const void* data;
  uint64_t nbytes;
};

// Writes atomically (temporary file, then rename); throws std::runtime_error naming the path on failure.
void writeWeightsFile(const std::string& path, const std::vector<WeightEntry>& entries);

}  // namespace shardrt
