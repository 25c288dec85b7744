// f32 MaxPool and AveragePool a vector of output positions along the last spatial dim at a time: each window
// element along that dim is one (strided) load from an input row with static lane masks; the window's other dims
// are unrolled too, a row outside the input read from row 0 and discarded. Max takes a NaN over anything, as the
// direct loop does; the average sums in double in window order and divides by the count the direct loop would,
// so both give the reference interpreter's bits.
#include "codegen/kernels.h"
#include "codegen/window_index.h"

namespace shardc::codegen {

bool emitVectorPool(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& X = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& Y = a.graph.value(a.op.results[0]).type;
  if (X.dtype != ir::DType::f32 || X.shape.rank() < 3) return false;
  llvm::IRBuilder<>& b = lb.builder();
  std::vector<int64_t> xs = spatial(X.shape), os = spatial(Y.shape);
  ir::Window w = ir::windowOf(a.op, a.op.attrs.getInts("kernel_shape"));
  if (w.strides.back() > 4) return false;
  bool isMax = a.op.kind == ir::OpKind::MaxPool, includePad = a.op.attrs.getInt("count_include_pad", 0) != 0;
  int64_t lanes = lb.vectorBits() / 32, xBlock = product(xs), positions = product(os);
  int64_t inLast = xs.back(), outLast = os.back(), kLast = w.kernel.back();
  std::vector<int64_t> outerOut(os.begin(), os.end() - 1), outerKernel(w.kernel.begin(), w.kernel.end() - 1);
  llvm::Type* f32 = b.getFloatTy();
  auto* vec = llvm::FixedVectorType::get(f32, unsigned(lanes));
  auto* dvec = llvm::FixedVectorType::get(b.getDoubleTy(), unsigned(lanes));
  llvm::Constant* fill = isMax ? llvm::ConstantFP::getInfinity(f32, true) : llvm::ConstantFP::get(f32, 0.0);
  auto ones = [&](const std::vector<bool>& on) {
    std::vector<llvm::Constant*> v;
    for (bool x : on) v.push_back(llvm::ConstantFP::get(b.getDoubleTy(), x ? 1.0 : 0.0));
    return llvm::ConstantVector::get(v);
  };
  // Planes (image, channel) are the threads' work items.
  auto items = Y.shape.numElements() >= (1 << 14) ? &LoopBuilder::parallelItems : &LoopBuilder::loop;
  (lb.*items)(X.shape.dims[0] * X.shape.dims[1], [&](llvm::Value* plane) {
    llvm::Value* in = b.CreateInBoundsGEP(f32, a.operands[0], b.CreateMul(plane, lb.i64(xBlock)));
    llvm::Value* out = b.CreateInBoundsGEP(f32, a.results[0], b.CreateMul(plane, lb.i64(positions)));
    lb.loopNest(outerOut, [&](const std::vector<llvm::Value*>& outer) {
      llvm::Value* position = b.CreateMul(lb.linearIndex(outer, ir::Shape(outerOut).strides()), lb.i64(outLast));
      for (int64_t first = 0; first < outLast; first += lanes) {
        llvm::Value* acc = isMax ? static_cast<llvm::Value*>(llvm::ConstantVector::getSplat(
                                       llvm::ElementCount::getFixed(unsigned(lanes)), fill))
                                 : llvm::Constant::getNullValue(dvec);
        llvm::Value* count = llvm::Constant::getNullValue(dvec);
        for (int64_t ko = 0; ko < product(outerKernel); ++ko) {
          // The input row of outer window element ko, and whether it is inside the (padded) input.
          llvm::Value* inside = b.getTrue();
          llvm::Value* padded = b.getTrue();
          llvm::Value* rowIndex = lb.i64(0);
          for (size_t d = 0, rest = size_t(ko); d < outerKernel.size(); ++d) {
            int64_t stride = product(std::vector<int64_t>(outerKernel.begin() + int64_t(d) + 1, outerKernel.end()));
            int64_t k = int64_t(rest) / stride;
            rest %= size_t(stride);
            llvm::Value* at = b.CreateAdd(b.CreateMul(outer[d], lb.i64(w.strides[d])),
                                          lb.i64(k * w.dilations[d] - w.padBegin[d]));
            inside = b.CreateAnd(inside, b.CreateICmpULT(at, lb.i64(xs[d])));
            padded = b.CreateAnd(padded, b.CreateICmpSLT(at, lb.i64(xs[d] + w.padEnd[d])));
            rowIndex = b.CreateAdd(b.CreateMul(rowIndex, lb.i64(xs[d])), at);
          }
          llvm::Value* row = b.CreateInBoundsGEP(f32, in, b.CreateMul(b.CreateSelect(inside, rowIndex, lb.i64(0)),
                                                                      lb.i64(inLast)));
          for (int64_t k = 0; k < kLast; ++k) {
            RowWindow rw = rowWindow(lb, w, inLast, outLast, row, first, k, lanes, fill);
            llvm::Value* x = b.CreateSelect(inside, rw.value,
                                            llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(unsigned(lanes)), fill));
            if (isMax) {
              acc = b.CreateSelect(b.CreateOr(b.CreateFCmpOGT(x, acc), b.CreateFCmpUNO(x, x)), x, acc);
            } else {
              acc = b.CreateFAdd(acc, b.CreateFPExt(x, dvec));
              llvm::Value* counted = includePad ? b.CreateSelect(padded, ones(rw.padded), llvm::Constant::getNullValue(dvec))
                                                : b.CreateSelect(inside, ones(rw.inside), llvm::Constant::getNullValue(dvec));
              count = b.CreateFAdd(count, counted);
            }
          }
        }
        if (!isMax) acc = b.CreateFPTrunc(b.CreateFDiv(acc, count), vec);
        llvm::Value* ptr = b.CreateInBoundsGEP(f32, out, b.CreateAdd(position, lb.i64(first)));
        int64_t width = std::min(lanes, outLast - first);
        if (width == lanes) {
          b.CreateAlignedStore(acc, ptr, llvm::Align(4));
        } else {
          std::vector<llvm::Constant*> on;
          for (int64_t t = 0; t < lanes; ++t) on.push_back(b.getInt1(t < width));
          b.CreateMaskedStore(acc, ptr, llvm::Align(4), llvm::ConstantVector::get(on));
        }
      }
    });
  });
  return true;
}

}  // namespace shardc::codegen
