// Expand, Slice and Gather: elements picked by index arithmetic, moved as bytes.
#include <cstring>

#include "ir/error.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {

void expand(const Op&, const std::vector<const Tensor*>& in, Tensor& result) {
  const size_t es = dtypeSize(result.dtype());
  const std::byte* src = in[0]->bytes();
  std::byte* dst = result.bytes();
  walkStrided<1>(result.shape(), {broadcastStrides(in[0]->shape(), result.shape())},
                 [&](int64_t i, const std::array<int64_t, 1>& off) {
                   std::memcpy(dst + size_t(i) * es, src + size_t(off[0]) * es, es);
                 });
}

void slice(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  std::vector<int64_t> starts = op.attrs.getInts("starts"), steps = op.attrs.getInts("steps");
  Strides own = s.strides(), strides(s.rank());
  int64_t base = 0;
  for (size_t d = 0; d < s.rank(); ++d) {
    base += starts[d] * own[d];
    strides[d] = steps[d] * own[d];
  }
  const size_t es = dtypeSize(result.dtype());
  const std::byte* src = in[0]->bytes();
  std::byte* dst = result.bytes();
  walkStrided<1>(result.shape(), {strides}, [&](int64_t i, const std::array<int64_t, 1>& off) {
    std::memcpy(dst + size_t(i) * es, src + size_t(base + off[0]) * es, es);
  });
}

void gather(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  const Tensor& idx = *in[1];
  size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", 0), s.rank()));
  int64_t outer = 1, inner = 1, dim = s.dims[axis];
  for (size_t d = 0; d < s.rank(); ++d) {
    if (d < axis) outer *= s.dims[d];
    if (d > axis) inner *= s.dims[d];
  }
  const int64_t n = idx.numElements();
  const size_t block = size_t(inner) * dtypeSize(result.dtype());
  for (int64_t j = 0; j < n; ++j) {
    int64_t k = idx.elementAsInt(j);
    if (k < -dim || k >= dim) fail("index {} (element {} of the indices) is out of range for a dim of {}", k, j, dim);
    if (k < 0) k += dim;
    for (int64_t o = 0; o < outer; ++o)
      if (block)
        std::memcpy(result.bytes() + size_t(o * n + j) * block, in[0]->bytes() + size_t(o * dim + k) * block, block);
  }
}

}  // namespace shardc::ir::interp
