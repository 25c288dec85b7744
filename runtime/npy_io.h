// .npy for the generated executables' inputs and outputs (the runtime may not use the compiler's reader).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shardrt {

struct NpyArray {
  int32_t dtype = 0;  // shardrt_dtype
  std::vector<int64_t> dims;
  std::string bytes;
};

// Returns "" on success, or the reason the file cannot be used.
std::string readNpy(const std::string& path, NpyArray& out);
// Writes version 1.0 atomically; returns "" or the reason.
std::string writeNpy(const std::string& path, int32_t dtype, const std::vector<int64_t>& dims, const void* data,
                     size_t nbytes);

}  // namespace shardrt
