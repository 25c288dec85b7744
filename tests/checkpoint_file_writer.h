// Writing MindSpore .ckpt slices in tests: the named tensors, in name order, through the project's writer.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "frontend/checkpoint_store.h"
#include "ir/tensor.h"

namespace shardc::testing {

inline void writeCkpt(const std::string& path, const std::map<std::string, ir::Tensor>& tensors) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::vector<frontend::CheckpointTensorInfo> infos;
  for (const auto& [name, t] : tensors) infos.push_back({name, t.dtype(), t.shape().dims, uint64_t(t.byteSize())});
  auto w = frontend::createCheckpoint(path, frontend::CheckpointFormat::ckpt, infos);
  for (const auto& info : infos) {
    w->beginTensor(info);
    w->write(tensors.at(info.name).bytes(), info.bytes);
    w->endTensor();
  }
  w->commit();
}

}  // namespace shardc::testing
