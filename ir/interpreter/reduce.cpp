// ReduceSum and ReduceMean over a set of axes (empty = all). Float-like types sum in double in row-major order of
// the input; integers sum modulo 2^64 and ReduceMean divides the sum truncating toward zero.
#include <algorithm>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {

void reduce(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  std::vector<int64_t> axes = op.attrs.getInts("axes");
  for (auto& a : axes) a = normaliseAxis(a, s.rank());
  // Where each input element lands in the result: the result's row-major strides over the kept dims, 0 over the
  // reduced ones (keepdims only adds dims of 1, which do not change the layout).
  Shape kept;
  std::vector<bool> reduced(s.rank());
  int64_t count = 1;
  for (size_t d = 0; d < s.rank(); ++d) {
    reduced[d] = axes.empty() || std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (reduced[d])
      count *= s.dims[d];
    else
      kept.dims.push_back(s.dims[d]);
  }
  // A rank program's ReduceMean over its part of a split dim divides by the whole dim's count (attr `divisor`):
  // the parts' means then add up to the mean.
  count = op.attrs.getInt("divisor", count);
  Strides keptStrides = kept.strides(), toResult(s.rank(), 0);
  for (size_t d = 0, k = 0; d < s.rank(); ++d)
    if (!reduced[d]) toResult[d] = keptStrides[k++];
  const bool mean = op.kind == OpKind::ReduceMean;
  DType t = result.dtype();
  dispatchElement(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      unsupportedElementType(t, op.kind);
    } else {
      const T* x = in[0]->data<T>();
      T* y = result.data<T>();
      if constexpr (kFloatLike<T>) {
        std::vector<double> acc(static_cast<size_t>(result.numElements()), 0.0);
        walkStrided<1>(s, {toResult}, [&](int64_t i, const std::array<int64_t, 1>& off) {
          acc[size_t(off[0])] += toDouble(x[i]);
        });
        // The mean of nothing is NaN, as numpy has it.
        for (size_t i = 0; i < acc.size(); ++i) y[i] = fromDouble<T>(mean ? acc[i] / static_cast<double>(count) : acc[i]);
      } else {
        if (mean && count == 0 && result.numElements() != 0)
          fail("the mean of no elements is undefined for element type {}", dtypeName(t));
        std::vector<uint64_t> acc(static_cast<size_t>(result.numElements()), 0);
        walkStrided<1>(s, {toResult}, [&](int64_t i, const std::array<int64_t, 1>& off) {
          acc[size_t(off[0])] += static_cast<uint64_t>(x[i]);
        });
        for (size_t i = 0; i < acc.size(); ++i) {
          if (!mean) {
            y[i] = wrap<T>(acc[i]);
          } else if constexpr (std::is_signed_v<T>) {
            y[i] = static_cast<T>(static_cast<int64_t>(acc[i]) / count);  // C++ truncates toward zero
          } else {
            y[i] = static_cast<T>(acc[i] / static_cast<uint64_t>(count));
          }
        }
      }
    }
  });
}

}  // namespace shardc::ir::interp
