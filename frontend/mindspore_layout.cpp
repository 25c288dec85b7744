#include "frontend/mindspore_layout.h"

#include <algorithm>

#include <fmt/ranges.h>

#include "ir/error.h"

namespace shardc::frontend {

ir::TensorLayout layoutFromMindSpore(const MindSporeLayout& ms, const ir::Shape& shape, const std::string& what) {
  ir::TensorLayout l;
  l.mesh = ir::DeviceMesh(ms.devMatrix);
  l.shape = shape;
  if (l.shape.rank() == 0 && !ms.tensorMap.empty()) l.shape.dims.assign(ms.tensorMap.size(), ir::kDynamicDim);
  if (ms.tensorMap.size() != l.shape.rank())
    ir::fail("{}: tensor map has {} entries for a tensor of rank {}", what, ms.tensorMap.size(), l.shape.rank());
  int64_t n = static_cast<int64_t>(ms.devMatrix.size());
  for (int64_t d : ms.devMatrix)
    if (d <= 0) ir::fail("{}: device matrix [{}] has a dimension that is not positive", what, fmt::join(ms.devMatrix, ","));
  for (const auto& entry : ms.tensorMap) {
    std::vector<int> axes;
    for (int64_t j : entry) {
      if (j == -1) continue;
      if (j < -1 || j >= n)
        ir::fail("{}: tensor map value {} does not name a dimension of device matrix [{}]", what, j,
                 fmt::join(ms.devMatrix, ","));
      axes.push_back(static_cast<int>(n - 1 - j));
    }
    l.dimAxes.push_back(axes);
  }
  l.validate(what);
  return l;
}

MindSporeLayout layoutToMindSpore(const ir::TensorLayout& l) {
  // Standardise: drop mesh axes of size 1, renumbering the rest.
  std::vector<int> newIndex(l.mesh.rank(), -1);
  MindSporeLayout ms;
  for (size_t a = 0; a < l.mesh.rank(); ++a)
    if (l.mesh.shape[a] != 1) {
      newIndex[a] = static_cast<int>(ms.devMatrix.size());
      ms.devMatrix.push_back(l.mesh.shape[a]);
    }
  if (ms.devMatrix.empty()) ms.devMatrix = {1};
  int64_t n = static_cast<int64_t>(ms.devMatrix.size());
  for (const auto& axes : l.dimAxes) {
    std::vector<int64_t> entry;
    for (int a : axes)
      if (newIndex[size_t(a)] >= 0) entry.push_back(n - 1 - newIndex[size_t(a)]);
    if (entry.empty()) entry.push_back(-1);
    ms.tensorMap.push_back(entry);
  }
  return ms;
}

ir::TensorLayout withRepeatedCalculation(const ir::TensorLayout& layout, int64_t devices) {
  int64_t used = layout.mesh.numRanks();
  if (used <= 0 || devices % used != 0)
    ir::fail("a strategy over {} devices does not divide the {} devices of the stage", used, devices);
  if (used == devices) return layout;
  ir::TensorLayout l = layout;
  l.mesh.shape.push_back(devices / used);
  return l;
}

bool isNested(const MindSporeLayout& ms) {
  for (const auto& e : ms.tensorMap)
    if (e.size() > 1) return true;
  return false;
}

ir::TensorLayout withOptimizerShard(const ir::TensorLayout& l, int64_t step, int64_t size, const std::string& what) {
  int64_t n = l.mesh.numRanks(), splits = 1;
  for (size_t d = 0; d < l.shape.rank(); ++d) splits *= l.splitFactor(d);
  if (size == -1) size = n / splits;
  if (step <= 0) step = 1;
  if (size <= 0 || n % (step * size) != 0)
    ir::fail("{}: an optimizer shard of {} ranks {} apart does not fit {} ranks", what, size, step, n);
  if (l.shape.rank() == 0) ir::fail("{}: a scalar cannot be optimizer-sharded", what);
  ir::DeviceMesh mesh;
  try {
    mesh = ir::refineMesh(n, {l.mesh, ir::DeviceMesh({n / (step * size), size, step})});
  } catch (const ir::Error&) {
    ir::fail("{}: an optimizer shard of {} ranks {} apart cuts across the device matrix {}", what, size, step, l.mesh.str());
  }
  ir::TensorLayout out = ir::onMesh(l, mesh);
  // The mesh axes whose prefix products fall in (n / (step * size), n / step]: ranks `step` apart, `size` of them.
  std::vector<int> group;
  int64_t prefix = 1;
  for (size_t a = 0; a < mesh.rank(); ++a) {
    prefix *= mesh.shape[a];
    if (prefix > n / (step * size) && prefix <= n / step) group.push_back(int(a));
  }
  std::vector<int> used = out.partialAxes;
  for (const auto& axes : out.dimAxes) used.insert(used.end(), axes.begin(), axes.end());
  for (int a : group)
    if (std::find(used.begin(), used.end(), a) != used.end())
      ir::fail("{}: the optimizer shard group of {} ranks {} apart holds different slices, not repeats", what, size, step);
  out.dimAxes[0].insert(out.dimAxes[0].end(), group.begin(), group.end());
  out.validate(what);
  return out;
}

}  // namespace shardc::frontend
