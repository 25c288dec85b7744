// Sharding rules of Conv, the pools, Gather and Slice.
//  Conv  X [N, C, D...] (sN, sC, 1...), W [M, C, K...] (sM, sC, 1...): device matrix [sN, sC, sM], like a MatMul
//        whose reduction dim is C: a split C leaves the result partial. Spatial dims are not split: a split
//        producer is gathered first (no halo exchange; the note says why). Grouped convolutions split N only.
//  Pools X (sN, sC, 1...): each rank pools its planes; spatial dims whole, as Conv.
//  Gather  data [V, H...] (sV, sH...), indices (s...): device matrix [indices' splits..., data's splits...]. A split
//        V is Megatron's vocabulary-parallel embedding: each rank looks up the rows it holds, zeros elsewhere, and
//        the result is partial along sV (one all-reduce completes it).
//  Slice  sliced dims whole, the others keep their split; Pad likewise for padded dims.
//  ArgMax, ArgMin, TopK  the other dims keep their split; a split axis is gathered first (one all-gather of the
//        input along it), so every rank sees whole lines. The alternative, a local pick and an all-reduce of
//        (value, global index) pairs, moves less but needs a pair reduction the runtime does not have yet.
#include <fmt/ranges.h>

#include "passes/sharding_rule_checker.h"

namespace shardc::passes::rules {
namespace {

std::vector<int> identityMap(size_t rank) {
  std::vector<int> m(rank);
  for (size_t d = 0; d < rank; ++d) m[d] = int(d);
  return m;
}

void wholeSpatial(const Checker& c, size_t input) {
  const auto& split = c.s.inputSplits[input];
  for (size_t d = 2; d < split.size(); ++d)
    if (split[d] != 1)
      ir::unsupported("{}: input {} dim {} (spatial) is split {} ways; split batch or channels instead", c.who(), input, d,
                      split[d]);
}

}  // namespace

ShardingDecision convRule(const Checker& c, int64_t devices) {
  c.inputs(c.op.operands.size());
  if (c.op.operands.size() != 2)
    ir::fail("internal error: {}: a Conv with a bias reaches the rules (canonicalize splits it off)", c.who());
  c.fits(0);
  c.fits(1);
  wholeSpatial(c, 0);
  wholeSpatial(c, 1);
  const auto &sx = c.s.inputSplits[0], &sw = c.s.inputSplits[1];
  if (sx[1] != sw[1])
    ir::fail("{}: input channels are split {} ways in X and {} ways in W", c.who(), sx[1], sw[1]);
  if (c.op.attrs.getInt("group", 1) != 1 && (sx[1] != 1 || sw[0] != 1))
    ir::unsupported("{}: a grouped convolution (group {}) splits its batch only", c.who(), c.op.attrs.getInt("group", 1));
  const ir::Shape& X = c.g.value(c.op.operands[0]).type.shape;
  const ir::Shape& W = c.g.value(c.op.operands[1]).type.shape;
  const ir::Shape& Y = c.g.value(c.op.results[0]).type.shape;
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, {sx[0], sx[1], sw[0]}, devices);
  std::vector<int> mapX(X.rank(), -1), mapW(W.rank(), -1), mapY(Y.rank(), -1);
  mapX[0] = 0;
  mapX[1] = 1;
  mapW[0] = 2;
  mapW[1] = 1;
  mapY[0] = 0;
  mapY[1] = 2;
  r.inputs = {layoutOn(X, r.deviceMatrix, mapX), layoutOn(W, r.deviceMatrix, mapW)};
  r.output = layoutOn(Y, r.deviceMatrix, mapY);
  if (r.deviceMatrix.shape[1] > 1) r.output.partialAxes = {1};
  return r;
}

ShardingDecision poolRule(const Checker& c, int64_t devices) {
  c.inputs(1);
  c.fits(0);
  wholeSpatial(c, 0);
  const ir::Shape& X = c.g.value(c.op.operands[0]).type.shape;
  const ir::Shape& Y = c.g.value(c.op.results[0]).type.shape;
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, {c.s.inputSplits[0][0], c.s.inputSplits[0][1]}, devices);
  std::vector<int> map(X.rank(), -1);
  map[0] = 0;
  map[1] = 1;
  r.inputs = {layoutOn(X, r.deviceMatrix, map)};
  r.output = layoutOn(Y, r.deviceMatrix, map);
  return r;
}

ShardingDecision gatherRule(const Checker& c, int64_t devices) {
  c.inputs(2);
  c.fits(0);
  c.fits(1);
  const ir::Shape& D = c.g.value(c.op.operands[0]).type.shape;
  const ir::Shape& I = c.g.value(c.op.operands[1]).type.shape;
  const ir::Shape& Y = c.g.value(c.op.results[0]).type.shape;
  size_t axis = size_t(c.op.attrs.getInt("axis", 0));
  std::vector<int64_t> dm = c.s.inputSplits[1];
  dm.insert(dm.end(), c.s.inputSplits[0].begin(), c.s.inputSplits[0].end());
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, dm, devices);
  int dataBase = int(I.rank());
  std::vector<int> mapD(D.rank()), mapI = identityMap(I.rank()), mapY(Y.rank(), -1);
  for (size_t d = 0; d < D.rank(); ++d) mapD[d] = dataBase + int(d);
  // Result dims: data's before the axis, the indices' dims, data's after it.
  size_t yd = 0;
  for (size_t d = 0; d < axis; ++d) mapY[yd++] = mapD[d];
  for (size_t d = 0; d < I.rank(); ++d) mapY[yd++] = mapI[d];
  for (size_t d = axis + 1; d < D.rank(); ++d) mapY[yd++] = mapD[d];
  r.inputs = {layoutOn(D, r.deviceMatrix, mapD), layoutOn(I, r.deviceMatrix, mapI)};
  r.output = layoutOn(Y, r.deviceMatrix, mapY);
  if (r.deviceMatrix.shape[size_t(dataBase) + axis] > 1) r.output.partialAxes = {dataBase + int(axis)};
  return r;
}

ShardingDecision untouchedDimsRule(const Checker& c, int64_t devices) {
  c.inputs(1);
  c.fits(0);
  const ir::Shape& X = c.g.value(c.op.operands[0]).type.shape;
  std::vector<bool> whole = untouchedDims(c.op, X);
  for (size_t d = 0; d < X.rank(); ++d)
    if (c.s.inputSplits[0][d] != 1 && !whole[d])
      ir::fail("{}: dim {} is {} and cannot be split {} ways", c.who(), d,
               c.op.kind == ir::OpKind::Slice ? "sliced" : "padded", c.s.inputSplits[0][d]);
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, c.s.inputSplits[0], devices);
  r.inputs = {layoutOn(X, r.deviceMatrix, identityMap(X.rank()))};
  r.output = layoutOn(c.g.value(c.op.results[0]).type.shape, r.deviceMatrix, identityMap(X.rank()));
  return r;
}

ShardingDecision selectAlongAxisRule(const Checker& c, int64_t devices) {
  c.inputs(1);
  c.fits(0);
  const ir::Shape& X = c.g.value(c.op.operands[0]).type.shape;
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, c.s.inputSplits[0], devices);
  auto [in, out] = alongAxisLayouts(c.op, layoutOn(X, r.deviceMatrix, identityMap(X.rank())),
                                    c.g.value(c.op.results[0]).type.shape);
  r.inputs = {in};
  r.output = out;
  return r;
}

}  // namespace shardc::passes::rules
