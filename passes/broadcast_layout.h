// Small layout helpers the parallel passes share: a layout without its pending partial sums, and a result's layout
// seen from an operand under numpy broadcasting.
#pragma once

#include "ir/tensor_layout.h"

namespace shardc::passes {

inline ir::TensorLayout withoutPartial(ir::TensorLayout l) {
  l.partialAxes.clear();
  return l;
}

// `l` (over the result's shape) as an operand of shape `s` needs it: broadcast dims (1 against a larger dim, or
// missing) are whole.
inline ir::TensorLayout projectTo(const ir::TensorLayout& l, const ir::Shape& s) {
  ir::TensorLayout p = ir::TensorLayout::replicated(s, l.mesh);
  size_t off = l.shape.rank() - s.rank();
  for (size_t d = 0; d < s.rank(); ++d)
    if (!(s.dims[d] == 1 && l.shape.dims[d + off] != 1)) p.dimAxes[d] = l.dimAxes[d + off];
  return p;
}

}  // namespace shardc::passes
