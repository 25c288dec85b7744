// Which splits survive a Reshape. The dims of the two shapes fall into groups of equal element count (a reshape
// acts on each group alone); a group keeps its split when only its outermost dim (ignoring dims of 1) is split
// and the group's outermost dim after the reshape divides by the same factor: every rank's block is then a run of
// the group's flattened elements before and after, and the reshape is local.
#pragma once

#include "ir/tensor_layout.h"

namespace shardc::passes {

struct ReshapeLayouts {
  ir::TensorLayout input;   // `from` with the splits that cannot pass cleared (those dims must be gathered first)
  ir::TensorLayout output;  // the result's layout when the input has `input`; partial axes carry over
};

ReshapeLayouts reshapeLayouts(const ir::TensorLayout& from, const ir::Shape& to);

}  // namespace shardc::passes
