// Box algebra: cutting a box out of a tensor (a rank's slice of a parameter), intersecting boxes, covering one
// box with the distinct boxes a layout's ranks hold, and the contiguous runs in which one box's part of another is
// copied. Redistribution checks and the checkpoint resharder share it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "ir/tensor.h"
#include "ir/tensor_layout.h"

namespace shardc::ir {

// The elements of `t` inside `box`, as a tensor of the box's extent (any element type; bytes are copied).
Tensor extractBox(const Tensor& t, const Box& box);

int64_t boxVolume(const Box& b);
// The common part of two boxes of the same rank, or nothing when they do not overlap (or one is empty).
std::optional<Box> intersect(const Box& a, const Box& b);

// Where one piece of a target box comes from: the source (an index into the boxes given) and the common box.
struct BoxPiece {
  size_t source;
  Box box;
};
// The pieces that assemble `target` from `sources`, taking each distinct source box once (its first holder: ranks
// with the same box hold the same data). Throws ir::Error when the distinct sources overlap or leave part of the
// target uncovered.
std::vector<BoxPiece> coverBox(const Box& target, const std::vector<Box>& sources);

// A run of elements contiguous in both the source box and the destination box, as element offsets within each
// (row-major over the box's extent).
struct BoxRun {
  int64_t srcOffset, dstOffset, count;
};
// Calls f for each maximal run copying `region` (inside both) from a buffer laid out as `src` into one laid out as
// `dst`, in row-major order of the region.
void forEachBoxRun(const Box& region, const Box& src, const Box& dst, const std::function<void(const BoxRun&)>& f);

}  // namespace shardc::ir
