// ArgMax/ArgMin, TopK, GatherElements and Pad.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {
namespace {

// The tensor as [outer, n, inner] around `axis`.
struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
};
Lines linesAround(const Shape& s, size_t axis) {
  Lines l;
  for (size_t d = 0; d < s.rank(); ++d) {
    if (d < axis) l.outer *= s.dims[d];
    if (d > axis) l.inner *= s.dims[d];
  }
  l.n = s.dims[axis];
  return l;
}

// Does a come strictly before b in the order `largest` asks for? NaN ranks above everything, as numpy's argmax.
template <typename V>
bool before(V a, V b, bool largest) {
  if constexpr (std::is_floating_point_v<V>) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && !std::isnan(b);
  }
  return largest ? a > b : a < b;
}

}  // namespace

void argExtreme(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", 0), s.rank()));
  bool largest = op.kind == OpKind::ArgMax, last = op.attrs.getInt("select_last_index", 0) != 0;
  Lines l = linesAround(s, axis);
  if (l.n == 0 && result.numElements() > 0) fail("cannot take the {} of an empty axis", opKindName(op.kind));
  int64_t* y = result.data<int64_t>();
  dispatchElement(in[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in[0]->data<T>();
    for (int64_t o = 0; o < l.outer; ++o)
      for (int64_t i = 0; i < l.inner; ++i) {
        int64_t best = 0;
        for (int64_t j = 1; j < l.n; ++j) {
          auto v = orderValue(x[(o * l.n + j) * l.inner + i]), b = orderValue(x[(o * l.n + best) * l.inner + i]);
          if (before(v, b, largest) || (last && !before(b, v, largest))) best = j;
        }
        y[o * l.inner + i] = best;
      }
  });
}

void topK(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", -1), s.rank()));
  int64_t k = op.attrs.getInt("k", 0);
  bool largest = op.attrs.getInt("largest", 1) != 0, values = op.attrs.getString("output", "values") == "values";
  Lines l = linesAround(s, axis);
  size_t es = dtypeSize(in[0]->dtype());
  dispatchElement(in[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in[0]->data<T>();
    std::vector<int64_t> order(static_cast<size_t>(l.n));
    for (int64_t o = 0; o < l.outer; ++o)
      for (int64_t i = 0; i < l.inner; ++i) {
        auto at = [&](int64_t j) { return orderValue(x[(o * l.n + j) * l.inner + i]); };
        std::iota(order.begin(), order.end(), 0);
        // Stable: equal values keep the lower index first.
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return before(at(a), at(b), largest); });
        for (int64_t j = 0; j < k; ++j) {
          int64_t dst = (o * k + j) * l.inner + i, src = (o * l.n + order[size_t(j)]) * l.inner + i;
          if (values)
            std::memcpy(result.bytes() + size_t(dst) * es, in[0]->bytes() + size_t(src) * es, es);
          else
            result.data<int64_t>()[dst] = order[size_t(j)];
        }
      }
  });
}

void gatherElements(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  const Shape& is = in[1]->shape();
  size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", 0), s.rank()));
  Strides ds = s.strides(), walk = ds;
  walk[axis] = 0;  // the axis coordinate comes from the index
  for (size_t d = 0; d < s.rank(); ++d)
    if (d != axis && is.dims[d] > s.dims[d]) fail("indices {} exceed data {} in dim {}", is.str(), s.str(), d);
  size_t es = dtypeSize(result.dtype());
  walkStrided<1>(is, {walk}, [&](int64_t i, const std::array<int64_t, 1>& off) {
    int64_t k = in[1]->elementAsInt(i), n = s.dims[axis];
    if (k < -n || k >= n) fail("index {} (element {} of the indices) is out of range for a dim of {}", k, i, n);
    if (k < 0) k += n;
    std::memcpy(result.bytes() + size_t(i) * es, in[0]->bytes() + size_t(off[0] + k * ds[axis]) * es, es);
  });
}

void pad(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  std::vector<int64_t> pads = op.attrs.getInts("pads");
  std::string mode = op.attrs.getString("mode", "constant");
  size_t r = s.rank(), es = dtypeSize(result.dtype());
  Tensor fill = Tensor::fromDoubles(result.dtype(), Shape{}, {op.attrs.getFloat("value", 0.0)});
  Strides own = s.strides();
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0, n = result.numElements(); i < n; ++i) {
    int64_t src = 0;
    bool outside = false;
    for (size_t d = 0; d < r; ++d) {
      int64_t p = idx[d] - pads[d], dim = s.dims[d];
      if (p < 0 || p >= dim) {
        if (mode == "constant") outside = true;
        else if (mode == "edge") p = p < 0 ? 0 : dim - 1;
        else if (mode == "wrap") p = ((p % dim) + dim) % dim;
        else if (dim == 1) p = 0;
        else {  // reflect, the edge not repeated
          int64_t period = 2 * (dim - 1);
          p = ((p % period) + period) % period;
          if (p >= dim) p = period - p;
        }
      }
      src += p * own[d];
    }
    const std::byte* from = outside ? fill.bytes() : in[0]->bytes() + size_t(src) * es;
    std::memcpy(result.bytes() + size_t(i) * es, from, es);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < result.shape().dims[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace shardc::ir::interp
