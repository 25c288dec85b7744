#include "passes/sharding_rules.h"

#include <algorithm>

#include <fmt/ranges.h>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/sharding_rule_checker.h"

namespace shardc::passes {
namespace {
using namespace rules;

ShardingDecision matmulRule(const Checker& c, int64_t devices) {
  c.inputs(2);
  c.fits(0);
  c.fits(1);
  const auto& sa = c.s.inputSplits[0];
  const auto& sb = c.s.inputSplits[1];
  const ir::Shape& A = c.g.value(c.op.operands[0]).type.shape;
  const ir::Shape& B = c.g.value(c.op.operands[1]).type.shape;
  const ir::Shape& Y = c.g.value(c.op.results[0]).type.shape;
  if (A.rank() < 2 || B.rank() < 2)
    ir::unsupported("{}: sharding MatMul of vectors ({} x {}) is not supported", c.who(), A.str(), B.str());
  size_t ra = A.rank(), rb = B.rank(), ry = Y.rank();
  if (sa[ra - 1] != sb[rb - 2])
    ir::fail("{}: the reduction dim is split {} ways in input 0 and {} ways in input 1", c.who(), sa[ra - 1], sb[rb - 2]);
  // Batch dims of the result, right-aligned; each takes the split of the operands that have it (they must agree).
  size_t batch = ry - 2;
  std::vector<int64_t> batchSplit(batch, 1);
  for (size_t d = 0; d < batch; ++d) {
    int64_t fromA = d + ra >= ry ? sa[d + ra - ry] : 1, fromB = d + rb >= ry ? sb[d + rb - ry] : 1;
    if (fromA != 1 && fromB != 1 && fromA != fromB)
      ir::fail("{}: batch dim {} is split {} ways in input 0 and {} ways in input 1", c.who(), d, fromA, fromB);
    batchSplit[d] = std::max(fromA, fromB);
  }
  // Device matrix [batch..., si, sk, sj].
  std::vector<int64_t> dm = batchSplit;
  dm.push_back(sa[ra - 2]);
  dm.push_back(sa[ra - 1]);
  dm.push_back(sb[rb - 1]);
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, dm, devices);
  int di = int(batch), dk = int(batch) + 1, dj = int(batch) + 2;
  auto batchDims = [&](size_t rank) {
    std::vector<int> m(rank, -1);
    for (size_t d = 0; d + 2 < rank; ++d) {
      size_t yd = d + ry - rank;
      m[d] = (rank == ra ? sa[d] : sb[d]) == 1 ? -1 : int(yd);
    }
    return m;
  };
  std::vector<int> mapA = batchDims(ra), mapB = batchDims(rb), mapY(ry, -1);
  mapA[ra - 2] = di;
  mapA[ra - 1] = dk;
  mapB[rb - 2] = dk;
  mapB[rb - 1] = dj;
  for (size_t d = 0; d < batch; ++d) mapY[d] = int(d);
  mapY[ry - 2] = di;
  mapY[ry - 1] = dj;
  r.inputs = {layoutOn(A, r.deviceMatrix, mapA), layoutOn(B, r.deviceMatrix, mapB)};
  r.output = layoutOn(Y, r.deviceMatrix, mapY);
  if (r.deviceMatrix.shape[size_t(dk)] > 1) r.output.partialAxes = {dk};
  return r;
}

// Elementwise ops with numpy broadcasting: the device matrix is the result's splits; an operand's dim of size 1
// against a larger result dim is not split.
ShardingDecision elementwiseRule(const Checker& c, int64_t devices) {
  c.inputs(c.op.operands.size());
  const ir::Shape& Y = c.g.value(c.op.results[0]).type.shape;
  std::vector<int64_t> ySplit(Y.rank(), 1);
  for (size_t i = 0; i < c.op.operands.size(); ++i) {
    c.fits(i);
    const ir::Shape& S = c.g.value(c.op.operands[i]).type.shape;
    for (size_t d = 0; d < S.rank(); ++d) {
      size_t yd = d + Y.rank() - S.rank();
      int64_t sp = c.s.inputSplits[i][d];
      if (S.dims[d] == 1 && Y.dims[yd] != 1) {
        if (sp != 1) ir::fail("{}: input {} dim {} is broadcast and cannot be split {} ways", c.who(), i, d, sp);
        continue;
      }
      if (ySplit[yd] != 1 && sp != 1 && ySplit[yd] != sp)
        ir::fail("{}: dim {} is split {} ways by one input and {} by another", c.who(), yd, ySplit[yd], sp);
      ySplit[yd] = std::max(ySplit[yd], sp);
    }
  }
  // An input that leaves a shared dim unsplit while another splits it gets the split too (MindSpore requires
  // equal strategies there; following the larger one keeps the rule total).
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, ySplit, devices);
  std::vector<int> mapY(Y.rank());
  for (size_t d = 0; d < Y.rank(); ++d) mapY[d] = int(d);
  r.output = layoutOn(Y, r.deviceMatrix, mapY);
  for (size_t i = 0; i < c.op.operands.size(); ++i) {
    const ir::Shape& S = c.g.value(c.op.operands[i]).type.shape;
    std::vector<int> map(S.rank(), -1);
    for (size_t d = 0; d < S.rank(); ++d) {
      size_t yd = d + Y.rank() - S.rank();
      if (!(S.dims[d] == 1 && Y.dims[yd] != 1)) map[d] = int(yd);
    }
    r.inputs.push_back(layoutOn(S, r.deviceMatrix, map));
  }
  return r;
}

// ReduceSum / ReduceMean / ReduceMax / ReduceMin: the input split as the strategy says; kept dims keep their
// split. A split reduced dim leaves a sum partial along its device dim (each rank sums its part; the parts are
// added across ranks later); a max or min is finished at once by lower-split-reductions.
ShardingDecision reduceRule(const Checker& c, int64_t devices) {
  c.inputs(1);
  c.fits(0);
  const ir::Shape& S = c.g.value(c.op.operands[0]).type.shape;
  const ir::Shape& Y = c.g.value(c.op.results[0]).type.shape;
  ShardingDecision r;
  r.deviceMatrix = withRepeats(c, c.s.inputSplits[0], devices);
  std::vector<int> map(S.rank());
  for (size_t d = 0; d < S.rank(); ++d) map[d] = int(d);
  r.inputs = {layoutOn(S, r.deviceMatrix, map)};
  r.output = reducedLayout(c.op, r.inputs[0], Y);
  return r;
}

}  // namespace

ir::TensorLayout reducedLayout(const ir::Op& op, const ir::TensorLayout& in, const ir::Shape& resultShape) {
  std::vector<int64_t> axes = op.attrs.getInts("axes");
  bool keep = op.attrs.getInt("keepdims", 1) != 0;
  bool sums = op.kind == ir::OpKind::ReduceSum || op.kind == ir::OpKind::ReduceMean;
  ir::TensorLayout out = ir::TensorLayout::replicated(resultShape, in.mesh);
  out.partialAxes = in.partialAxes;
  size_t od = 0;
  for (size_t d = 0; d < in.dimAxes.size(); ++d) {
    bool reduced = axes.empty() || std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end();
    if (reduced) {
      if (sums) out.partialAxes.insert(out.partialAxes.end(), in.dimAxes[d].begin(), in.dimAxes[d].end());
      if (keep) ++od;
    } else {
      out.dimAxes[od++] = in.dimAxes[d];
    }
  }
  std::sort(out.partialAxes.begin(), out.partialAxes.end());
  return out;
}

std::vector<int64_t> transposePerm(const ir::Op& op, size_t rank) {
  std::vector<int64_t> perm = op.attrs.getInts("perm");
  if (!op.attrs.has("perm"))
    for (size_t d = rank; d-- > 0;) perm.push_back(int64_t(d));
  return perm;
}

ir::TensorLayout transposedLayout(const ir::Op& op, const ir::TensorLayout& in, const ir::Shape& resultShape) {
  ir::TensorLayout out = ir::TensorLayout::replicated(resultShape, in.mesh);
  out.partialAxes = in.partialAxes;
  std::vector<int64_t> perm = transposePerm(op, in.shape.rank());
  for (size_t d = 0; d < perm.size(); ++d) out.dimAxes[d] = in.dimAxes[size_t(perm[d])];
  return out;
}

std::pair<std::vector<ir::TensorLayout>, ir::TensorLayout> concatLayouts(const ir::Graph& g, const ir::Op& op,
                                                                         const ir::TensorLayout& lead) {
  const ir::Shape& Y = g.value(op.results[0]).type.shape;
  int64_t axis = op.attrs.getInt("axis", 0);
  if (axis < 0) axis += int64_t(Y.rank());
  ir::TensorLayout out = ir::TensorLayout::replicated(Y, lead.mesh);
  for (size_t d = 0; d < Y.rank(); ++d)
    if (int64_t(d) != axis) out.dimAxes[d] = lead.dimAxes[d];
  std::vector<ir::TensorLayout> ins;
  for (ir::ValueId v : op.operands) {
    ir::TensorLayout l = out;
    l.shape = g.value(v).type.shape;
    ins.push_back(l);
  }
  return {ins, out};
}

std::vector<bool> untouchedDims(const ir::Op& op, const ir::Shape& in) {
  std::vector<bool> whole(in.rank(), true);
  if (op.kind == ir::OpKind::Slice) {
    std::vector<int64_t> starts = op.attrs.getInts("starts"), ends = op.attrs.getInts("ends"),
                         steps = op.attrs.getInts("steps");
    for (size_t d = 0; d < in.rank(); ++d) whole[d] = starts[d] == 0 && ends[d] == in.dims[d] && steps[d] == 1;
  } else if (op.kind == ir::OpKind::Pad) {
    std::vector<int64_t> pads = op.attrs.getInts("pads");
    for (size_t d = 0; d < in.rank(); ++d) whole[d] = pads[d] == 0 && pads[d + in.rank()] == 0;
  }
  return whole;
}

std::pair<ir::TensorLayout, ir::TensorLayout> alongAxisLayouts(const ir::Op& op, ir::TensorLayout in,
                                                              const ir::Shape& resultShape) {
  int64_t axis = op.attrs.getInt("axis", op.kind == ir::OpKind::TopK ? -1 : 0);
  if (axis < 0) axis += int64_t(in.shape.rank());
  in.dimAxes[size_t(axis)].clear();
  ir::TensorLayout out = ir::TensorLayout::replicated(resultShape, in.mesh);
  bool dropped = resultShape.rank() < in.shape.rank();
  for (size_t d = 0, yd = 0; d < in.shape.rank(); ++d) {
    if (int64_t(d) == axis && dropped) continue;
    out.dimAxes[yd++] = in.dimAxes[d];
  }
  return {in, out};
}

bool isReduction(ir::OpKind kind) {
  return kind == ir::OpKind::ReduceSum || kind == ir::OpKind::ReduceMean || kind == ir::OpKind::ReduceMax ||
         kind == ir::OpKind::ReduceMin;
}

bool hasShardingRule(ir::OpKind kind) {
  return kind == ir::OpKind::MatMul || kind == ir::OpKind::Conv || kind == ir::OpKind::MaxPool ||
         kind == ir::OpKind::AveragePool || kind == ir::OpKind::Gather || kind == ir::OpKind::Slice ||
         kind == ir::OpKind::Pad || kind == ir::OpKind::ArgMax || kind == ir::OpKind::ArgMin || kind == ir::OpKind::TopK || kind == ir::OpKind::Softmax || kind == ir::OpKind::Transpose ||
         kind == ir::OpKind::Concat || isReduction(kind) || ir::opCategory(kind) != ir::OpCategory::Other;
}

ShardingDecision applyShardingRule(const ir::Graph& g, const ir::Op& op, const ir::OpStrategy& strategy,
                                   int64_t devices) {
  Checker c{g, op, strategy};
  if (op.kind == ir::OpKind::MatMul) return matmulRule(c, devices);
  if (op.kind == ir::OpKind::Conv) return convRule(c, devices);
  if (op.kind == ir::OpKind::MaxPool || op.kind == ir::OpKind::AveragePool) return poolRule(c, devices);
  if (op.kind == ir::OpKind::Gather) return gatherRule(c, devices);
  if (op.kind == ir::OpKind::Slice || op.kind == ir::OpKind::Pad) return untouchedDimsRule(c, devices);
  if (op.kind == ir::OpKind::ArgMax || op.kind == ir::OpKind::ArgMin || op.kind == ir::OpKind::TopK)
    return selectAlongAxisRule(c, devices);
  if (op.kind == ir::OpKind::ReduceMean && !ir::isFloat(g.value(op.operands[0]).type.dtype))
    ir::unsupported("{}: an integer mean cannot be split (its parts truncate)", c.who());
  if (isReduction(op.kind)) return reduceRule(c, devices);
  if (op.kind == ir::OpKind::Transpose) {
    // The input split as the strategy says; each split moves with its dim.
    c.inputs(1);
    c.fits(0);
    const ir::Shape& S = g.value(op.operands[0]).type.shape;
    ShardingDecision r;
    r.deviceMatrix = withRepeats(c, c.s.inputSplits[0], devices);
    std::vector<int> map(S.rank());
    for (size_t d = 0; d < S.rank(); ++d) map[d] = int(d);
    r.inputs = {layoutOn(S, r.deviceMatrix, map)};
    r.output = transposedLayout(op, r.inputs[0], g.value(op.results[0]).type.shape);
    return r;
  }
  if (op.kind == ir::OpKind::Concat) {
    // Like an elementwise op over the dims other than the axis, which must stay whole.
    c.inputs(op.operands.size());
    int64_t axis = op.attrs.getInt("axis", 0);
    if (axis < 0) axis += int64_t(g.value(op.results[0]).type.shape.rank());
    for (size_t i = 0; i < op.operands.size(); ++i) {
      c.fits(i);
      if (c.s.inputSplits[i][size_t(axis)] != 1)
        ir::fail("{}: input {} is split {} ways along the concatenation axis {}", c.who(), i,
                 c.s.inputSplits[i][size_t(axis)], axis);
      if (c.s.inputSplits[i] != c.s.inputSplits[0])
        ir::fail("{}: inputs 0 and {} are split differently", c.who(), i);
    }
    const ir::Shape& S = g.value(op.operands[0]).type.shape;
    ShardingDecision r;
    r.deviceMatrix = withRepeats(c, c.s.inputSplits[0], devices);
    std::vector<int> map(S.rank());
    for (size_t d = 0; d < S.rank(); ++d) map[d] = int(d);
    auto [ins, out] = concatLayouts(g, op, layoutOn(S, r.deviceMatrix, map));
    r.inputs = ins;
    r.output = out;
    return r;
  }
  // Softmax splits like a one-operand elementwise op; a split axis is lowered to reductions across ranks.
  if (op.kind == ir::OpKind::Softmax || ir::opCategory(op.kind) != ir::OpCategory::Other) return elementwiseRule(c, devices);
  ir::unsupported("{}: no sharding rule for {} yet", c.who(), ir::opKindName(op.kind));
}

}  // namespace shardc::passes
