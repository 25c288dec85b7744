// Comparisons, logic on bools, Where and Cast: the elementwise ops whose result type differs from an operand's.
#include <cmath>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {
namespace {

template <typename T>
bool compareOne(OpKind k, T a, T b) {
  auto x = orderValue(a), y = orderValue(b);
  switch (k) {
    case OpKind::Equal: return x == y;
    case OpKind::Less: return x < y;
    case OpKind::Greater: return x > y;
    case OpKind::LessOrEqual: return x <= y;
    case OpKind::GreaterOrEqual: return x >= y;
    default: break;
  }
  unsupportedElementType(DType::boolean, k);
}

// One element converted as Cast defines it.
template <typename D, typename S>
D convert(S x) {
  if constexpr (std::is_same_v<D, bool>) {
    if constexpr (kFloatLike<S>)
      return toDouble(x) != 0.0;  // NaN is true
    else
      return x != S(0);
  } else if constexpr (kFloatLike<D>) {
    if constexpr (kFloatLike<S>) {
      if constexpr (std::is_floating_point_v<D> && std::is_floating_point_v<S>) return static_cast<D>(x);
      return fromDouble<D>(toDouble(x));
    } else if constexpr (std::is_floating_point_v<D>) {
      return static_cast<D>(x);  // one rounding, as the hardware conversion
    } else {
      return fromDouble<D>(static_cast<double>(static_cast<float>(x)));
    }
  } else {
    if constexpr (kFloatLike<S>)
      return truncateToInt<D>(toDouble(x));
    else
      return static_cast<D>(x);  // modulo 2^bits
  }
}

}  // namespace

void compare(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = result.shape();
  bool* out = result.data<bool>();
  dispatchElement(in[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = in[0]->data<T>();
    const T* b = in[1]->data<T>();
    walkStrided<2>(s, {broadcastStrides(in[0]->shape(), s), broadcastStrides(in[1]->shape(), s)},
                   [&](int64_t i, const std::array<int64_t, 2>& off) { out[i] = compareOne<T>(op.kind, a[off[0]], b[off[1]]); });
  });
}

void logical(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = result.shape();
  bool* out = result.data<bool>();
  const bool* a = in[0]->data<bool>();
  if (op.kind == OpKind::Not) {
    for (int64_t i = 0, n = result.numElements(); i < n; ++i) out[i] = !a[i];
    return;
  }
  const bool* b = in[1]->data<bool>();
  walkStrided<2>(s, {broadcastStrides(in[0]->shape(), s), broadcastStrides(in[1]->shape(), s)},
                 [&](int64_t i, const std::array<int64_t, 2>& off) {
                   bool x = a[off[0]], y = b[off[1]];
                   out[i] = op.kind == OpKind::And ? (x && y) : op.kind == OpKind::Or ? (x || y) : (x != y);
                 });
}

void where(const Op&, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = result.shape();
  const bool* cond = in[0]->data<bool>();
  size_t elem = dtypeSize(result.dtype());
  const std::byte* x = in[1]->bytes();
  const std::byte* y = in[2]->bytes();
  std::byte* out = result.bytes();
  walkStrided<3>(s,
                 {broadcastStrides(in[0]->shape(), s), broadcastStrides(in[1]->shape(), s),
                  broadcastStrides(in[2]->shape(), s)},
                 [&](int64_t i, const std::array<int64_t, 3>& off) {
                   const std::byte* src = cond[off[0]] ? x + off[1] * int64_t(elem) : y + off[2] * int64_t(elem);
                   std::copy(src, src + elem, out + i * int64_t(elem));
                 });
}

void cast(const Op&, const std::vector<const Tensor*>& in, Tensor& result) {
  dispatchElement(in[0]->dtype(), [&](auto stag) {
    using S = decltype(stag);
    dispatchElement(result.dtype(), [&](auto dtag) {
      using D = decltype(dtag);
      const S* x = in[0]->data<S>();
      D* out = result.data<D>();
      for (int64_t i = 0, n = result.numElements(); i < n; ++i) out[i] = convert<D, S>(x[i]);
    });
  });
}

}  // namespace shardc::ir::interp
