// Unary and binary elementwise ops, binary ones with numpy broadcasting. Float-like types compute in double and
// round once to the element type; integers wrap on overflow and divide truncating toward zero.
#include <cmath>

#include "ir/interpreter/element.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {
namespace {

template <typename T, typename F>
void mapUnary(const Tensor& x, Tensor& result, F f) {
  const T* in = x.data<T>();
  T* out = result.data<T>();
  for (int64_t i = 0, n = result.numElements(); i < n; ++i) out[i] = f(in[i]);
}

// f applied to numpy-broadcast pairs of elements.
template <typename T, typename F>
void mapBinary(const Tensor& a, const Tensor& b, Tensor& result, F f) {
  const T* x = a.data<T>();
  const T* y = b.data<T>();
  T* out = result.data<T>();
  if (a.shape() == result.shape() && b.shape() == result.shape()) {
    for (int64_t i = 0, n = result.numElements(); i < n; ++i) out[i] = f(x[i], y[i]);
    return;
  }
  const Shape& s = result.shape();
  walkStrided<2>(s, {broadcastStrides(a.shape(), s), broadcastStrides(b.shape(), s)},
                 [&](int64_t i, const std::array<int64_t, 2>& off) { out[i] = f(x[off[0]], y[off[1]]); });
}

// A float-like element through a function of double.
template <typename T, typename F>
auto viaDouble(F f) {
  return [f](T x) { return fromDouble<T>(f(toDouble(x))); };
}
template <typename T, typename F>
auto viaDouble2(F f) {
  return [f](T x, T y) { return fromDouble<T>(f(toDouble(x), toDouble(y))); };
}

template <typename T>
void unaryKernel(OpKind k, DType t, const Tensor& x, Tensor& r) {
  if (k == OpKind::Identity) return mapUnary<T>(x, r, [](T v) { return v; });
  if constexpr (kFloatLike<T>) {
    switch (k) {
      case OpKind::Neg: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return -v; }));
      case OpKind::Relu: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return v < 0 ? 0.0 : v; }));
      case OpKind::Sigmoid:
        return mapUnary<T>(x, r, viaDouble<T>([](double v) {
                             // Stable on both sides: exp of a non-positive number never overflows.
                             return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
                           }));
      case OpKind::Tanh: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::tanh(v); }));
      case OpKind::Exp: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::exp(v); }));
      case OpKind::Sqrt: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::sqrt(v); }));
      case OpKind::Abs: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::fabs(v); }));
      case OpKind::Log: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::log(v); }));
      case OpKind::Reciprocal: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return 1.0 / v; }));
      case OpKind::Erf: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::erf(v); }));
      case OpKind::Floor: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::floor(v); }));
      case OpKind::Ceil: return mapUnary<T>(x, r, viaDouble<T>([](double v) { return std::ceil(v); }));
      default: break;
    }
  } else if constexpr (kInteger<T>) {
    switch (k) {
      case OpKind::Neg: return mapUnary<T>(x, r, [](T v) { return wrapNeg(v); });
      case OpKind::Relu: return mapUnary<T>(x, r, [](T v) { return v < T(0) ? T(0) : v; });
      case OpKind::Abs: return mapUnary<T>(x, r, [](T v) { return v < T(0) ? wrapNeg(v) : v; });
      default: break;
    }
  }
  unsupportedElementType(t, k);
}

template <typename T>
T divideInts(T a, T b) {
  if (b == T(0)) fail("integer division by zero");
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return wrapNeg(a);  // min / -1 overflows; numpy wraps
  }
  return static_cast<T>(a / b);  // C++ truncates toward zero, as ONNX does
}

template <typename T>
void binaryKernel(OpKind k, DType t, const Tensor& a, const Tensor& b, Tensor& r) {
  if constexpr (kFloatLike<T>) {
    switch (k) {
      case OpKind::Add: return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return x + y; }));
      case OpKind::Sub: return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return x - y; }));
      case OpKind::Mul: return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return x * y; }));
      case OpKind::Div: return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return x / y; }));
      case OpKind::Pow: return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return std::pow(x, y); }));
      case OpKind::Max:
        return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return std::isnan(x) || x > y ? x : y; }));
      case OpKind::Min:
        return mapBinary<T>(a, b, r, viaDouble2<T>([](double x, double y) { return std::isnan(x) || x < y ? x : y; }));
      default: break;
    }
  } else if constexpr (kInteger<T>) {
    switch (k) {
      case OpKind::Add: return mapBinary<T>(a, b, r, [](T x, T y) { return wrapAdd(x, y); });
      case OpKind::Sub: return mapBinary<T>(a, b, r, [](T x, T y) { return wrapSub(x, y); });
      case OpKind::Mul: return mapBinary<T>(a, b, r, [](T x, T y) { return wrapMul(x, y); });
      case OpKind::Div: return mapBinary<T>(a, b, r, [](T x, T y) { return divideInts(x, y); });
      case OpKind::Max: return mapBinary<T>(a, b, r, [](T x, T y) { return x > y ? x : y; });
      case OpKind::Min: return mapBinary<T>(a, b, r, [](T x, T y) { return x < y ? x : y; });
      default: break;
    }
  }
  unsupportedElementType(t, k);
}

}  // namespace

void elementwise(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  DType t = result.dtype();
  dispatchElement(t, [&](auto tag) {
    using T = decltype(tag);
    if (in.size() == 1)
      unaryKernel<T>(op.kind, t, *in[0], result);
    else
      binaryKernel<T>(op.kind, t, *in[0], *in[1], result);
  });
}

}  // namespace shardc::ir::interp
