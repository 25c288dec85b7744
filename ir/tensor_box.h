// Cutting a box out of a tensor: a rank's slice of a parameter.
#pragma once

#include "ir/tensor.h"
#include "ir/tensor_layout.h"

namespace shardc::ir {

// The elements of `t` inside `box`, as a tensor of the box's extent (any element type; bytes are copied).
Tensor extractBox(const Tensor& t, const Box& box);

}  // namespace shardc::ir
