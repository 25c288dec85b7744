// Transpose and Concat: moving elements, any element type (moved as bytes).
#include <cstring>

#include "ir/interpreter/kernels.h"

namespace shardc::ir::interp {

void transpose(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  std::vector<int64_t> perm = op.attrs.getInts("perm");
  if (!op.attrs.has("perm"))
    for (size_t d = s.rank(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  std::vector<int64_t> inStrides = s.strides(), strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) strides[d] = inStrides[size_t(perm[d])];
  const Shape& out = result.shape();
  size_t es = dtypeSize(result.dtype());
  std::vector<int64_t> src = stridedOffsets(out, strides);
  for (int64_t i = 0; i < out.numElements(); ++i)
    std::memcpy(result.bytes() + i * int64_t(es), in[0]->bytes() + src[size_t(i)] * int64_t(es), es);
}

void concat(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& out = result.shape();
  int64_t axis = op.attrs.getInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(out.rank());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(out.rank()); ++d) {
    if (d < axis) outer *= out.dims[size_t(d)];
    if (d > axis) inner *= out.dims[size_t(d)];
  }
  size_t es = dtypeSize(result.dtype());
  int64_t total = out.dims[size_t(axis)], offset = 0;
  for (const Tensor* t : in) {
    int64_t len = t->shape().dims[size_t(axis)];
    for (int64_t o = 0; o < outer; ++o)
      if (len != 0 && inner != 0)
        std::memcpy(result.bytes() + (o * total + offset) * inner * int64_t(es), t->bytes() + o * len * inner * int64_t(es),
                    size_t(len * inner) * es);
    offset += len;
  }
}

}  // namespace shardc::ir::interp
