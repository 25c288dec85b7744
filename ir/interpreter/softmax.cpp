// Softmax along one axis, in double, subtracting each line's maximum so exp never overflows.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {

void softmax(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  // The tensor as [outer, n, inner], n the axis; a 0-D tensor is one line of one element.
  int64_t outer = 1, n = 1, inner = 1;
  if (s.rank() != 0) {
    const size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", -1), s.rank()));
    for (size_t d = 0; d < s.rank(); ++d) {
      if (d < axis) outer *= s.dims[d];
      if (d > axis) inner *= s.dims[d];
    }
    n = s.dims[axis];
  }
  DType t = result.dtype();
  dispatchElement(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!kFloatLike<T>) {
      unsupportedElementType(t, op.kind);
    } else {
      const T* x = in[0]->data<T>();
      T* y = result.data<T>();
      std::vector<double> e(static_cast<size_t>(n));
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t r = 0; r < inner; ++r) {
          const int64_t base = o * n * inner + r;
          double mx = -std::numeric_limits<double>::infinity();
          for (int64_t j = 0; j < n; ++j) mx = std::max(mx, toDouble(x[base + j * inner]));
          double sum = 0;
          for (int64_t j = 0; j < n; ++j) sum += e[size_t(j)] = std::exp(toDouble(x[base + j * inner]) - mx);
          for (int64_t j = 0; j < n; ++j) y[base + j * inner] = fromDouble<T>(e[size_t(j)] / sum);
        }
    }
  });
}

}  // namespace shardc::ir::interp
