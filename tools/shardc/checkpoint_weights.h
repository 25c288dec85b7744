// shardc compile --checkpoint: each rank's weights file (weights/rank_K.bin) filled from checkpoint slices by the
// resharder instead of from the model's initializers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "frontend/checkpoint_resharder.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "ir/tensor_layout.h"

namespace shardc::tools {

struct CheckpointWeightsJob {
  const ir::Graph* program = nullptr;  // the rank program: its parameters, in order, with their local types
  const ir::Graph* global = nullptr;   // the global graph: each parameter's whole shape
  // Per parameter of the program, its layout over the job's ranks (absent: whole on every rank).
  std::map<std::string, ir::TensorLayout> layouts;
  int64_t ranks = 1;
  // Parameters the checkpoint lacks come from the model (constants the compiler made, say); named in a warning.
  const std::map<std::string, std::shared_ptr<const ir::Tensor>>* modelData = nullptr;
  std::vector<frontend::CheckpointReader*> sources;  // the slices, in training rank order
  frontend::CheckpointLayout sourceLayout;
  std::function<std::string(int64_t rank)> weightsPath;
  bool quiet = false;
};

frontend::ReshardStats writeCheckpointWeights(const CheckpointWeightsJob& job, std::ostream& log);

}  // namespace shardc::tools
