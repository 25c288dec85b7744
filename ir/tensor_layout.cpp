#include "ir/tensor_layout.h"

#include <algorithm>
#include <set>

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

namespace {

// Prefix products of an arrangement, skipping its 1s.
std::vector<int64_t> prefixProducts(const DeviceMesh& m) {
  std::vector<int64_t> out;
  int64_t p = 1;
  for (int64_t d : m.shape)
    if (d > 1) out.push_back(p *= d);
  return out;
}

}  // namespace

DeviceMesh refineMesh(int64_t devices, const std::vector<DeviceMesh>& arrangements) {
  std::set<int64_t> cuts{devices};
  for (const auto& a : arrangements) {
    if (a.numRanks() != devices) fail("an arrangement of {} ranks in a job of {}", a.numRanks(), devices);
    for (int64_t p : prefixProducts(a)) cuts.insert(p);
  }
  std::vector<int64_t> dims;
  int64_t prev = 1;
  for (int64_t c : cuts) {
    if (c == 1) continue;
    if (c % prev != 0)
      fail("the strategies arrange the {} ranks in incompatible ways (prefix {} does not divide by {})", devices, c, prev);
    dims.push_back(c / prev);
    prev = c;
  }
  if (dims.empty()) dims.push_back(1);
  return DeviceMesh(dims);
}

TensorLayout onMesh(const TensorLayout& l, const DeviceMesh& mesh) {
  // For each arrangement axis, the mesh axes whose prefix products fall in its range.
  std::vector<int64_t> meshPrefix;
  int64_t p = 1;
  for (int64_t d : mesh.shape) meshPrefix.push_back(p *= d);
  std::vector<std::vector<int>> cover(l.mesh.rank());
  int64_t lo = 1;
  for (size_t a = 0; a < l.mesh.rank(); ++a) {
    int64_t hi = lo * l.mesh.shape[a];
    for (size_t m = 0; m < mesh.rank(); ++m)
      if (meshPrefix[m] > lo && meshPrefix[m] <= hi) cover[a].push_back(int(m));
    lo = hi;
  }
  TensorLayout out = TensorLayout::replicated(l.shape, mesh);
  for (size_t d = 0; d < l.dimAxes.size(); ++d)
    for (int a : l.dimAxes[d]) out.dimAxes[d].insert(out.dimAxes[d].end(), cover[size_t(a)].begin(), cover[size_t(a)].end());
  for (int a : l.partialAxes) out.partialAxes.insert(out.partialAxes.end(), cover[size_t(a)].begin(), cover[size_t(a)].end());
  std::sort(out.partialAxes.begin(), out.partialAxes.end());
  out.validate("layout");
  return out;
}

}  // namespace shardc::ir
