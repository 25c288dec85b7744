// The sliding window of Conv, ConvTranspose and the pools over the spatial dims (all dims after the first two):
// kernel extents, strides, dilations and explicit pads, as the importer normalises them (auto_pad resolved).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace shardc::ir {

struct Window {
  std::vector<int64_t> kernel;     // per spatial dim
  std::vector<int64_t> strides;    // default 1
  std::vector<int64_t> dilations;  // default 1
  std::vector<int64_t> padBegin, padEnd;
  bool ceilMode = false;  // pools: the last partial window counts when it starts inside the padded input

  size_t rank() const { return kernel.size(); }
  // Output extent of spatial dim d over an input extent of `in` (0 when no window fits).
  int64_t outputDim(size_t d, int64_t in) const;
  // Output extent of spatial dim d of a transposed convolution (before output_padding).
  int64_t transposedOutputDim(size_t d, int64_t in) const;
};

// The window of op: `kernel` from the attr kernel_shape, or from the weight's spatial dims (Conv); the other attrs
// strides, dilations, pads (2 x spatial rank: begins then ends), ceil_mode. Throws ir::Error when they disagree
// in length or are not positive.
Window windowOf(const Op& op, const std::vector<int64_t>& kernel);

}  // namespace shardc::ir
