// The device matrix of a job: ranks laid out row-major over named-by-index axes (axis 0 varies slowest).
// Rank <-> coordinate is this one pair of functions, used everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shardc::ir {

struct DeviceMesh {
  std::vector<int64_t> shape;  // e.g. [2, 4]: 8 ranks

  DeviceMesh() = default;
  explicit DeviceMesh(std::vector<int64_t> s) : shape(std::move(s)) {}

  size_t rank() const { return shape.size(); }
  int64_t numRanks() const;
  std::vector<int64_t> coordinate(int64_t rank) const;
  int64_t rankAt(const std::vector<int64_t>& coordinate) const;
  // The ranks that differ from `rank` only along `axes` (in increasing order): a collective's group.
  std::vector<int64_t> groupAlong(int64_t rank, const std::vector<int>& axes) const;
  std::string str() const;  // "[2,4]"
  bool operator==(const DeviceMesh& o) const { return shape == o.shape; }
};

}  // namespace shardc::ir
