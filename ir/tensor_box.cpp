#include "ir/tensor_box.h"

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

}  // namespace shardc::ir
