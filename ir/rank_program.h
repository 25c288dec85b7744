// What one distinct rank program is after the passes: a local graph with static shapes, the ranks that run it,
// and where every intermediate lives in one arena. Codegen turns it into an object file without looking back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/device_mesh.h"
#include "ir/graph.h"

namespace shardc::ir {

inline constexpr int64_t kNotInArena = -1;
inline constexpr int64_t kArenaAlignment = 64;

struct BufferPlan {
  // Per value id: byte offset in the arena, or kNotInArena (inputs, parameters, outputs, values that live only
  // inside a fused kernel, and values that alias another buffer).
  std::vector<int64_t> offset;
  // Per op index: scratch bytes it needs in the arena while it runs (collectives packing blocks), and where.
  std::vector<int64_t> scratchOffset, scratchBytes;
  // Per value id: the value whose buffer this one reuses without a copy (a Reshape's result is its operand's
  // bytes), or -1.
  std::vector<ValueId> aliasOf;
  int64_t arenaBytes = 0;
};

struct RankProgram {
  std::string name;        // "program_0"
  std::vector<int> ranks;  // the ranks that run it
  DeviceMesh mesh;         // the job's mesh; collectives name its axes
  Graph graph;
  BufferPlan plan;
  // Inputs each rank takes only its part of (--local-inputs): per input, the whole tensor's dims and where each
  // rank's part starts (by rank). Empty when every rank takes whole inputs.
  struct PartialInput {
    std::vector<int64_t> globalDims;
    std::vector<std::vector<int64_t>> offsets;
  };
  std::vector<PartialInput> partialInputs;

  // Programs compiled per rank (each rank's own graph, --per-rank): the job rank this program is, and every group of
  // ranks any rank's collectives name (`group_ranks`), the same list in every rank's program so that all ranks
  // create the groups in one order.
  int64_t jobRank = -1;
  std::vector<std::vector<int64_t>> rankGroups;

  // A pipeline stage's program (pipeline.stages > 1 or pipeline.microBatches > 1): where its inputs come from and
  // where its outputs go, micro-batch by micro-batch. Empty (stages 0) for a program that is the whole job.
  struct Transfer {
    int rank = 0;         // the rank of this stage (0-based within it) that makes it
    int tensor = 0;       // send: the program output; receive: the program input, or the model output
    int peer = 0;         // the job's rank on the other side
    int tag = 0;          // equal on both sides, unique in the job
    bool intoModelOutput = false;  // receive: the whole model output, micro-batch by micro-batch (job rank 0)
  };
  struct ModelTensor {
    std::string name;
    TensorType type;  // the whole batch
  };
  struct Pipeline {
    int stage = 0, stages = 0, firstRank = 0, stageRanks = 1, microBatches = 1;
    std::vector<ModelTensor> modelInputs, modelOutputs;  // the job's, as the user sees them (every stage knows them)
    std::vector<int> inputSources;  // per program input: the model input it is a micro-batch of, or -1: received
    std::vector<Transfer> sends, receives;
  } pipeline;
};

}  // namespace shardc::ir
