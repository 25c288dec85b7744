// MindSpore's checkpoint files (.ckpt): a concatenation of serialized `Checkpoint` messages, one per parameter or
// per 512 MiB chunk of one (reference/mindspore.md §2), optionally followed by a CRC trailer ("crc_num" and the
// zlib CRC-32 of everything before it, as a 10-byte big-endian number). Read field by field: only the framing is
// parsed when the file is opened and each tensor's bytes are read by range when asked, so files beyond protobuf's
// 2 GiB message limit open in constant memory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "frontend/checkpoint_store.h"

namespace shardc::frontend {

struct CkptWriteOptions {
  uint64_t chunkBytes = uint64_t(512) << 20;  // MindSpore's SLICE_SIZE: larger tensors span several messages
  bool crc = false;                           // append the CRC trailer (MindSpore's crc_check=True)
};

// MindSpore's name of a dtype ("Float32", "BFloat16", "Bool", ...) and back (nullopt for others).
std::string mindsporeTypeName(ir::DType t);
std::optional<ir::DType> parseMindsporeTypeName(const std::string& name);

// Throws ir::Error naming the file (and the tensor) for a truncated or malformed file, a content size that does not
// match the shape and type, a tensor name repeated apart from its chunks, or a CRC mismatch; ir::Unsupported for a
// map parameter or an element type shardc does not hold. String entries (MindSpore's "str" and "random_op") are
// listed in skipped(), not among the tensors.
class MindSporeCkptReader : public CheckpointReader {
 public:
  explicit MindSporeCkptReader(const std::string& path);
  ~MindSporeCkptReader() override;
  void read(const std::string& name, uint64_t offset, uint64_t length, void* dst) override;
  const std::vector<std::string>& skipped() const { return skipped_; }
  bool hasCrc() const { return hasCrc_; }

 private:
  struct Piece {
    uint64_t fileOffset, length;
  };
  int fd_ = -1;
  std::vector<std::vector<Piece>> pieces_;  // per tensor, its content's pieces in order
  std::vector<std::string> skipped_;
  bool hasCrc_ = false;
};

std::unique_ptr<CheckpointWriter> createMindSporeCkpt(const std::string& path,
                                                      const std::vector<CheckpointTensorInfo>& tensors,
                                                      CkptWriteOptions options = {});

}  // namespace shardc::frontend
