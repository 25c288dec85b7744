// MindSpore's layout notation and shardc's TensorLayout. MindSpore counts device-matrix dims from the right and
// writes -1 for "not split"; shardc numbers mesh axes from the left. Conversion happens here and nowhere else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor_layout.h"

namespace shardc::frontend {

struct MindSporeLayout {
  std::vector<int64_t> devMatrix;
  // Per tensor dim, the device dims (counted from the right) that split it, outermost first; {-1} or {} = none.
  // A flat MindSpore tensor map is one entry per dim.
  std::vector<std::vector<int64_t>> tensorMap;
};

// Throws ir::Error naming `what` when the map refers to a device dim the matrix lacks, or a split does not divide.
ir::TensorLayout layoutFromMindSpore(const MindSporeLayout& ms, const ir::Shape& shape, const std::string& what);

// MindSpore's standardised form: device dims of size 1 dropped (an empty matrix becomes [1]), -1 for unsplit dims.
MindSporeLayout layoutToMindSpore(const ir::TensorLayout& layout);

// MindSpore's repeated calculation: a strategy that uses fewer devices than the stage has gets the repeat factor
// as a new rightmost (fastest-varying) device dim, so consecutive ranks hold the same slice. MindSpore adds 1 to
// every tensor map value; counted from the left, the existing mesh axes keep their numbers. Throws ir::Error when
// the layout's devices do not divide `devices`.
ir::TensorLayout withRepeatedCalculation(const ir::TensorLayout& layout, int64_t devices);

// MindSpore's optimizer shard (opt_weight_shard_size ranks, opt_weight_shard_step apart, hold parts of dim 0 of a
// slice they would otherwise repeat): the opt group becomes a mesh axis (the mesh refined to have one of that size
// and stride) splitting dim 0 innermost. A size of -1 means every repeat of the slice. Throws ir::Error naming
// `what` when the group does not fit the layout's repeats or dim 0 does not divide.
ir::TensorLayout withOptimizerShard(const ir::TensorLayout& layout, int64_t step, int64_t size, const std::string& what);

// True when some dim is split by more than one device dim (MindSpore's Layout API, written as nested maps).
bool isNested(const MindSporeLayout& ms);

}  // namespace shardc::frontend
