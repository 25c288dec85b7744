#include "ir/tensor_layout.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/error.h"

namespace shardc::ir {

std::string Box::str() const {
  std::vector<std::string> parts;
  for (size_t d = 0; d < offset.size(); ++d) parts.push_back(fmt::format("{}:{}", offset[d], offset[d] + extent[d]));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

TensorLayout TensorLayout::replicated(Shape shape, DeviceMesh mesh) {
  TensorLayout l;
  l.dimAxes.resize(shape.rank());
  l.shape = std::move(shape);
  l.mesh = std::move(mesh);
  return l;
}

void TensorLayout::validate(const std::string& what) const {
  if (dimAxes.size() != shape.rank())
    fail("{}: the layout maps {} dims, the tensor has {}", what, dimAxes.size(), shape.rank());
  for (int64_t s : mesh.shape)
    if (s <= 0) fail("{}: device matrix {} has a dimension that is not positive", what, mesh.str());
  std::vector<int> used(mesh.rank(), 0);
  auto use = [&](int a) {
    if (a < 0 || size_t(a) >= mesh.rank())
      fail("{}: mesh axis {} does not exist in device matrix {}", what, a, mesh.str());
    if (used[size_t(a)]++) fail("{}: mesh axis {} is used twice", what, a);
  };
  for (const auto& axes : dimAxes)
    for (int a : axes) use(a);
  for (int a : partialAxes) use(a);
  for (size_t d = 0; d < shape.rank(); ++d) {
    int64_t f = splitFactor(d);
    if (shape.dims[d] >= 0 && shape.dims[d] % f != 0)
      fail("{}: dimension {} of size {} does not divide into {} parts", what, d, shape.dims[d], f);
  }
}

int64_t TensorLayout::splitFactor(size_t dim) const {
  int64_t f = 1;
  for (int a : dimAxes[dim]) f *= mesh.shape[size_t(a)];
  return f;
}

Shape TensorLayout::localShape() const {
  Shape s = shape;
  for (size_t d = 0; d < s.rank(); ++d)
    if (s.dims[d] >= 0) s.dims[d] /= splitFactor(d);
  return s;
}

int64_t TensorLayout::partIndex(int64_t rank, size_t dim) const {
  std::vector<int64_t> c = mesh.coordinate(rank);
  int64_t idx = 0;
  for (int a : dimAxes[dim]) idx = idx * mesh.shape[size_t(a)] + c[size_t(a)];
  return idx;
}

Box TensorLayout::box(int64_t rank) const {
  Box b;
  Shape local = localShape();
  for (size_t d = 0; d < shape.rank(); ++d) {
    b.extent.push_back(local.dims[d]);
    b.offset.push_back(partIndex(rank, d) * local.dims[d]);
  }
  return b;
}

std::vector<int> TensorLayout::replicatedAxes() const {
  std::vector<bool> used(mesh.rank(), false);
  for (const auto& axes : dimAxes)
    for (int a : axes) used[size_t(a)] = true;
  for (int a : partialAxes) used[size_t(a)] = true;
  std::vector<int> out;
  for (size_t a = 0; a < used.size(); ++a)
    if (!used[a]) out.push_back(int(a));
  return out;
}

std::vector<int64_t> TensorLayout::replicaGroup(int64_t rank) const { return mesh.groupAlong(rank, replicatedAxes()); }

std::string TensorLayout::str() const {
  std::vector<std::string> dims;
  for (const auto& axes : dimAxes) dims.push_back(axes.empty() ? "*" : fmt::format("{}", fmt::join(axes, ".")));
  std::string s = fmt::format("{} over {}: ({})", shape.str(), mesh.str(), fmt::join(dims, ", "));
  if (!partialAxes.empty()) s += fmt::format(" partial({})", fmt::join(partialAxes, ","));
  return s;
}

}  // namespace shardc::ir
