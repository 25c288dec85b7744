// MatMul with numpy semantics: broadcast batch dims, 1-D operands promoted. f32 matrices go to the blocked kernel
// (gemm_kernel.cpp); the rest use the loop order i, k, j, which keeps the innermost loop contiguous in B and C so
// LLVM vectorises it.
#include "codegen/kernels.h"

namespace shardc::codegen {

void emitMatMul(LoopBuilder& lb, const KernelArgs& a) {
  if (emitBlockedMatMul(lb, a)) return;
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& ta = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& tb = a.graph.value(a.op.operands[1]).type;
  const ir::TensorType& tc = a.graph.value(a.op.results[0]).type;
  ir::DType t = tc.dtype;
  ir::Shape sa = ta.shape, sb = tb.shape;
  if (sa.rank() == 1) sa = ir::Shape({1, sa.dims[0]});
  if (sb.rank() == 1) sb = ir::Shape({sb.dims[0], 1});
  int64_t m = sa.dims[sa.rank() - 2], k = sa.dims[sa.rank() - 1], n = sb.dims[sb.rank() - 1];
  ir::Shape batchA(std::vector<int64_t>(sa.dims.begin(), sa.dims.end() - 2));
  ir::Shape batchB(std::vector<int64_t>(sb.dims.begin(), sb.dims.end() - 2));
  ir::Shape batch;
  ir::broadcastShapes(batchA, batchB, batch);
  // Batch strides in elements of whole matrices.
  std::vector<int64_t> strideA = broadcastStrides(batchA, batch), strideB = broadcastStrides(batchB, batch);
  for (auto& s : strideA) s *= m * k;
  for (auto& s : strideB) s *= k * n;
  std::vector<int64_t> strideC = batch.strides();
  for (auto& s : strideC) s *= m * n;
  bool fp = ir::isFloat(t);

  lb.loopNest(batch.dims, [&](const std::vector<llvm::Value*>& bivs) {
    llvm::Value* offA = lb.linearIndex(bivs, strideA);
    llvm::Value* offB = lb.linearIndex(bivs, strideB);
    llvm::Value* offC = lb.linearIndex(bivs, strideC);
    lb.loop(m, [&](llvm::Value* i) {
      llvm::Value* rowC = b.CreateAdd(offC, b.CreateMul(i, lb.i64(n)));
      lb.loop(n, [&](llvm::Value* j) { lb.store(t, lb.constant(t, 0), a.results[0], b.CreateAdd(rowC, j)); });
      lb.loop(k, [&](llvm::Value* kk) {
        llvm::Value* av = lb.load(t, a.operands[0], b.CreateAdd(offA, b.CreateAdd(b.CreateMul(i, lb.i64(k)), kk)));
        llvm::Value* rowB = b.CreateAdd(offB, b.CreateMul(kk, lb.i64(n)));
        lb.loop(n, [&](llvm::Value* j) {
          llvm::Value* bv = lb.load(t, a.operands[1], b.CreateAdd(rowB, j));
          llvm::Value* cIdx = b.CreateAdd(rowC, j);
          llvm::Value* cv = lb.load(t, a.results[0], cIdx);
          llvm::Value* sum = fp ? b.CreateFAdd(cv, b.CreateFMul(av, bv)) : b.CreateAdd(cv, b.CreateMul(av, bv));
          lb.store(t, sum, a.results[0], cIdx);
        });
      });
    });
  });
}

}  // namespace shardc::codegen
