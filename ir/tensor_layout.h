// How one tensor is spread over a device mesh: for each tensor dim, the mesh axes that split it (outermost
// first); the mesh axes along which ranks hold partial sums still to be added; every other mesh axis
// replicates. A layout answers which box of the global tensor each rank holds. The redistribution planner and
// the checkpoint resharder both use this one answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/device_mesh.h"
#include "ir/shape.h"

namespace shardc::ir {

// A box of a tensor: per dim, where it starts and how long it is.
struct Box {
  std::vector<int64_t> offset, extent;
  bool operator==(const Box& o) const { return offset == o.offset && extent == o.extent; }
  std::string str() const;  // "[0:784, 256:512]"
};

struct TensorLayout {
  Shape shape;  // global; dims may be unknown (kDynamicDim) when a strategy file does not say them
  DeviceMesh mesh;
  std::vector<std::vector<int>> dimAxes;  // one entry per tensor dim
  std::vector<int> partialAxes;           // sorted

  // Replicated on every rank.
  static TensorLayout replicated(Shape shape, DeviceMesh mesh);

  // Throws ir::Error naming `what` when an axis is out of range or used twice, or a known dim is not divisible by
  // its split.
  void validate(const std::string& what) const;
  int64_t splitFactor(size_t dim) const;
  // Global dims divided by their splits.
  Shape localShape() const;
  // Which of the splitFactor(dim) parts of `dim` rank holds.
  int64_t partIndex(int64_t rank, size_t dim) const;
  Box box(int64_t rank) const;
  // Mesh axes that neither split a dim nor hold partial sums: ranks along them hold identical data.
  std::vector<int> replicatedAxes() const;
  // The ranks holding exactly the same data as `rank` (itself included).
  std::vector<int64_t> replicaGroup(int64_t rank) const;
  // "[784,512] over [2,2,2]: (*, 1)" with " partial(0)" when some axes are partial.
  std::string str() const;
  bool operator==(const TensorLayout& o) const {
    return shape == o.shape && mesh == o.mesh && dimAxes == o.dimAxes && partialAxes == o.partialAxes;
  }
};

// The finest mesh of `devices` ranks of which every arrangement is a coarsening (MindSpore's unified device
// arrangement: the union of the arrangements' prefix products). Throws ir::Error when two arrangements cut the
// ranks incompatibly.
DeviceMesh refineMesh(int64_t devices, const std::vector<DeviceMesh>& arrangements);
// A layout over `arrangement` expressed over `mesh` (each arrangement axis becomes the mesh axes it covers).
TensorLayout onMesh(const TensorLayout& l, const DeviceMesh& mesh);

}  // namespace shardc::ir
