#include "frontend/checkpoint_store.h"

#include "frontend/mindspore_ckpt.h"
#include "frontend/safetensors_file.h"
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

std::unique_ptr<CheckpointReader> openCheckpoint(const std::string& path) {
  if (checkpointFormatOf(path) == CheckpointFormat::safetensors) return std::make_unique<SafetensorsReader>(path);
  return std::make_unique<MindSporeCkptReader>(path);
}

std::unique_ptr<CheckpointWriter> createCheckpoint(const std::string& path, CheckpointFormat format,
                                                   const std::vector<CheckpointTensorInfo>& tensors) {
  if (format == CheckpointFormat::safetensors) return createSafetensors(path, tensors);
  return createMindSporeCkpt(path, tensors);
}

}  // namespace shardc::frontend
