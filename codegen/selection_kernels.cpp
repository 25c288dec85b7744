// ArgMax/ArgMin, TopK, GatherElements and Pad. TopK needs no scratch: the j-th result is the best element ordered
// after the (j-1)-th in the total order (value, then lower index first), found by one pass per result.
#include "codegen/kernels.h"

namespace shardc::codegen {
namespace {

struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
};
Lines linesAround(const ir::Shape& s, int64_t axis) {
  Lines l;
  for (int64_t d = 0; d < int64_t(s.rank()); ++d) {
    if (d < axis) l.outer *= s.dims[size_t(d)];
    if (d > axis) l.inner *= s.dims[size_t(d)];
  }
  l.n = s.dims[size_t(axis)];
  return l;
}

int64_t axisOf(const ir::Op& op, size_t rank, int64_t dflt) {
  int64_t a = op.attrs.getInt("axis", dflt);
  return a < 0 ? a + int64_t(rank) : a;
}

// i1: does a come strictly before b when ordering for the largest (or smallest) first? NaN comes first.
llvm::Value* before(llvm::IRBuilder<>& b, ir::DType t, llvm::Value* x, llvm::Value* y, bool largest) {
  if (ir::isFloat(t)) {
    llvm::Value* nanFirst = b.CreateAnd(b.CreateFCmpUNO(x, x), b.CreateFCmpORD(y, y));
    return b.CreateOr(nanFirst, largest ? b.CreateFCmpOGT(x, y) : b.CreateFCmpOLT(x, y));
  }
  bool s = ir::isSignedInt(t);
  return largest ? (s ? b.CreateICmpSGT(x, y) : b.CreateICmpUGT(x, y)) : (s ? b.CreateICmpSLT(x, y) : b.CreateICmpULT(x, y));
}

}  // namespace

void emitArgExtreme(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  Lines l = linesAround(in.shape, axisOf(a.op, in.shape.rank(), 0));
  bool largest = a.op.kind == ir::OpKind::ArgMax, last = a.op.attrs.getInt("select_last_index", 0) != 0;
  if (l.n == 0) return;
  llvm::AllocaInst* best = lb.slot(b.getInt64Ty());
  llvm::AllocaInst* bestV = lb.slot(lb.elementType(in.dtype));
  lb.loopNest({l.outer, l.inner}, [&](const std::vector<llvm::Value*>& oi) {
    llvm::Value* base = b.CreateAdd(b.CreateMul(oi[0], lb.i64(l.n * l.inner)), oi[1]);
    b.CreateStore(lb.i64(0), best);
    b.CreateStore(lb.load(in.dtype, a.operands[0], base), bestV);
    lb.loop(l.n - 1, [&](llvm::Value* j0) {
      llvm::Value* j = b.CreateAdd(j0, lb.i64(1));
      llvm::Value* v = lb.load(in.dtype, a.operands[0], b.CreateAdd(base, b.CreateMul(j, lb.i64(l.inner))));
      llvm::Value* cur = b.CreateLoad(lb.elementType(in.dtype), bestV);
      llvm::Value* take = before(b, in.dtype, v, cur, largest);
      if (last) take = b.CreateOr(take, b.CreateNot(before(b, in.dtype, cur, v, largest)));
      b.CreateStore(b.CreateSelect(take, j, b.CreateLoad(b.getInt64Ty(), best)), best);
      b.CreateStore(b.CreateSelect(take, v, cur), bestV);
    });
    lb.store(ir::DType::i64, b.CreateLoad(b.getInt64Ty(), best), a.results[0],
             b.CreateAdd(b.CreateMul(oi[0], lb.i64(l.inner)), oi[1]));
  });
}

void emitTopK(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  Lines l = linesAround(in.shape, axisOf(a.op, in.shape.rank(), -1));
  int64_t k = a.op.attrs.getInt("k", 0);
  bool largest = a.op.attrs.getInt("largest", 1) != 0, values = a.op.attrs.getString("output", "values") == "values";
  llvm::Type* et = lb.elementType(in.dtype);
  llvm::AllocaInst* prev = lb.slot(b.getInt64Ty());  // -1 before the first result
  llvm::AllocaInst* best = lb.slot(b.getInt64Ty());  // -1 while none qualifies
  lb.loopNest({l.outer, l.inner}, [&](const std::vector<llvm::Value*>& oi) {
    llvm::Value* base = b.CreateAdd(b.CreateMul(oi[0], lb.i64(l.n * l.inner)), oi[1]);
    auto valueAt = [&](llvm::Value* j) {
      llvm::Value* safe = b.CreateSelect(b.CreateICmpSLT(j, lb.i64(0)), lb.i64(0), j);
      return lb.load(in.dtype, a.operands[0], b.CreateAdd(base, b.CreateMul(safe, lb.i64(l.inner))));
    };
    b.CreateStore(lb.i64(-1), prev);
    lb.loop(k, [&](llvm::Value* r) {
      b.CreateStore(lb.i64(-1), best);
      llvm::Value* p = b.CreateLoad(b.getInt64Ty(), prev);
      llvm::Value* pv = valueAt(p);
      lb.loop(l.n, [&](llvm::Value* e) {
        llvm::Value* ev = valueAt(e);
        // e comes after the previous result: ordered after it, or tied with a higher index.
        llvm::Value* tie = b.CreateAnd(b.CreateNot(before(b, in.dtype, pv, ev, largest)),
                                       b.CreateNot(before(b, in.dtype, ev, pv, largest)));
        llvm::Value* after = b.CreateOr(b.CreateICmpSLT(p, lb.i64(0)),
                                        b.CreateOr(before(b, in.dtype, pv, ev, largest), b.CreateAnd(tie, b.CreateICmpSGT(e, p))));
        llvm::Value* cur = b.CreateLoad(b.getInt64Ty(), best);
        llvm::Value* better = b.CreateOr(b.CreateICmpSLT(cur, lb.i64(0)), before(b, in.dtype, ev, valueAt(cur), largest));
        b.CreateStore(b.CreateSelect(b.CreateAnd(after, better), e, cur), best);
      });
      llvm::Value* chosen = b.CreateLoad(b.getInt64Ty(), best);
      b.CreateStore(chosen, prev);
      llvm::Value* dst = b.CreateAdd(b.CreateMul(oi[0], lb.i64(k * l.inner)), b.CreateAdd(b.CreateMul(r, lb.i64(l.inner)), oi[1]));
      if (values)
        lb.store(in.dtype, valueAt(chosen), a.results[0], dst);
      else
        lb.store(ir::DType::i64, chosen, a.results[0], dst);
    });
  });
  (void)et;
}

void emitGatherElements(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& data = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& idx = a.graph.value(a.op.operands[1]).type;
  int64_t axis = axisOf(a.op, data.shape.rank(), 0);
  std::vector<int64_t> ds = data.shape.strides(), walk = ds;
  walk[size_t(axis)] = 0;
  int64_t n = data.shape.dims[size_t(axis)];
  lb.loopNest(idx.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* at = lb.linearIndex(ivs, idx.shape.strides());
    llvm::Value* k = b.CreateSExt(lb.load(idx.dtype, a.operands[1], at), b.getInt64Ty());
    k = b.CreateSelect(b.CreateICmpSLT(k, lb.i64(0)), b.CreateAdd(k, lb.i64(n)), k);
    // Out-of-range indices read element 0 of the line rather than outside the buffer.
    k = b.CreateSelect(b.CreateAnd(b.CreateICmpSGE(k, lb.i64(0)), b.CreateICmpSLT(k, lb.i64(n))), k, lb.i64(0));
    llvm::Value* src = b.CreateAdd(lb.linearIndex(ivs, walk), b.CreateMul(k, lb.i64(ds[size_t(axis)])));
    lb.store(data.dtype, lb.load(data.dtype, a.operands[0], src), a.results[0], at);
  });
}

void emitPad(LoopBuilder& lb, const KernelArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& in = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& out = a.graph.value(a.op.results[0]).type;
  std::vector<int64_t> pads = a.op.attrs.getInts("pads"), own = in.shape.strides();
  std::string mode = a.op.attrs.getString("mode", "constant");
  size_t r = in.shape.rank();
  llvm::Value* fill = lb.constant(out.dtype, a.op.attrs.getFloat("value", 0.0));
  lb.loopNest(out.shape.dims, [&](const std::vector<llvm::Value*>& ivs) {
    llvm::Value* src = lb.i64(0);
    llvm::Value* outside = b.getFalse();
    for (size_t d = 0; d < r; ++d) {
      int64_t dim = in.shape.dims[d];
      llvm::Value* p = b.CreateSub(ivs[d], lb.i64(pads[d]));
      llvm::Value* below = b.CreateICmpSLT(p, lb.i64(0));
      llvm::Value* above = b.CreateICmpSGE(p, lb.i64(dim));
      if (mode == "constant") {
        outside = b.CreateOr(outside, b.CreateOr(below, above));
        p = b.CreateSelect(b.CreateOr(below, above), lb.i64(0), p);
      } else if (mode == "edge") {
        p = b.CreateSelect(below, lb.i64(0), b.CreateSelect(above, lb.i64(dim - 1), p));
      } else if (mode == "wrap") {
        p = b.CreateSRem(b.CreateAdd(b.CreateSRem(p, lb.i64(dim)), lb.i64(dim)), lb.i64(dim));
      } else if (dim == 1) {
        p = lb.i64(0);
      } else {  // reflect
        int64_t period = 2 * (dim - 1);
        llvm::Value* m = b.CreateSRem(b.CreateAdd(b.CreateSRem(p, lb.i64(period)), lb.i64(period)), lb.i64(period));
        p = b.CreateSelect(b.CreateICmpSGE(m, lb.i64(dim)), b.CreateSub(lb.i64(period), m), m);
      }
      src = b.CreateAdd(src, b.CreateMul(p, lb.i64(own[d])));
    }
    llvm::Value* v = in.shape.numElements() > 0 ? lb.load(in.dtype, a.operands[0], src) : fill;
    lb.store(out.dtype, b.CreateSelect(outside, fill, v), a.results[0], lb.linearIndex(ivs, out.shape.strides()));
  });
}

}  // namespace shardc::codegen
