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
};

}  // namespace shardc::ir
