// f32 Conv as a GEMM: per image, the input windows are laid out as columns (im2col: row c·K + k, column the
// output position, zero where the window leaves the input), and the weights [M, C·K] times those columns
// [C·K, positions] is the output [M, positions], bias added as the blocked GEMM stores it. The columns live on the
// stack, so the path is taken only while they fit kColumnBudget; larger convolutions keep the direct loops.
#include "codegen/kernels.h"
#include "codegen/window_index.h"

namespace shardc::codegen {
namespace {
constexpr int64_t kColumnBudget = int64_t{4} << 20;  // bytes of im2col columns on the stack
}  // namespace

bool emitConvAsGemm(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& X = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& W = a.graph.value(a.op.operands[1]).type;
  const ir::TensorType& Y = a.graph.value(a.op.results[0]).type;
  if (Y.dtype != ir::DType::f32 || X.dtype != ir::DType::f32 || W.dtype != ir::DType::f32) return false;
  if (a.op.attrs.getInt("group", 1) != 1 || X.shape.rank() < 3) return false;
  std::vector<int64_t> xs = spatial(X.shape), ks = spatial(W.shape), os = spatial(Y.shape);
  int64_t N = X.shape.dims[0], C = X.shape.dims[1], M = W.shape.dims[0];
  int64_t kBlock = product(ks), positions = product(os), xBlock = product(xs), rows = C * kBlock;
  if (rows * positions * 4 > kColumnBudget) return false;
  ir::Window w = ir::windowOf(a.op, ks);
  bool hasBias = a.op.operands.size() > 2 && !a.op.attrs.getInt("bias_elsewhere", 0);
  llvm::IRBuilder<>& b = lb.builder();
  llvm::Type* f32 = b.getFloatTy();
  llvm::Value* columns = lb.slot(llvm::ArrayType::get(f32, uint64_t(rows * positions)));
  lb.loop(N, [&](llvm::Value* n) {
    // Row (c, k) of the columns: for every output position, the input element under window element k, or 0.
    lb.loop(C, [&](llvm::Value* c) {
      llvm::Value* xBase = b.CreateMul(b.CreateAdd(b.CreateMul(n, lb.i64(C)), c), lb.i64(xBlock));
      lb.loopNest(ks, [&](const std::vector<llvm::Value*>& k) {
        llvm::Value* row = b.CreateAdd(b.CreateMul(c, lb.i64(kBlock)), lb.linearIndex(k, ir::Shape(ks).strides()));
        llvm::Value* rowBase = b.CreateMul(row, lb.i64(positions));
        lb.loopNest(os, [&](const std::vector<llvm::Value*>& o) {
          WindowIndex at = windowIndex(lb, w, xs, o, k);
          llvm::Value* x = lb.load(ir::DType::f32, a.operands[0], b.CreateAdd(xBase, at.offset));
          llvm::Value* v = b.CreateSelect(at.inside, x, llvm::ConstantFP::get(f32, 0.0));
          lb.store(ir::DType::f32, v, columns, b.CreateAdd(rowBase, lb.linearIndex(o, ir::Shape(os).strides())));
        });
      });
    });
    llvm::Value* out = b.CreateInBoundsGEP(f32, a.results[0], b.CreateMul(n, lb.i64(M * positions)));
    emitGemmMatrices(lb, M, rows, positions, a.operands[1], columns, out, hasBias ? a.operands[2] : nullptr);
  });
  return true;
}

}  // namespace shardc::codegen
