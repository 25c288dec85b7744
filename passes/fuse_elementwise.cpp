// fuse: marks chains of elementwise ops that codegen computes in one loop. An elementwise op joins its consumer's
// group when the consumer is elementwise, is its only user, has the same result shape (so nothing is recomputed
// per broadcast element), and its result is not a graph output. Members carry attr fusion_group = the group's
// number; the group's root (the member whose result leaves the group) is the last of them in program order. A
// group of ops that have a vector form also takes in the f32 MatMul or Conv (no groups) feeding it only (each of
// its uses a member): code generation applies the group to the GEMM's tiles as it stores them.
#include <algorithm>

#include "passes/pass.h"

namespace shardc::passes {
namespace {
bool isElementwise(const ir::Op& op) { return ir::opCategory(op.kind) != ir::OpCategory::Other; }

bool isGemmMatMul(const ir::Graph& g, const ir::Op& mm) {
  return g.value(mm.operands[0]).type.shape.rank() >= 2 && g.value(mm.operands[1]).type.shape.rank() >= 2;
}

// Code generation computes an f32 Conv without groups as a GEMM of [channels, positions] per image.
bool isGemmConv(const ir::Graph& g, const ir::Op& conv) {
  for (ir::ValueId v : conv.operands)
    if (g.value(v).type.dtype != ir::DType::f32) return false;
  return conv.attrs.getInt("group", 1) == 1 && g.value(conv.operands[0]).type.shape.rank() >= 3;
}

// The Conv's epilogue reads an outside operand per channel (one value for all positions) or per position (the
// result's own spatial layout): its spatial dims must all be broadcast or all match.
bool fitsConvEpilogue(const ir::Graph& g, const std::vector<size_t>& members, const ir::Op& conv) {
  const ir::Shape& out = g.value(conv.results[0]).type.shape;
  for (size_t m : members)
    for (ir::ValueId v : g.ops()[m].operands) {
      const ir::Shape& s = g.value(v).type.shape;
      if (v == conv.results[0] || s.rank() > out.rank()) continue;
      size_t offset = out.rank() - s.rank();
      bool allOne = true, allMatch = true;
      for (size_t d = 2; d < out.rank(); ++d) {
        int64_t dim = d >= offset ? s.dims[d - offset] : 1;
        allOne = allOne && dim == 1;
        allMatch = allMatch && dim == out.dims[d];
      }
      if (!allOne && !allMatch) return false;
    }
  return true;
}
}  // namespace

void runFuseElementwise(ir::Graph& g) {
  std::vector<int> uses = g.useCounts();
  std::vector<ir::OpId> producer = g.producers();
  std::vector<bool> isOutput(g.numValues(), false);
  for (ir::ValueId v : g.outputs()) isOutput[static_cast<size_t>(v)] = true;
  std::vector<int64_t> group(g.ops().size(), -1);
  int64_t next = 0;
  // Walk roots back to front so that every op is claimed by the group of its (single) consumer first.
  for (size_t i = g.ops().size(); i-- > 0;) {
    ir::Op& op = g.ops()[i];
    op.attrs.erase("fusion_group");
    if (!isElementwise(op) || group[i] >= 0) continue;
    int64_t id = next;
    std::vector<size_t> stack{i};
    std::vector<size_t> members;
    while (!stack.empty()) {
      size_t cur = stack.back();
      stack.pop_back();
      members.push_back(cur);
      const ir::Op& c = g.ops()[cur];
      const ir::Shape& shape = g.value(c.results[0]).type.shape;
      for (ir::ValueId v : c.operands) {
        ir::OpId p = producer[static_cast<size_t>(v)];
        if (p == ir::kNoOp || group[static_cast<size_t>(p)] >= 0) continue;
        const ir::Op& po = g.ops()[static_cast<size_t>(p)];
        if (!isElementwise(po) || uses[static_cast<size_t>(v)] != 1 || isOutput[static_cast<size_t>(v)]) continue;
        if (!(g.value(v).type.shape == shape)) continue;
        group[static_cast<size_t>(p)] = id;
        stack.push_back(static_cast<size_t>(p));
      }
    }
    // A MatMul or Conv feeding the group only, of the group's shape, joins it first when every member can be applied to
    // a vector of f32 as the GEMM stores its tiles (an epilogue: bias, activation, residual, scaling).
    bool vectorForm = true;
    for (size_t m : members) {
      const ir::Op& c = g.ops()[m];
      vectorForm = vectorForm && ir::hasVectorForm(c.kind) && g.value(c.results[0]).type.dtype == ir::DType::f32;
      for (ir::ValueId v : c.operands) vectorForm = vectorForm && g.value(v).type.dtype == ir::DType::f32;
    }
    for (size_t k = 0; vectorForm && k < members.size(); ++k) {
      const ir::Op& c = g.ops()[members[k]];
      for (ir::ValueId v : c.operands) {
        ir::OpId p = producer[static_cast<size_t>(v)];
        if (p == ir::kNoOp || group[static_cast<size_t>(p)] >= 0) continue;
        const ir::Op& mm = g.ops()[static_cast<size_t>(p)];
        // Every use of the product inside the group (GELU reads it twice): the epilogue has it in registers.
        int usesInside = 0;
        for (size_t m : members)
          for (ir::ValueId o : g.ops()[m].operands) usesInside += o == v;
        if (usesInside != uses[static_cast<size_t>(v)] || isOutput[static_cast<size_t>(v)] ||
            !(g.value(v).type.shape == g.value(c.results[0]).type.shape))
          continue;
        if (!(mm.kind == ir::OpKind::MatMul && isGemmMatMul(g, mm)) &&
            !(mm.kind == ir::OpKind::Conv && isGemmConv(g, mm) && fitsConvEpilogue(g, members, mm)))
          continue;
        members.push_back(static_cast<size_t>(p));
        vectorForm = false;  // one MatMul per group
        break;
      }
    }
    if (members.size() > 1) {
      for (size_t m : members) group[m] = id;
      ++next;
    } else {
      for (size_t m : members) group[m] = -2;  // alone: no attribute
    }
  }
  for (size_t i = 0; i < g.ops().size(); ++i)
    if (group[i] >= 0) g.ops()[i].attrs.set("fusion_group", group[i]);
}

}  // namespace shardc::passes
