// How the interpreter's kernels see one element: every dtype as a C++ type, f16 and bf16 included (as float-like
// storage types computed in double), with integer arithmetic that wraps like the hardware instead of being UB.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "ir/dtype.h"
#include "ir/error.h"
#include "ir/op_kind.h"
#include "ir/tensor.h"

namespace shardc::ir::interp {

// Storage of one f16 / bf16 element.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

// Types whose math the interpreter does in double: f16, bf16, f32, f64.
template <typename T>
inline constexpr bool kFloatLike =
    std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
// i8..i64, u8..u64 (not bool).
template <typename T>
inline constexpr bool kInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Like ir::dispatchDType, with f16 → Half and bf16 → BFloat16, so one template kernel covers every element type.
template <typename F>
decltype(auto) dispatchElement(DType t, F&& f) {
  if (t == DType::f16) return f(Half{});
  if (t == DType::bf16) return f(BFloat16{});
  return dispatchDType(t, std::forward<F>(f));
}

// A float-like element widened to double (exact).
template <typename T>
double toDouble(T x) {
  if constexpr (std::is_same_v<T, Half>)
    return halfToFloat(x.bits);
  else if constexpr (std::is_same_v<T, BFloat16>)
    return bfloat16ToFloat(x.bits);
  else
    return static_cast<double>(x);
}

// A double rounded to a float-like element type (f16/bf16 through float).
template <typename T>
T fromDouble(double d) {
  if constexpr (std::is_same_v<T, Half>)
    return Half{floatToHalf(static_cast<float>(d))};
  else if constexpr (std::is_same_v<T, BFloat16>)
    return BFloat16{floatToBfloat16(static_cast<float>(d))};
  else
    return static_cast<T>(d);
}

// A double truncated toward zero into an integer type, saturating (NaN gives 0) instead of UB out of range.
template <typename T>
T truncateToInt(double d) {
  if (d != d) return T(0);
  // The bounds as doubles: max() of 64-bit types rounds up to 2^63 / 2^64, so compare with >=.
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (d <= lo) return std::numeric_limits<T>::min();
  if (d >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(d);
}

// Integer arithmetic modulo 2^bits (two's complement), as numpy and the generated code compute it.
template <typename T>
T wrap(uint64_t v) {
  return static_cast<T>(v);
}
template <typename T>
T wrapAdd(T a, T b) {
  return wrap<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
template <typename T>
T wrapSub(T a, T b) {
  return wrap<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
template <typename T>
T wrapMul(T a, T b) {
  return wrap<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
template <typename T>
T wrapNeg(T a) {
  return wrap<T>(uint64_t{0} - static_cast<uint64_t>(a));
}

// An element as comparisons see it: float-like types widened to double (exact), integers and bools themselves, so
// 64-bit integers keep their order.
template <typename T>
auto orderValue(T x) {
  if constexpr (kFloatLike<T>)
    return toDouble(x);
  else
    return x;
}

// "element type bool is not supported by Add": an ir::Unsupported.
[[noreturn]] inline void unsupportedElementType(DType t, OpKind k) {
  unsupported("element type {} is not supported by {}", dtypeName(t), opKindName(k));
}

}  // namespace shardc::ir::interp
