// Internal to the sharding rules (sharding_rules*.cpp): checking a strategy against its op, and building the
// decision's layouts over the op's device matrix.
#pragma once

#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/sharding_rules.h"

namespace shardc::passes::rules {

inline int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// A layout over `dm` where tensor dim d is split by device dim dimOf[d] (an index into dm, -1 for none).
inline ir::TensorLayout layoutOn(const ir::Shape& shape, const ir::DeviceMesh& dm, const std::vector<int>& dimOf) {
  ir::TensorLayout l = ir::TensorLayout::replicated(shape, dm);
  for (size_t d = 0; d < dimOf.size(); ++d)
    if (dimOf[d] >= 0 && dm.shape[size_t(dimOf[d])] > 1) l.dimAxes[d] = {dimOf[d]};
  return l;
}

struct Checker {
  const ir::Graph& g;
  const ir::Op& op;
  const ir::OpStrategy& s;
  std::string who() const { return ir::describeOp(g, op); }

  void inputs(size_t n) const {
    if (s.inputSplits.size() != n)
      ir::fail("{}: the strategy has {} input(s), the op {}", who(), s.inputSplits.size(), n);
  }
  // Input i's strategy fits its shape: one entry per dim, each positive and dividing its dim.
  void fits(size_t i) const {
    const ir::Shape& shape = g.value(op.operands[i]).type.shape;
    const auto& split = s.inputSplits[i];
    if (split.size() != shape.rank())
      ir::fail("{}: the strategy of input {} has {} entries for a tensor of shape {}", who(), i, split.size(), shape.str());
    for (size_t d = 0; d < split.size(); ++d) {
      if (split[d] <= 0) ir::fail("{}: input {} dim {}: split {} is not positive", who(), i, d, split[d]);
      if (shape.dims[d] % split[d] != 0)
        ir::fail("{}: input {} dim {} of size {} does not divide into {} parts", who(), i, d, shape.dims[d], split[d]);
    }
  }
};

// Appends the repeat factor as the rightmost device dim when the strategy uses fewer devices than the job.
inline ir::DeviceMesh withRepeats(const Checker& c, std::vector<int64_t> dm, int64_t devices) {
  int64_t used = product(dm);
  if (used > devices)
    ir::fail("{}: the strategy needs {} devices, the job has {}", c.who(), used, devices);
  if (devices % used != 0)
    ir::fail("{}: the strategy uses {} devices, which does not divide the job's {}", c.who(), used, devices);
  if (used < devices) dm.push_back(devices / used);
  return ir::DeviceMesh(dm);
}


// Rules beside the core ones (sharding_rules_nn.cpp): Conv, the pools, Gather, Slice, Pad, ArgMax/ArgMin/TopK.
ShardingDecision convRule(const Checker& c, int64_t devices);
ShardingDecision poolRule(const Checker& c, int64_t devices);
ShardingDecision gatherRule(const Checker& c, int64_t devices);
// Slice, Pad.
ShardingDecision untouchedDimsRule(const Checker& c, int64_t devices);
// ArgMax, ArgMin, TopK.
ShardingDecision selectAlongAxisRule(const Checker& c, int64_t devices);

}  // namespace shardc::passes::rules
