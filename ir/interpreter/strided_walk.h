// The one index walk of the interpreter's kernels: every index of a shape in row-major order, with the offset of
// that index in one or more tensors seen through strides (0 for broadcast or reduced dims, permuted for transposes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ir/shape.h"

namespace shardc::ir::interp {

using Strides = std::vector<int64_t>;

// Calls f(i, offsets) for every index of `shape` in row-major order: i counts from 0, and
// offsets[j] = sum over d of index[d] * strides[j][d]. Each strides[j] has shape.rank() entries.
// Nothing is called for a shape with a zero dim; a 0-D shape is visited once, with all offsets 0.
template <size_t K, typename F>
void walkStrided(const Shape& shape, const std::array<Strides, K>& strides, F&& f) {
  const int64_t n = shape.numElements();
  if (n <= 0) return;
  const size_t rank = shape.rank();
  std::vector<int64_t> pos(rank, 0);
  std::array<int64_t, K> off{};
  for (int64_t i = 0; i < n; ++i) {
    f(i, off);
    for (size_t d = rank; d-- > 0;) {
      ++pos[d];
      for (size_t j = 0; j < K; ++j) off[j] += strides[j][d];
      if (pos[d] < shape.dims[d]) break;
      for (size_t j = 0; j < K; ++j) off[j] -= strides[j][d] * pos[d];
      pos[d] = 0;
    }
  }
}

// The strides, in elements, of a tensor of shape `s` numpy-broadcast to `out`: aligned at the right, 0 where s
// has no dim or a dim of 1.
inline Strides broadcastStrides(const Shape& s, const Shape& out) {
  Strides strides(out.rank(), 0);
  Strides own = s.strides();
  size_t lead = out.rank() - s.rank();
  for (size_t d = 0; d < s.rank(); ++d) strides[lead + d] = s.dims[d] == 1 ? 0 : own[d];
  return strides;
}

// An axis attribute made non-negative for `rank` (type inference has already checked its range).
inline int64_t normaliseAxis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

}  // namespace shardc::ir::interp
