// The runtime's C ABI as LLVM sees it: the layout of shardrt_program and shardrt_tensor_desc
// (runtime/include/shardrt/shardrt.h), and the globals of a program descriptor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace shardc::codegen {

struct TensorDescription {
  std::string name;
  ir::DType dtype;
  std::vector<int64_t> dims;
};

// The runtime's element type code of an ir dtype (shardrt_dtype).
int32_t runtimeDTypeCode(ir::DType t);
// The runtime's code of an all-reduce's `reduce` attribute ("sum", "max", "min"; shardrt_reduce_op).
int32_t runtimeReduceCode(const std::string& reduce);

// shardrt_pipeline: a pipeline stage's transfers (see ir::RankProgram::Pipeline).
struct TransferDescription {
  int32_t rank = 0, tensor = 0, peer = 0, tag = 0, intoOutput = 0;
};
struct PipelineDescription {
  int32_t stage = 0, stages = 1, firstRank = 0, stageRanks = 1, microBatches = 1;
  std::vector<TensorDescription> modelInputs, modelOutputs;
  std::vector<int32_t> inputSources;
  std::vector<TransferDescription> sends, receives;
};

struct ProgramDescription {
  std::string name;
  std::vector<TensorDescription> inputs, outputs, weights;
  int64_t arenaBytes = 0;
  bool needsMpi = false;
  std::vector<int64_t> meshShape;     // the job's device mesh
  std::vector<uint32_t> groupMasks;   // the runtime creates group i+1 along the axes of mask i
  std::vector<std::string> opNames;   // what the profiler calls op i
  std::string symbol = "shardc_program";  // the descriptor constant's name
  // Per input, when ranks take parts of them: the whole dims and each rank's offsets (empty: whole inputs).
  std::vector<std::vector<int64_t>> inputGlobalDims;
  std::vector<std::vector<std::vector<int64_t>>> inputOffsets;
  std::optional<PipelineDescription> pipeline;  // a pipeline stage's program
  std::vector<std::vector<int64_t>> rankGroups;  // groups by their job ranks (ids 1.., before the axis groups)
};

class RuntimeAbi {
 public:
  explicit RuntimeAbi(llvm::Module& m) : m_(m) {}
  // Defines the external constant d.symbol describing the program and pointing at `run` (and `prepare`, or null).
  void emitProgramDescriptor(const ProgramDescription& d, llvm::Function* run, llvm::Function* prepare = nullptr);

 private:
  llvm::Module& m_;
};

}  // namespace shardc::codegen
