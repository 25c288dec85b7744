// Softmax along one axis and the reductions, in double.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/error.h"
#include "ir/interpreter/kernels.h"

namespace shardc::ir::interp {

void softmax(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  int64_t axis = op.attrs.getInt("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(s.rank());
  int64_t outer = 1, n = s.rank() ? s.dims[size_t(axis)] : 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(s.rank()); ++d) {
    if (d < axis) outer *= s.dims[size_t(d)];
    if (d > axis) inner *= s.dims[size_t(d)];
  }
  if (result.dtype() != DType::f32 && result.dtype() != DType::f64) unsupported("Softmax on {}", dtypeName(result.dtype()));
  dispatchDType(result.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T* x = in[0]->data<T>();
      T* y = result.data<T>();
      std::vector<double> e(static_cast<size_t>(n));
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t r = 0; r < inner; ++r) {
          int64_t base = o * n * inner + r;
          double mx = -std::numeric_limits<double>::infinity();
          for (int64_t j = 0; j < n; ++j) mx = std::max(mx, double(x[base + j * inner]));
          double sum = 0;
          for (int64_t j = 0; j < n; ++j) sum += e[size_t(j)] = std::exp(double(x[base + j * inner]) - mx);
          for (int64_t j = 0; j < n; ++j) y[base + j * inner] = static_cast<T>(e[size_t(j)] / sum);
        }
    }
  });
}

void reduce(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  std::vector<int64_t> axes = op.attrs.getInts("axes");
  for (auto& a : axes)
    if (a < 0) a += static_cast<int64_t>(s.rank());
  // The output index of every input element: reduced dims contribute nothing.
  Shape keptShape;
  std::vector<int64_t> outStride(s.rank(), 0);
  std::vector<bool> reduced(s.rank());
  int64_t count = 1;
  for (size_t d = 0; d < s.rank(); ++d) {
    reduced[d] = axes.empty() || std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end();
    if (reduced[d]) count *= s.dims[d];
    else keptShape.dims.push_back(s.dims[d]);
  }
  std::vector<int64_t> ks = keptShape.strides();
  for (size_t d = 0, k = 0; d < s.rank(); ++d)
    if (!reduced[d]) outStride[d] = ks[k++];
  bool mean = op.kind == OpKind::ReduceMean;
  DType t = result.dtype();
  if (t == DType::f16 || t == DType::bf16 || t == DType::boolean) unsupported("{} on {}", opKindName(op.kind), dtypeName(t));
  dispatchDType(t, [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    std::vector<Acc> acc(size_t(result.numElements()), Acc(0));
    const T* x = in[0]->data<T>();
    std::vector<int64_t> dst = stridedOffsets(s, outStride);
    for (int64_t i = 0; i < s.numElements(); ++i) acc[size_t(dst[size_t(i)])] += static_cast<Acc>(x[i]);
    T* y = result.data<T>();
    for (size_t i = 0; i < acc.size(); ++i) {
      Acc v = acc[i];
      if (mean) {
        if constexpr (std::is_floating_point_v<T>) v = count ? v / double(count) : std::numeric_limits<double>::quiet_NaN();
        else v = count ? v / count : 0;
      }
      y[i] = static_cast<T>(v);
    }
  });
}

}  // namespace shardc::ir::interp
