// Conv and the pools as direct loop nests: for every output element, a loop over its window, reads outside the
// input masked (the index clamped to 0 so no load leaves the buffer). Accumulation is in double, as the reference
// interpreter does. f32 convolutions without groups whose columns fit go through im2col and the GEMM instead
// (conv_gemm_kernel.cpp).
#include "codegen/kernels.h"
#include "codegen/window_index.h"
#include "ir/error.h"

namespace shardc::codegen {

void emitConv(LoopBuilder& lb, const KernelArgs& a) {
  if (emitConvAsGemm(lb, a)) return;
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& X = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& W = a.graph.value(a.op.operands[1]).type;
  const ir::TensorType& Y = a.graph.value(a.op.results[0]).type;
  std::vector<int64_t> xs = spatial(X.shape), ks = spatial(W.shape), os = spatial(Y.shape);
  ir::Window w = ir::windowOf(a.op, ks);
  int64_t C = X.shape.dims[1], M = W.shape.dims[0], group = a.op.attrs.getInt("group", 1);
  int64_t cg = C / group, mg = M / group, xBlock = product(xs), kBlock = product(ks);
  bool hasBias = a.op.operands.size() > 2 && !a.op.attrs.getInt("bias_elsewhere", 0);
  llvm::Type* accTy = b.getDoubleTy();
  llvm::AllocaInst* acc = lb.slot(accTy);
  lb.loopNest(Y.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* n = ivs[0];
    llvm::Value* m = ivs[1];
    std::vector<llvm::Value*> out(ivs.begin() + 2, ivs.end());
    llvm::Value* init = hasBias ? b.CreateFPExt(lb.load(Y.dtype, a.operands[2], m), accTy) : llvm::ConstantFP::get(accTy, 0.0);
    b.CreateStore(init, acc);
    llvm::Value* g = b.CreateUDiv(m, lb.i64(mg));
    lb.loop(cg, [&](llvm::Value* c) {
      llvm::Value* xBase = b.CreateMul(b.CreateAdd(b.CreateMul(n, lb.i64(C)), b.CreateAdd(b.CreateMul(g, lb.i64(cg)), c)), lb.i64(xBlock));
      llvm::Value* wBase = b.CreateMul(b.CreateAdd(b.CreateMul(m, lb.i64(cg)), c), lb.i64(kBlock));
      lb.loopNest(ks, [&](const std::vector<llvm::Value*>& k) {
        WindowIndex at = windowIndex(lb, w, xs, out, k);
        llvm::Value* xv = b.CreateFPExt(lb.load(X.dtype, a.operands[0], b.CreateAdd(xBase, at.offset)), accTy);
        llvm::Value* wv = b.CreateFPExt(lb.load(W.dtype, a.operands[1], b.CreateAdd(wBase, lb.linearIndex(k, ir::Shape(ks).strides()))), accTy);
        llvm::Value* prod = b.CreateSelect(at.inside, b.CreateFMul(xv, wv), llvm::ConstantFP::get(accTy, 0.0));
        b.CreateStore(b.CreateFAdd(b.CreateLoad(accTy, acc), prod), acc);
      });
    });
    llvm::Value* r = b.CreateFPTrunc(b.CreateLoad(accTy, acc), lb.elementType(Y.dtype));
    lb.store(Y.dtype, r, a.results[0], lb.linearIndex(ivs, Y.shape.strides()));
  });
}

// Gather form: output position o takes input position i where o = i * stride - pad + k * dilation.
void emitConvTranspose(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& X = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& W = a.graph.value(a.op.operands[1]).type;
  const ir::TensorType& Y = a.graph.value(a.op.results[0]).type;
  std::vector<int64_t> xs = spatial(X.shape), ks = spatial(W.shape);
  ir::Window w = ir::windowOf(a.op, ks);
  int64_t C = X.shape.dims[1], M = Y.shape.dims[1], group = a.op.attrs.getInt("group", 1);
  int64_t cg = C / group, mg = M / group, xBlock = product(xs), kBlock = product(ks);
  llvm::Type* accTy = b.getDoubleTy();
  llvm::AllocaInst* acc = lb.slot(accTy);
  lb.loopNest(Y.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* n = ivs[0];
    llvm::Value* m = ivs[1];
    llvm::Value* init = a.op.operands.size() > 2 ? b.CreateFPExt(lb.load(Y.dtype, a.operands[2], m), accTy)
                                                 : llvm::ConstantFP::get(accTy, 0.0);
    b.CreateStore(init, acc);
    llvm::Value* g = b.CreateUDiv(m, lb.i64(mg));
    llvm::Value* mm = b.CreateURem(m, lb.i64(mg));
    lb.loop(cg, [&](llvm::Value* c) {
      llvm::Value* ch = b.CreateAdd(b.CreateMul(g, lb.i64(cg)), c);
      llvm::Value* xBase = b.CreateMul(b.CreateAdd(b.CreateMul(n, lb.i64(C)), ch), lb.i64(xBlock));
      llvm::Value* wBase = b.CreateMul(b.CreateAdd(b.CreateMul(ch, lb.i64(mg)), mm), lb.i64(kBlock));
      lb.loopNest(ks, [&](const std::vector<llvm::Value*>& k) {
        llvm::Value* inside = b.getTrue();
        llvm::Value* offset = lb.i64(0);
        for (size_t d = 0; d < xs.size(); ++d) {
          llvm::Value* t = b.CreateSub(b.CreateAdd(ivs[d + 2], lb.i64(w.padBegin[d])), b.CreateMul(k[d], lb.i64(w.dilations[d])));
          llvm::Value* nonNeg = b.CreateICmpSGE(t, lb.i64(0));
          llvm::Value* safeT = b.CreateSelect(nonNeg, t, lb.i64(0));
          llvm::Value* i = b.CreateUDiv(safeT, lb.i64(w.strides[d]));
          llvm::Value* exact = b.CreateICmpEQ(b.CreateURem(safeT, lb.i64(w.strides[d])), lb.i64(0));
          inside = b.CreateAnd(inside, b.CreateAnd(nonNeg, b.CreateAnd(exact, b.CreateICmpSLT(i, lb.i64(xs[d])))));
          offset = b.CreateAdd(b.CreateMul(offset, lb.i64(xs[d])), i);
        }
        offset = b.CreateSelect(inside, offset, lb.i64(0));
        llvm::Value* xv = b.CreateFPExt(lb.load(X.dtype, a.operands[0], b.CreateAdd(xBase, offset)), accTy);
        llvm::Value* wv = b.CreateFPExt(lb.load(W.dtype, a.operands[1], b.CreateAdd(wBase, lb.linearIndex(k, ir::Shape(ks).strides()))), accTy);
        llvm::Value* prod = b.CreateSelect(inside, b.CreateFMul(xv, wv), llvm::ConstantFP::get(accTy, 0.0));
        b.CreateStore(b.CreateFAdd(b.CreateLoad(accTy, acc), prod), acc);
      });
    });
    llvm::Value* r = b.CreateFPTrunc(b.CreateLoad(accTy, acc), lb.elementType(Y.dtype));
    lb.store(Y.dtype, r, a.results[0], lb.linearIndex(ivs, Y.shape.strides()));
  });
}

void emitPool(LoopBuilder& lb, const KernelArgs& a) {
  if (emitVectorPool(lb, a)) return;
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& X = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& Y = a.graph.value(a.op.results[0]).type;
  std::vector<int64_t> xs = spatial(X.shape);
  ir::Window w = ir::windowOf(a.op, a.op.attrs.getInts("kernel_shape"));
  bool isMax = a.op.kind == ir::OpKind::MaxPool, includePad = a.op.attrs.getInt("count_include_pad", 0) != 0;
  bool fp = ir::isFloat(X.dtype), isSigned = ir::isSignedInt(X.dtype);
  if (!isMax && !fp) ir::unsupported("AveragePool of {} is not supported by code generation", ir::dtypeName(X.dtype));
  llvm::Type* accTy = fp ? b.getDoubleTy() : lb.elementType(X.dtype);
  llvm::AllocaInst* acc = lb.slot(accTy);
  llvm::AllocaInst* count = lb.slot(b.getInt64Ty());
  int64_t xBlock = product(xs);
  lb.loopNest(Y.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* plane = b.CreateAdd(b.CreateMul(ivs[0], lb.i64(X.shape.dims[1])), ivs[1]);
    llvm::Value* base = b.CreateMul(plane, lb.i64(xBlock));
    std::vector<llvm::Value*> out(ivs.begin() + 2, ivs.end());
    llvm::Value* init;
    if (!isMax) init = llvm::ConstantFP::get(accTy, 0.0);
    else if (fp) init = llvm::ConstantFP::getInfinity(accTy, true);
    else {
      unsigned bits = unsigned(ir::dtypeSize(X.dtype) * 8);
      init = llvm::ConstantInt::get(accTy, isSigned ? llvm::APInt::getSignedMinValue(bits) : llvm::APInt(bits, 0));
    }
    b.CreateStore(init, acc);
    b.CreateStore(lb.i64(0), count);
    lb.loopNest(w.kernel, [&](const std::vector<llvm::Value*>& k) {
      WindowIndex at = windowIndex(lb, w, xs, out, k);
      llvm::Value* x = lb.load(X.dtype, a.operands[0], b.CreateAdd(base, at.offset));
      if (fp) x = b.CreateFPExt(x, accTy);
      llvm::Value* cur = b.CreateLoad(accTy, acc);
      llvm::Value* next;
      if (isMax) {
        llvm::Value* better = fp ? b.CreateOr(b.CreateFCmpOGT(x, cur), b.CreateFCmpUNO(x, x))
                                 : (isSigned ? b.CreateICmpSGT(x, cur) : b.CreateICmpUGT(x, cur));
        next = b.CreateSelect(b.CreateAnd(at.inside, better), x, cur);
      } else {
        next = b.CreateSelect(at.inside, b.CreateFAdd(cur, x), cur);
      }
      b.CreateStore(next, acc);
      llvm::Value* counted = includePad ? at.padded : at.inside;
      b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), count), b.CreateZExt(counted, b.getInt64Ty())), count);
    });
    llvm::Value* r = b.CreateLoad(accTy, acc);
    if (!isMax) r = b.CreateFDiv(r, b.CreateSIToFP(b.CreateLoad(b.getInt64Ty(), count), accTy));
    if (fp) r = b.CreateFPTrunc(r, lb.elementType(Y.dtype));
    lb.store(Y.dtype, r, a.results[0], lb.linearIndex(ivs, Y.shape.strides()));
  });
}

}  // namespace shardc::codegen
