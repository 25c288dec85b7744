#include "passes/reshape_layout.h"

namespace shardc::passes {
namespace {

// The first dim in [begin, end) whose size is not 1, or `end`.
size_t outermost(const ir::Shape& s, size_t begin, size_t end) {
  while (begin < end && s.dims[begin] == 1) ++begin;
  return begin;
}

}  // namespace

ReshapeLayouts reshapeLayouts(const ir::TensorLayout& from, const ir::Shape& to) {
  ReshapeLayouts r{from, ir::TensorLayout::replicated(to, from.mesh)};
  r.output.partialAxes = from.partialAxes;
  const ir::Shape& s = from.shape;
  bool known = s.numElements() == to.numElements() && s.numElements() > 0;
  for (int64_t d : s.dims) known = known && d > 0;
  for (int64_t d : to.dims) known = known && d > 0;
  if (!known) {
    for (auto& axes : r.input.dimAxes) axes.clear();
    return r;
  }
  size_t i = 0, j = 0;
  while (i < s.rank() || j < to.rank()) {
    // One group: input dims [i0, i) and output dims [j0, j) of equal product.
    size_t i0 = i, j0 = j;
    int64_t pi = i < s.rank() ? s.dims[i++] : 1, po = j < to.rank() ? to.dims[j++] : 1;
    while (pi != po) {
      if (pi < po) pi *= s.dims[i++];
      else po *= to.dims[j++];
    }
    size_t lead = outermost(s, i0, i), leadOut = outermost(to, j0, j);
    for (size_t d = i0; d < i; ++d) {
      if (from.dimAxes[d].empty()) continue;
      if (d == lead && leadOut < j && to.dims[leadOut] % from.splitFactor(d) == 0)
        r.output.dimAxes[leadOut] = from.dimAxes[d];
      else
        r.input.dimAxes[d].clear();
    }
  }
  return r;
}

}  // namespace shardc::passes
