// Slice and Gather: loops over the result, each element read from where index arithmetic puts it.
#include "codegen/kernels.h"

namespace shardc::codegen {

void emitSlice(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& out = a.graph.value(a.op.results[0]).type;
  std::vector<int64_t> starts = a.op.attrs.getInts("starts"), steps = a.op.attrs.getInts("steps");
  std::vector<int64_t> own = in.shape.strides(), strides(own.size());
  int64_t base = 0;
  for (size_t d = 0; d < own.size(); ++d) {
    base += starts[d] * own[d];
    strides[d] = steps[d] * own[d];
  }
  llvm::IRBuilder<>& b = lb.builder();
  lb.loopNest(out.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* src = b.CreateAdd(lb.i64(base), lb.linearIndex(ivs, strides));
    lb.store(out.dtype, lb.load(in.dtype, a.operands[0], src), a.results[0], lb.linearIndex(ivs, out.shape.strides()));
  });
}

void emitGather(LoopBuilder& lb, const KernelArgs& a, llvm::Value* blockStart, int64_t globalDim) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& data = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& idx = a.graph.value(a.op.operands[1]).type;
  const ir::TensorType& out = a.graph.value(a.op.results[0]).type;
  int64_t axis = a.op.attrs.getInt("axis", 0);
  if (axis < 0) axis += int64_t(data.shape.rank());
  int64_t outer = 1, inner = 1, local = data.shape.dims[size_t(axis)];
  for (size_t d = 0; d < data.shape.rank(); ++d) {
    if (int64_t(d) < axis) outer *= data.shape.dims[d];
    if (int64_t(d) > axis) inner *= data.shape.dims[d];
  }
  int64_t n = idx.shape.numElements();
  llvm::Value* zero = lb.constant(out.dtype, 0);
  lb.loop(n, [&](llvm::Value* j) {
    llvm::Value* k = b.CreateSExt(lb.load(idx.dtype, a.operands[1], j), b.getInt64Ty());
    k = b.CreateSelect(b.CreateICmpSLT(k, lb.i64(0)), b.CreateAdd(k, lb.i64(globalDim)), k);
    // The index within this rank's block; outside it (another rank's rows, or out of range) the result is 0.
    llvm::Value* row = b.CreateSub(k, blockStart);
    llvm::Value* inside = b.CreateAnd(b.CreateICmpSGE(row, lb.i64(0)), b.CreateICmpSLT(row, lb.i64(local)));
    llvm::Value* safeRow = b.CreateSelect(inside, row, lb.i64(0));
    lb.loop(outer, [&](llvm::Value* o) {
      llvm::Value* src = b.CreateMul(b.CreateAdd(b.CreateMul(o, lb.i64(local)), safeRow), lb.i64(inner));
      llvm::Value* dst = b.CreateMul(b.CreateAdd(b.CreateMul(o, lb.i64(n)), j), lb.i64(inner));
      lb.loop(inner, [&](llvm::Value* i) {
        llvm::Value* v = local > 0 ? lb.load(data.dtype, a.operands[0], b.CreateAdd(src, i)) : zero;
        lb.store(out.dtype, b.CreateSelect(inside, v, zero), a.results[0], b.CreateAdd(dst, i));
      });
    });
  });
}

}  // namespace shardc::codegen
