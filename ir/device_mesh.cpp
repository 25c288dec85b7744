#include "ir/device_mesh.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace shardc::ir {

int64_t DeviceMesh::numRanks() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::vector<int64_t> DeviceMesh::coordinate(int64_t r) const {
  std::vector<int64_t> c(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    c[i] = r % shape[i];
    r /= shape[i];
  }
  return c;
}

int64_t DeviceMesh::rankAt(const std::vector<int64_t>& c) const {
  int64_t r = 0;
  for (size_t i = 0; i < shape.size(); ++i) r = r * shape[i] + c[i];
  return r;
}

std::vector<int64_t> DeviceMesh::groupAlong(int64_t r, const std::vector<int>& axes) const {
  std::vector<int64_t> base = coordinate(r), group;
  int64_t count = 1;
  for (int a : axes) count *= shape[size_t(a)];
  for (int64_t k = 0; k < count; ++k) {
    std::vector<int64_t> c = base;
    int64_t rest = k;
    for (size_t i = axes.size(); i-- > 0;) {
      c[size_t(axes[i])] = rest % shape[size_t(axes[i])];
      rest /= shape[size_t(axes[i])];
    }
    group.push_back(rankAt(c));
  }
  std::sort(group.begin(), group.end());
  return group;
}

std::string DeviceMesh::str() const { return fmt::format("[{}]", fmt::join(shape, ",")); }

}  // namespace shardc::ir
