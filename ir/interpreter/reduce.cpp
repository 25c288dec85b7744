// Reductions over a set of axes (empty = all). ReduceSum/ReduceMean: float-like types sum in double in row-major
// order of the input; integers sum modulo 2^64 and ReduceMean divides the sum truncating toward zero.
// ReduceMax/ReduceMin: NaN wins (numpy's maximum.reduce); an empty reduction gives the identity (-inf / +inf, or
// the integer type's lowest / highest value).
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {

namespace {

// Where each input element lands in the result: the result's row-major strides over the kept dims, 0 over the
// reduced ones (keepdims only adds dims of 1, which do not change the layout); and how many elements each result
// element gathers.
struct ReductionMap {
  Strides toResult;
  int64_t count = 1;
};

ReductionMap reductionMap(const Op& op, const Shape& s) {
  std::vector<int64_t> axes = op.attrs.getInts("axes");
  for (auto& a : axes) a = normaliseAxis(a, s.rank());
  Shape kept;
  std::vector<bool> reduced(s.rank());
  ReductionMap m;
  for (size_t d = 0; d < s.rank(); ++d) {
    reduced[d] = axes.empty() || std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (reduced[d])
      m.count *= s.dims[d];
    else
      kept.dims.push_back(s.dims[d]);
  }
  Strides keptStrides = kept.strides();
  m.toResult.assign(s.rank(), 0);
  for (size_t d = 0, k = 0; d < s.rank(); ++d)
    if (!reduced[d]) m.toResult[d] = keptStrides[k++];
  return m;
}

}  // namespace

void reduce(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  ReductionMap map = reductionMap(op, s);
  const Strides& toResult = map.toResult;
  // A rank program's ReduceMean over its part of a split dim divides by the whole dim's count (attr `divisor`):
  // the parts' means then add up to the mean.
  int64_t count = op.attrs.getInt("divisor", map.count);
  const bool mean = op.kind == OpKind::ReduceMean, prod = op.kind == OpKind::ReduceProd;
  DType t = result.dtype();
  dispatchElement(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      unsupportedElementType(t, op.kind);
    } else {
      const T* x = in[0]->data<T>();
      T* y = result.data<T>();
      if constexpr (kFloatLike<T>) {
        std::vector<double> acc(static_cast<size_t>(result.numElements()), prod ? 1.0 : 0.0);
        walkStrided<1>(s, {toResult}, [&](int64_t i, const std::array<int64_t, 1>& off) {
          if (prod)
            acc[size_t(off[0])] *= toDouble(x[i]);
          else
            acc[size_t(off[0])] += toDouble(x[i]);
        });
        // The mean of nothing is NaN, as numpy has it.
        for (size_t i = 0; i < acc.size(); ++i) y[i] = fromDouble<T>(mean ? acc[i] / static_cast<double>(count) : acc[i]);
      } else {
        if (mean && count == 0 && result.numElements() != 0)
          fail("the mean of no elements is undefined for element type {}", dtypeName(t));
        std::vector<uint64_t> acc(static_cast<size_t>(result.numElements()), prod ? 1 : 0);
        walkStrided<1>(s, {toResult}, [&](int64_t i, const std::array<int64_t, 1>& off) {
          if (prod)
            acc[size_t(off[0])] *= static_cast<uint64_t>(static_cast<int64_t>(x[i]));
          else
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

void reduceExtreme(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  ReductionMap map = reductionMap(op, s);
  const bool isMax = op.kind == OpKind::ReduceMax;
  dispatchElement(result.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in[0]->data<T>();
    T* y = result.data<T>();
    const size_t n = static_cast<size_t>(result.numElements());
    if constexpr (kFloatLike<T>) {
      const double inf = std::numeric_limits<double>::infinity();
      std::vector<double> acc(n, isMax ? -inf : inf);
      walkStrided<1>(s, {map.toResult}, [&](int64_t i, const std::array<int64_t, 1>& off) {
        double v = toDouble(x[i]), &a = acc[size_t(off[0])];
        if (std::isnan(v) || (isMax ? v > a : v < a)) a = v;
      });
      for (size_t i = 0; i < n; ++i) y[i] = fromDouble<T>(acc[i]);
    } else {
      // bool as a byte: std::vector<bool> has no element references (max is `or`, min is `and`).
      using Acc = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
      std::vector<Acc> acc(n, Acc(isMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max()));
      walkStrided<1>(s, {map.toResult}, [&](int64_t i, const std::array<int64_t, 1>& off) {
        Acc v = Acc(x[i]), &a = acc[size_t(off[0])];
        if (isMax ? v > a : v < a) a = v;
      });
      for (size_t i = 0; i < n; ++i) y[i] = T(acc[i]);
    }
  });
}

}  // namespace shardc::ir::interp
