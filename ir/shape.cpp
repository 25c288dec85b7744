#include "ir/shape.h"

#include <algorithm>

#include <fmt/format.h>

namespace shardc::ir {

bool Shape::isStatic() const {
  return std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d >= 0; });
}

int64_t Shape::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> Shape::strides() const {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

std::string Shape::str() const {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ',';
    if (dims[i] >= 0)
      out += std::to_string(dims[i]);
    else if (i < dimNames.size() && !dimNames[i].empty())
      out += dimNames[i];
    else
      out += '?';
  }
  return out + "]";
}

std::string Shape::xstr() const {
  if (dims.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += 'x';
    out += dims[i] >= 0 ? std::to_string(dims[i]) : std::string("?");
  }
  return out;
}

bool broadcastShapes(const Shape& a, const Shape& b, Shape& out) {
  size_t r = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
    int64_t db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
    if (da == db || db == 1)
      dims[i] = da;
    else if (da == 1)
      dims[i] = db;
    else
      return false;
  }
  out = Shape(std::move(dims));
  return true;
}

}  // namespace shardc::ir
