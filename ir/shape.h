// Tensor shapes: static extents, with named or anonymous dynamic dimensions until a --shape fixes them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shardc::ir {

inline constexpr int64_t kDynamicDim = -1;

struct Shape {
  std::vector<int64_t> dims;
  // Names of dynamic dims as the model gives them ("batch", "N"), same length as dims or empty.
  std::vector<std::string> dimNames;

  Shape() = default;
  Shape(std::vector<int64_t> d) : dims(std::move(d)) {}
  Shape(std::initializer_list<int64_t> d) : dims(d) {}

  size_t rank() const { return dims.size(); }
  bool isStatic() const;
  // Product of the dims; 1 for a scalar. Only meaningful when isStatic().
  int64_t numElements() const;
  // Row-major strides in elements.
  std::vector<int64_t> strides() const;
  // "[1,784]"; dynamic dims print as their name or "?".
  std::string str() const;
  // "1x784", as --shape takes it.
  std::string xstr() const;
  bool operator==(const Shape& o) const { return dims == o.dims; }
};

// numpy broadcasting of two static shapes; returns false when they do not broadcast.
bool broadcastShapes(const Shape& a, const Shape& b, Shape& out);

}  // namespace shardc::ir
