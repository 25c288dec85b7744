// Fused elementwise kernels: one loop nest over the result, the group's expression evaluated per element.
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include "codegen/kernels.h"
#include "ir/error.h"

namespace shardc::codegen {
namespace {
using ir::DType;
using ir::OpKind;

llvm::Value* callMath(llvm::IRBuilder<>& b, const char* f32Name, const char* f64Name, DType t, llvm::Value* x) {
  llvm::Module* m = b.GetInsertBlock()->getModule();
  llvm::Type* ty = x->getType();
  llvm::FunctionCallee fn = m->getOrInsertFunction(t == DType::f64 ? f64Name : f32Name, ty, ty);
  return b.CreateCall(fn, {x});
}

llvm::Value* intrinsic(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id, llvm::Value* x) {
  return b.CreateUnaryIntrinsic(id, x);
}

llvm::Value* unary(LoopBuilder& lb, OpKind kind, DType t, llvm::Value* x) {
  llvm::IRBuilder<>& b = lb.builder();
  bool fp = ir::isFloat(t);
  switch (kind) {
    case OpKind::Identity: return x;
    case OpKind::Neg: return fp ? b.CreateFNeg(x) : b.CreateNeg(x);
    case OpKind::Relu: {
      // NaN stays NaN (the compare is false), as in ONNX.
      llvm::Value* zero = lb.constant(t, 0);
      llvm::Value* neg = fp ? b.CreateFCmpOLT(x, zero)
                            : (ir::isSignedInt(t) ? b.CreateICmpSLT(x, zero) : b.getFalse());
      return b.CreateSelect(neg, zero, x);
    }
    case OpKind::Abs:
      if (fp) return intrinsic(b, llvm::Intrinsic::fabs, x);
      if (ir::isSignedInt(t)) return b.CreateSelect(b.CreateICmpSLT(x, lb.constant(t, 0)), b.CreateNeg(x), x);
      return x;
    default: break;
  }
  if (!fp) ir::unsupported("{} on element type {} is not supported by code generation", ir::opKindName(kind), ir::dtypeName(t));
  switch (kind) {
    case OpKind::Exp: return intrinsic(b, llvm::Intrinsic::exp, x);
    case OpKind::Sqrt: return intrinsic(b, llvm::Intrinsic::sqrt, x);
    case OpKind::Tanh: return callMath(b, "tanhf", "tanh", t, x);
    case OpKind::Log: return intrinsic(b, llvm::Intrinsic::log, x);
    case OpKind::Reciprocal: return b.CreateFDiv(lb.constant(t, 1), x);
    case OpKind::Erf: return callMath(b, "erff", "erf", t, x);
    case OpKind::Floor: return intrinsic(b, llvm::Intrinsic::floor, x);
    case OpKind::Ceil: return intrinsic(b, llvm::Intrinsic::ceil, x);
    case OpKind::Sigmoid: {
      llvm::Value* e = intrinsic(b, llvm::Intrinsic::exp, b.CreateFNeg(x));
      return b.CreateFDiv(lb.constant(t, 1), b.CreateFAdd(lb.constant(t, 1), e));
    }
    default: break;
  }
  ir::unsupported("{} is not an elementwise op", ir::opKindName(kind));
}

llvm::Value* binary(LoopBuilder& lb, OpKind kind, DType t, llvm::Value* x, llvm::Value* y) {
  llvm::IRBuilder<>& b = lb.builder();
  if (ir::isFloat(t)) {
    switch (kind) {
      case OpKind::Add: return b.CreateFAdd(x, y);
      case OpKind::Sub: return b.CreateFSub(x, y);
      case OpKind::Mul: return b.CreateFMul(x, y);
      case OpKind::Div: return b.CreateFDiv(x, y);
      case OpKind::Pow: return b.CreateBinaryIntrinsic(llvm::Intrinsic::pow, x, y);
      // NaN wins: x when it is NaN or strictly beyond y; otherwise y, NaN or not.
      case OpKind::Max: return b.CreateSelect(b.CreateOr(b.CreateFCmpOGT(x, y), b.CreateFCmpUNO(x, x)), x, y);
      case OpKind::Min: return b.CreateSelect(b.CreateOr(b.CreateFCmpOLT(x, y), b.CreateFCmpUNO(x, x)), x, y);
      default: break;
    }
  } else if (t == DType::boolean) {
    ir::unsupported("{} on bool is not supported by code generation", ir::opKindName(kind));
  } else {
    switch (kind) {
      case OpKind::Add: return b.CreateAdd(x, y);
      case OpKind::Sub: return b.CreateSub(x, y);
      case OpKind::Mul: return b.CreateMul(x, y);
      case OpKind::Div: {
        // Integer division by zero is undefined in ONNX; give 0 rather than trap.
        llvm::Value* zero = lb.constant(t, 0);
        llvm::Value* isZero = b.CreateICmpEQ(y, zero);
        llvm::Value* safe = b.CreateSelect(isZero, lb.constant(t, 1), y);
        llvm::Value* q = ir::isSignedInt(t) ? b.CreateSDiv(x, safe) : b.CreateUDiv(x, safe);
        return b.CreateSelect(isZero, zero, q);
      }
      case OpKind::Max:
        return b.CreateSelect(ir::isSignedInt(t) ? b.CreateICmpSGT(x, y) : b.CreateICmpUGT(x, y), x, y);
      case OpKind::Min:
        return b.CreateSelect(ir::isSignedInt(t) ? b.CreateICmpSLT(x, y) : b.CreateICmpULT(x, y), x, y);
      default: break;
    }
  }
  ir::unsupported("{} is not a binary elementwise op", ir::opKindName(kind));
}

}  // namespace

std::vector<int64_t> broadcastStrides(const ir::Shape& shape, const ir::Shape& out) {
  std::vector<int64_t> strides(out.rank(), 0);
  std::vector<int64_t> own = shape.strides();
  size_t offset = out.rank() - shape.rank();
  for (size_t d = 0; d < shape.rank(); ++d)
    strides[d + offset] = (shape.dims[d] == 1 && out.dims[d + offset] != 1) ? 0 : own[d];
  return strides;
}

void emitElementwiseGroup(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                          const std::map<ir::ValueId, llvm::Value*>& external, llvm::Value* result) {
  const ir::Op& root = *members.back();
  const ir::TensorType& outType = g.value(root.results[0]).type;
  const ir::Shape& out = outType.shape;
  std::map<ir::ValueId, const ir::Op*> producedBy;
  for (const ir::Op* m : members) producedBy[m->results[0]] = m;

  lb.loopNest(out.dims, [&](const std::vector<llvm::Value*>& ivs) {
    std::map<ir::ValueId, llvm::Value*> scalars;  // per element: each member's value, computed once
    std::function<llvm::Value*(ir::ValueId)> valueOf = [&](ir::ValueId v) -> llvm::Value* {
      if (auto it = scalars.find(v); it != scalars.end()) return it->second;
      llvm::Value* s;
      if (auto p = producedBy.find(v); p != producedBy.end()) {
        const ir::Op& op = *p->second;
        DType t = g.value(op.operands[0]).type.dtype;
        s = op.operands.size() == 1 ? unary(lb, op.kind, t, valueOf(op.operands[0]))
                                    : binary(lb, op.kind, t, valueOf(op.operands[0]), valueOf(op.operands[1]));
      } else {
        const ir::TensorType& vt = g.value(v).type;
        s = lb.load(vt.dtype, external.at(v), lb.linearIndex(ivs, broadcastStrides(vt.shape, out)));
      }
      scalars[v] = s;
      return s;
    };
    lb.store(outType.dtype, valueOf(root.results[0]), result, lb.linearIndex(ivs, out.strides()));
  });
}

}  // namespace shardc::codegen
