#include "ir/tensor_box.h"

#include <algorithm>
#include <cstring>

#include "ir/error.h"

namespace shardc::ir {

Tensor extractBox(const Tensor& t, const Box& box) {
  const Shape& s = t.shape();
  if (box.offset.size() != s.rank()) fail("a box of rank {} for a tensor of shape {}", box.offset.size(), s.str());
  for (size_t d = 0; d < s.rank(); ++d)
    if (box.offset[d] < 0 || box.extent[d] < 0 || box.offset[d] + box.extent[d] > s.dims[d])
      fail("box {} lies outside a tensor of shape {}", box.str(), s.str());
  Tensor out(t.dtype(), Shape(box.extent));
  if (out.numElements() == 0) return out;
  size_t es = dtypeSize(t.dtype());
  // Copy contiguous runs along the last dim.
  size_t rank = s.rank();
  if (rank == 0) {
    std::memcpy(out.bytes(), t.bytes(), es);
    return out;
  }
  std::vector<int64_t> strides = s.strides();
  int64_t run = box.extent[rank - 1];
  int64_t rows = out.numElements() / run;
  std::vector<int64_t> pos(rank - 1, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t src = box.offset[rank - 1];
    for (size_t d = 0; d + 1 < rank; ++d) src += (box.offset[d] + pos[d]) * strides[d];
    std::memcpy(out.bytes() + r * run * int64_t(es), t.bytes() + src * int64_t(es), size_t(run) * es);
    for (size_t d = rank - 1; d-- > 0;) {
      if (++pos[d] < box.extent[d]) break;
      pos[d] = 0;
    }
  }
  return out;
}

int64_t boxVolume(const Box& b) {
  int64_t v = 1;
  for (int64_t e : b.extent) v *= e;
  return v;
}

std::optional<Box> intersect(const Box& a, const Box& b) {
  if (a.offset.size() != b.offset.size()) fail("intersecting boxes of ranks {} and {}", a.offset.size(), b.offset.size());
  Box r;
  for (size_t d = 0; d < a.offset.size(); ++d) {
    int64_t lo = std::max(a.offset[d], b.offset[d]);
    int64_t hi = std::min(a.offset[d] + a.extent[d], b.offset[d] + b.extent[d]);
    if (hi <= lo) return std::nullopt;
    r.offset.push_back(lo);
    r.extent.push_back(hi - lo);
  }
  return r;
}

std::vector<BoxPiece> coverBox(const Box& target, const std::vector<Box>& sources) {
  std::vector<BoxPiece> pieces;
  std::vector<Box> taken;
  int64_t covered = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (std::find(taken.begin(), taken.end(), sources[i]) != taken.end()) continue;
    for (const Box& t : taken)
      if (intersect(t, sources[i]))
        fail("source boxes {} and {} overlap without being equal", t.str(), sources[i].str());
    taken.push_back(sources[i]);
    if (auto common = intersect(target, sources[i])) {
      covered += boxVolume(*common);
      pieces.push_back({i, *common});
    }
  }
  if (covered != boxVolume(target)) fail("the source boxes cover {} of the {} elements of {}", covered, boxVolume(target), target.str());
  return pieces;
}

void forEachBoxRun(const Box& region, const Box& src, const Box& dst, const std::function<void(const BoxRun&)>& f) {
  size_t rank = region.offset.size();
  if (boxVolume(region) == 0) return;
  if (rank == 0) {
    f({0, 0, 1});
    return;
  }
  std::vector<int64_t> srcStrides = Shape(src.extent).strides(), dstStrides = Shape(dst.extent).strides();
  // Trailing dims the region spans whole in both boxes merge into one run with the dim before them.
  size_t inner = rank - 1;
  int64_t run = region.extent[inner];
  while (inner > 0 && region.extent[inner] == src.extent[inner] && region.extent[inner] == dst.extent[inner]) {
    --inner;
    run *= region.extent[inner];
  }
  std::vector<int64_t> pos(inner, 0);
  while (true) {
    int64_t s = 0, d = 0;
    for (size_t k = 0; k <= inner; ++k) {
      int64_t i = region.offset[k] + (k < inner ? pos[k] : 0);
      s += (i - src.offset[k]) * srcStrides[k];
      d += (i - dst.offset[k]) * dstStrides[k];
    }
    f({s, d, run});
    size_t k = inner;
    while (k > 0) {
      --k;
      if (++pos[k] < region.extent[k]) break;
      pos[k] = 0;
      if (k == 0) return;
    }
    if (inner == 0) return;
  }
}

}  // namespace shardc::ir
