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
  const void* data;  // unused by WeightsFileWriter
  uint64_t nbytes;
};

// Streams a weight file: the table is known up front, each tensor's bytes are written at its place, in any order
// and in pieces, so no tensor need be whole in memory. The file is a temporary sibling until commit() renames it
// into place; a writer destroyed before that removes it. Errors throw std::runtime_error naming the path.
class WeightsFileWriter {
 public:
  WeightsFileWriter(std::string path, const std::vector<WeightEntry>& entries);
  ~WeightsFileWriter();
  WeightsFileWriter(const WeightsFileWriter&) = delete;
  WeightsFileWriter& operator=(const WeightsFileWriter&) = delete;

  void beginTensor(size_t index);
  void write(const void* data, uint64_t n);
  void endTensor();
  void commit();

 private:
  [[noreturn]] void failWith(const std::string& what, int err);

  std::string path_, tmp_;
  int fd_ = -1;
  std::vector<uint64_t> offsets_, sizes_;  // absolute file offset and byte count per entry
  std::vector<bool> written_;
  size_t current_ = SIZE_MAX;
  uint64_t cursor_ = 0;
};

// Writes atomically (temporary file, then rename); throws std::runtime_error naming the path on failure.
void writeWeightsFile(const std::string& path, const std::vector<WeightEntry>& entries);

}  // namespace shardrt
