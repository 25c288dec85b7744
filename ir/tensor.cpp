#include "ir/tensor.h"

#include <bit>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace shardc::ir {

std::string TensorType::str() const { return fmt::format("{}{}", dtypeName(dtype), shape.str()); }

Tensor::Tensor(DType dtype, Shape shape) : type_{dtype, std::move(shape)} {
  if (!type_.shape.isStatic())
    throw std::invalid_argument("tensor with a dynamic shape " + type_.shape.str());
  storage_.assign(static_cast<size_t>(type_.shape.numElements()) * dtypeSize(dtype), std::byte{0});
}

Tensor::Tensor(DType dtype, Shape shape, std::span<const std::byte> bytes) : Tensor(dtype, std::move(shape)) {
  if (bytes.size() != storage_.size())
    throw std::invalid_argument(fmt::format("{} bytes given for a {} tensor of {} bytes", bytes.size(),
                                            type_.str(), storage_.size()));
  if (!bytes.empty()) std::memcpy(storage_.data(), bytes.data(), bytes.size());
}

double Tensor::elementAsDouble(int64_t i) const {
  switch (dtype()) {
    case DType::f16: return halfToFloat(data<uint16_t>()[i]);
    case DType::bf16: return bfloat16ToFloat(data<uint16_t>()[i]);
    default: return dispatchDType(dtype(), [&](auto tag) { return static_cast<double>(data<decltype(tag)>()[i]); });
  }
}

int64_t Tensor::elementAsInt(int64_t i) const {
  if (isFloat(dtype())) return static_cast<int64_t>(elementAsDouble(i));
  return dispatchDType(dtype(), [&](auto tag) { return static_cast<int64_t>(data<decltype(tag)>()[i]); });
}

std::vector<int64_t> Tensor::toInts() const {
  std::vector<int64_t> out(static_cast<size_t>(numElements()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = elementAsInt(static_cast<int64_t>(i));
  return out;
}

Tensor Tensor::fromInts(DType dtype, Shape shape, const std::vector<int64_t>& values) {
  Tensor t(dtype, std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numElements())
    throw std::invalid_argument("value count does not match the shape");
  dispatchDType(dtype, [&](auto tag) {
    using T = decltype(tag);
    for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = static_cast<T>(values[i]);
  });
  return t;
}

Tensor Tensor::fromDoubles(DType dtype, Shape shape, const std::vector<double>& values) {
  Tensor t(dtype, std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numElements())
    throw std::invalid_argument("value count does not match the shape");
  if (dtype == DType::f16 || dtype == DType::bf16) {
    for (size_t i = 0; i < values.size(); ++i)
      t.data<uint16_t>()[i] = dtype == DType::f16 ? floatToHalf(static_cast<float>(values[i]))
                                                  : floatToBfloat16(static_cast<float>(values[i]));
    return t;
  }
  dispatchDType(dtype, [&](auto tag) {
    using T = decltype(tag);
    for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = static_cast<T>(values[i]);
  });
  return t;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t floatToHalf(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00u;
  if (a >= 65520.0f) return sign | 0x7c00u;
  if (a < 6.103515625e-05f) {  // subnormal: round to nearest even in units of 2^-24
    float q = std::nearbyint(a * 16777216.0f);
    return sign | static_cast<uint16_t>(q);
  }
  uint32_t ax = std::bit_cast<uint32_t>(a);
  uint32_t rounded = ax + 0xfffu + ((ax >> 13) & 1u);
  return sign | static_cast<uint16_t>((rounded - (112u << 23)) >> 13);
}

float bfloat16ToFloat(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t floatToBfloat16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

}  // namespace shardc::ir
