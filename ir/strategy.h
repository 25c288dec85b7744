// A sharding strategy as shardc holds it, whatever file it came from: per-op input splits (MindSpore's notation,
// ((2,1),(1,2)) for a MatMul) and per-parameter layouts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/device_mesh.h"
#include "ir/tensor_layout.h"

namespace shardc::ir {

struct OpStrategy {
  std::vector<std::vector<int64_t>> inputSplits;  // per input, the number of parts per dim
  int64_t stage = 0;                              // pipeline stage
  bool operator==(const OpStrategy& o) const { return inputSplits == o.inputSplits && stage == o.stage; }
};

struct ParamLayout {
  TensorLayout layout;
  // MindSpore's extra fields, kept so that files round-trip.
  int64_t field = 0;
  int64_t optShardStep = 0;
  int64_t optShardSize = 0;
  std::vector<int64_t> paramSplitShape, indicesOffset;
  bool operator==(const ParamLayout& o) const {
    return layout == o.layout && field == o.field && optShardStep == o.optShardStep &&
           optShardSize == o.optShardSize && paramSplitShape == o.paramSplitShape && indicesOffset == o.indicesOffset;
  }
};

struct StrategyMap {
  DeviceMesh mesh;  // the job's mesh when the file says it (shardc JSON); MindSpore files give one per parameter
  std::map<std::string, OpStrategy> ops;     // by MindSpore key (<Primitive>_<first parameter>), node name or glob
  std::map<std::string, ParamLayout> params;  // by parameter name
  int64_t currentStage = 1;
  bool operator==(const StrategyMap& o) const {
    return mesh == o.mesh && ops == o.ops && params == o.params && currentStage == o.currentStage;
  }
};

}  // namespace shardc::ir
