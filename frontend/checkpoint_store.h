// Checkpoint files whatever their format (MindSpore .ckpt, safetensors): a list of named tensors whose bytes are
// read by range, and writers that stream tensors out. The resharder sees only this.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace shardc::frontend {

struct CheckpointTensorInfo {
  std::string name;
  ir::DType dtype;
  std::vector<int64_t> dims;
  uint64_t bytes = 0;  // the row-major content: prod(dims) * dtypeSize(dtype)
};

class CheckpointReader {
 public:
  virtual ~CheckpointReader() = default;
  const std::vector<CheckpointTensorInfo>& tensors() const { return tensors_; }
  const CheckpointTensorInfo* find(const std::string& name) const;
  // Copies bytes [offset, offset + length) of the tensor's content to dst. Throws ir::Error naming the file and
  // the tensor when the range lies outside it or the file cannot be read.
  virtual void read(const std::string& name, uint64_t offset, uint64_t length, void* dst) = 0;
  // Content bytes read so far (for tests and progress).
  uint64_t bytesRead() const { return bytesRead_; }
  const std::string& path() const { return path_; }

 protected:
  std::string path_;
  std::vector<CheckpointTensorInfo> tensors_;
  uint64_t bytesRead_ = 0;
};

class CheckpointWriter {
 public:
  virtual ~CheckpointWriter() = default;
  virtual void beginTensor(const CheckpointTensorInfo& info) = 0;
  // Appends content to the current tensor; all of it must add up to info.bytes by endTensor.
  virtual void write(const void* data, size_t n) = 0;
  virtual void endTensor() = 0;
  // Finishes the file and renames it into place. A writer destroyed without commit leaves nothing behind.
  virtual void commit() = 0;
};

enum class CheckpointFormat { ckpt, safetensors };

// "ckpt", "safetensors"
CheckpointFormat parseCheckpointFormat(const std::string& name);
// By extension: .safetensors is safetensors, anything else a MindSpore .ckpt.
CheckpointFormat checkpointFormatOf(const std::string& path);

std::unique_ptr<CheckpointReader> openCheckpoint(const std::string& path);
// The writer needs every tensor up front (safetensors puts its header first); they must then be written in this
// order. Nothing exists at `path` until commit().
std::unique_ptr<CheckpointWriter> createCheckpoint(const std::string& path, CheckpointFormat format,
                                                   const std::vector<CheckpointTensorInfo>& tensors);

}  // namespace shardc::frontend
