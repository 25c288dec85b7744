// Collectives inside the run function: calls into libshardrt over a mesh-axis group, with the packing of blocks
// that MPI's contiguous chunks need when the split dim is not the first.
#pragma once

#include <functional>

#include "codegen/loop_builder.h"
#include "ir/graph.h"
#include "ir/rank_program.h"

namespace shardc::codegen {

struct CollectiveArgs {
  const ir::Graph& graph;
  const ir::Op& op;
  const ir::DeviceMesh& mesh;
  llvm::Value* ctx;      // shardrt_context*
  llvm::Value* input;    // operand buffer
  llvm::Value* output;   // result buffer
  llvm::Value* scratch;  // the op's arena scratch (null when it needs none)
  int32_t group;         // runtime group id for the op's axes
  // Emits the check of a runtime call's return code (returning it from run when non-zero).
  std::function<void(llvm::Value*)> checkStatus;
  int64_t position = -1;  // the rank's place in its group when known at compile time (a per-rank program)
};

void emitCollective(LoopBuilder& lb, const CollectiveArgs& a);

// This rank's index along mesh axes `axes` (outermost first) as an i64, from shardrt_rank at run time.
llvm::Value* meshCoordinate(LoopBuilder& lb, llvm::Value* ctx, const ir::DeviceMesh& mesh, const std::vector<int64_t>& axes);

// The mask of mesh axes a collective runs along (bit i = axis i).
uint32_t axesMask(const ir::Op& op);
bool isCollective(ir::OpKind k);

}  // namespace shardc::codegen
