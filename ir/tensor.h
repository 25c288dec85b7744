// A dense tensor held in host memory: element type, static shape and row-major little-endian bytes.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

#include "ir/dtype.h"
#include "ir/shape.h"

namespace shardc::ir {

struct TensorType {
  DType dtype = DType::f32;
  Shape shape;
  std::string str() const;  // "f32[1,784]"
  bool operator==(const TensorType& o) const { return dtype == o.dtype && shape == o.shape; }
};

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled; the shape must be static.
  Tensor(DType dtype, Shape shape);
  Tensor(DType dtype, Shape shape, std::span<const std::byte> bytes);

  DType dtype() const { return type_.dtype; }
  const Shape& shape() const { return type_.shape; }
  const TensorType& type() const { return type_; }
  int64_t numElements() const { return type_.shape.numElements(); }
  size_t byteSize() const { return storage_.size(); }

  std::byte* bytes() { return storage_.data(); }
  const std::byte* bytes() const { return storage_.data(); }
  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(storage_.data());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(storage_.data());
  }
  // Element i converted to double (for comparisons and printing); f16/bf16 are widened exactly.
  double elementAsDouble(int64_t i) const;
  // Element i as int64 (integer and bool tensors; floats are truncated).
  int64_t elementAsInt(int64_t i) const;
  // All elements as int64: shape vectors, axes and the like.
  std::vector<int64_t> toInts() const;

  static Tensor fromInts(DType dtype, Shape shape, const std::vector<int64_t>& values);
  static Tensor fromDoubles(DType dtype, Shape shape, const std::vector<double>& values);

 private:
  TensorType type_;
  std::vector<std::byte> storage_;
};

// IEEE half and bfloat16 conversions, exact in the widening direction.
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
float bfloat16ToFloat(uint16_t b);
uint16_t floatToBfloat16(float f);

}  // namespace shardc::ir
