// Unary and binary elementwise ops with numpy broadcasting.
#include <cmath>

#include "ir/error.h"
#include "ir/interpreter/kernels.h"

namespace shardc::ir::interp {
namespace {

template <typename T>
T applyUnary(OpKind k, T x) {
  if constexpr (std::is_floating_point_v<T>) {
    double d = x;
    switch (k) {
      case OpKind::Identity: return x;
      case OpKind::Neg: return static_cast<T>(-d);
      case OpKind::Relu: return d < 0 ? T(0) : x;
      case OpKind::Sigmoid: return static_cast<T>(d >= 0 ? 1.0 / (1.0 + std::exp(-d)) : std::exp(d) / (1.0 + std::exp(d)));
      case OpKind::Tanh: return static_cast<T>(std::tanh(d));
      case OpKind::Exp: return static_cast<T>(std::exp(d));
      case OpKind::Sqrt: return static_cast<T>(std::sqrt(d));
      default: break;
    }
  } else {
    switch (k) {
      case OpKind::Identity: return x;
      case OpKind::Neg: return static_cast<T>(-x);
      case OpKind::Relu: return x < T(0) ? T(0) : x;
      default: unsupported("{} on an integer element type", opKindName(k));
    }
  }
  fail("{} is not a unary elementwise op", opKindName(k));
}

template <typename T>
T applyBinary(OpKind k, T x, T y) {
  if constexpr (std::is_same_v<T, bool>) {
    unsupported("{} on bool", opKindName(k));
  } else if constexpr (std::is_floating_point_v<T>) {
    double a = x, b = y;
    switch (k) {
      case OpKind::Add: return static_cast<T>(a + b);
      case OpKind::Sub: return static_cast<T>(a - b);
      case OpKind::Mul: return static_cast<T>(a * b);
      case OpKind::Div: return static_cast<T>(a / b);
      default: break;
    }
  } else {
    switch (k) {
      case OpKind::Add: return static_cast<T>(x + y);
      case OpKind::Sub: return static_cast<T>(x - y);
      case OpKind::Mul: return static_cast<T>(x * y);
      case OpKind::Div:
        if (y == 0) fail("integer division by zero");
        return static_cast<T>(x / y);
      default: break;
    }
  }
  fail("{} is not a binary elementwise op", opKindName(k));
}

}  // namespace

std::vector<int64_t> stridedOffsets(const Shape& shape, const std::vector<int64_t>& strides) {
  std::vector<int64_t> offsets(static_cast<size_t>(shape.numElements()));
  std::vector<int64_t> pos(shape.rank(), 0);
  int64_t cur = 0;
  for (auto& o : offsets) {
    o = cur;
    for (size_t d = shape.rank(); d-- > 0;) {
      ++pos[d];
      cur += strides[d];
      if (pos[d] < shape.dims[d]) break;
      cur -= strides[d] * pos[d];
      pos[d] = 0;
    }
  }
  return offsets;
}

std::vector<int64_t> broadcastIndex(const Shape& s, const Shape& out) {
  std::vector<int64_t> strides(out.rank(), 0);
  std::vector<int64_t> own = s.strides();
  size_t off = out.rank() - s.rank();
  for (size_t d = 0; d < s.rank(); ++d) strides[d + off] = s.dims[d] == 1 ? 0 : own[d];
  return stridedOffsets(out, strides);
}

void elementwise(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  DType t = in[0]->dtype();
  if (t == DType::f16 || t == DType::bf16) unsupported("element type {}", dtypeName(t));
  const Shape& out = result.shape();
  int64_t n = out.numElements();
  dispatchDType(t, [&](auto tag) {
    using T = decltype(tag);
    T* r = result.data<T>();
    if (in.size() == 1) {
      const T* x = in[0]->data<T>();
      for (int64_t i = 0; i < n; ++i) r[i] = applyUnary<T>(op.kind, x[i]);
      return;
    }
    std::vector<int64_t> ia = broadcastIndex(in[0]->shape(), out), ib = broadcastIndex(in[1]->shape(), out);
    const T* x = in[0]->data<T>();
    const T* y = in[1]->data<T>();
    for (int64_t i = 0; i < n; ++i) r[i] = applyBinary<T>(op.kind, x[ia[size_t(i)]], y[ib[size_t(i)]]);
  });
}

}  // namespace shardc::ir::interp
