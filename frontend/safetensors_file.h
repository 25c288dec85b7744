// safetensors files: an 8-byte little-endian header length, a JSON header (per tensor its dtype, shape and
// [begin, end) byte offsets into the data that follows; an optional "__metadata__" map of strings), the header
// padded with spaces to a multiple of 8, then the tensors' bytes, contiguous, in header order. Read through mmap.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/checkpoint_store.h"

namespace shardc::frontend {

// Throws ir::Error naming the file (and the tensor) for a header that is too large, not JSON, or describes
// tensors whose offsets overlap, leave holes, run past the file or disagree with their shape and dtype; an unknown
// dtype is ir::Unsupported.
class SafetensorsReader : public CheckpointReader {
 public:
  explicit SafetensorsReader(const std::string& path);
  ~SafetensorsReader() override;
  void read(const std::string& name, uint64_t offset, uint64_t length, void* dst) override;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  const char* map_ = nullptr;
  uint64_t size_ = 0, dataStart_ = 0;
  std::vector<uint64_t> begins_;  // per tensor, from the data start
  std::map<std::string, std::string> metadata_;
};

// "F32", "BF16", "BOOL", ...
std::string safetensorsDTypeName(ir::DType t);

// MindSpore writes {"format": "ms"} as metadata; that is the default here.
std::unique_ptr<CheckpointWriter> createSafetensors(const std::string& path, const std::vector<CheckpointTensorInfo>& tensors,
                                                    const std::map<std::string, std::string>& metadata = {{"format", "ms"}});

}  // namespace shardc::frontend
