// Ops that only move elements (Identity, Reshape, Flatten, Transpose, Concat): any element type, moved as bytes.
#include <cstring>

#include "ir/error.h"
#include "ir/interpreter/kernels.h"
#include "ir/interpreter/strided_walk.h"

namespace shardc::ir::interp {

void copyBytes(const Op&, const std::vector<const Tensor*>& in, Tensor& result) {
  if (in[0]->byteSize() != result.byteSize())
    fail("{} bytes do not fill a {} result", in[0]->byteSize(), result.type().str());
  if (result.byteSize() != 0) std::memcpy(result.bytes(), in[0]->bytes(), result.byteSize());
}

void transpose(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& s = in[0]->shape();
  std::vector<int64_t> perm = op.attrs.getInts("perm");
  if (!op.attrs.has("perm"))
    for (size_t d = s.rank(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  // Result dim d is input dim perm[d]: walking the result, step by that dim's input stride.
  Strides inStrides = s.strides(), strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) strides[d] = inStrides[static_cast<size_t>(perm[d])];
  const size_t es = dtypeSize(result.dtype());
  const std::byte* src = in[0]->bytes();
  std::byte* dst = result.bytes();
  walkStrided<1>(result.shape(), {strides}, [&](int64_t i, const std::array<int64_t, 1>& off) {
    std::memcpy(dst + static_cast<size_t>(i) * es, src + static_cast<size_t>(off[0]) * es, es);
  });
}

void concat(const Op& op, const std::vector<const Tensor*>& in, Tensor& result) {
  const Shape& out = result.shape();
  if (out.rank() == 0) fail("cannot concatenate 0-D tensors");
  const size_t axis = static_cast<size_t>(normaliseAxis(op.attrs.getInt("axis", 0), out.rank()));
  // The result as [outer, total, inner] with total = the axis; each operand fills [outer, its length, inner].
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < out.rank(); ++d) {
    if (d < axis) outer *= out.dims[d];
    if (d > axis) inner *= out.dims[d];
  }
  const int64_t es = static_cast<int64_t>(dtypeSize(result.dtype()));
  const int64_t total = out.dims[axis];
  int64_t offset = 0;
  for (const Tensor* t : in) {
    const int64_t len = t->shape().dims[axis];
    const int64_t chunk = len * inner * es;
    if (chunk != 0)
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(result.bytes() + (o * total + offset) * inner * es, t->bytes() + o * chunk, size_t(chunk));
    offset += len;
  }
}

}  // namespace shardc::ir::interp
