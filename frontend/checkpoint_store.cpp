#include "frontend/checkpoint_store.h"

#include "ir/error.h"

namespace shardc::frontend {

const CheckpointTensorInfo* CheckpointReader::find(const std::string& name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

CheckpointFormat parseCheckpointFormat(const std::string& name) {
  if (name == "ckpt") return CheckpointFormat::ckpt;
  if (name == "safetensors") return CheckpointFormat::safetensors;
  ir::fail("unknown checkpoint format '{}' (ckpt or safetensors)", name);
}

CheckpointFormat checkpointFormatOf(const std::string& path) {
  const std::string ext = ".safetensors";
  bool st = path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  return st ? CheckpointFormat::safetensors : CheckpointFormat::ckpt;
}

}  // namespace shardc::frontend
