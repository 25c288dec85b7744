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

// What training saved: per training pipeline stage (one stage when training had no pipeline), its slice files
// in rank order and the layouts of the parameters it holds.
struct TrainingCheckpoint {
  struct Stage {
    int64_t firstRank = 0;                             // the stage's first training rank
    std::vector<frontend::CheckpointReader*> sources;  // its P files, in rank order
    frontend::CheckpointLayout layout;                 // its parameters (plain names) over its P ranks
  };
  std::vector<Stage> stages;
  std::vector<std::unique_ptr<frontend::CheckpointReader>> readers;  // owns every file
};

// checkpointArgs as --checkpoint takes them (directory DIR/rank_K/*.ckpt, {rank} pattern, or the files in rank
// order: see resolveSliceFiles); strategyPaths: "none" (one whole checkpoint), one strategy file (a plain one, or a
// merged pipeline one whose names are all "<stage>-<name>", stages 0..S-1), or several per-stage files separated by
// commas (stage = position in the list). Pipeline stages are contiguous rank blocks of equal size (MindSpore's
// stage_id = rank / per-stage devices). Throws ir::Error naming the file or parameter at fault.
TrainingCheckpoint openTrainingCheckpoint(const std::vector<std::string>& checkpointArgs,
                                          const std::string& strategyPaths);

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
  // When set, used instead of sources/sourceLayout: each parameter comes from the training stage holding it.
  const TrainingCheckpoint* training = nullptr;
  std::function<std::string(int64_t rank)> weightsPath;
  bool quiet = false;
};

frontend::ReshardStats writeCheckpointWeights(const CheckpointWeightsJob& job, std::ostream& log);

}  // namespace shardc::tools
