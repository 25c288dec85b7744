// Transpose, Concat and plain copies.
#include "codegen/kernels.h"

namespace shardc::codegen {

void emitTranspose(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& out = a.graph.value(a.op.results[0]).type;
  std::vector<int64_t> perm = a.op.attrs.getInts("perm");
  if (perm.empty())
    for (size_t d = in.shape.rank(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  std::vector<int64_t> inStrides = in.shape.strides(), strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) strides[d] = inStrides[static_cast<size_t>(perm[d])];
  lb.loopNest(out.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* x = lb.load(in.dtype, a.operands[0], lb.linearIndex(ivs, strides));
    lb.store(out.dtype, x, a.results[0], lb.linearIndex(ivs, out.shape.strides()));
  });
}

void emitConcat(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& out = a.graph.value(a.op.results[0]).type;
  int64_t axis = a.op.attrs.getInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(out.shape.rank());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(out.shape.rank()); ++d) {
    if (d < axis) outer *= out.shape.dims[static_cast<size_t>(d)];
    if (d > axis) inner *= out.shape.dims[static_cast<size_t>(d)];
  }
  int64_t total = out.shape.dims[static_cast<size_t>(axis)];
  int64_t offset = 0;
  for (size_t i = 0; i < a.op.operands.size(); ++i) {
    int64_t len = a.graph.value(a.op.operands[i]).type.shape.dims[static_cast<size_t>(axis)];
    int64_t chunk = len * inner;
    lb.loop(outer, [&](llvm::Value* o) {
      llvm::Value* src = b.CreateMul(o, lb.i64(chunk));
      llvm::Value* dst = b.CreateAdd(b.CreateMul(o, lb.i64(total * inner)), lb.i64(offset * inner));
      lb.loop(chunk, [&](llvm::Value* j) {
        lb.store(out.dtype, lb.load(out.dtype, a.operands[i], b.CreateAdd(src, j)), a.results[0], b.CreateAdd(dst, j));
      });
    });
    offset += len;
  }
}

void emitCopy(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& out = a.graph.value(a.op.results[0]).type;
  int64_t bytes = out.shape.numElements() * static_cast<int64_t>(ir::dtypeSize(out.dtype));
  if (bytes == 0) return;
  lb.builder().CreateMemCpy(a.results[0], llvm::MaybeAlign(1), a.operands[0], llvm::MaybeAlign(1), lb.i64(bytes));
}

}  // namespace shardc::codegen
