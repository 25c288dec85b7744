// Fused elementwise kernels: one loop nest over the result, the group's expression evaluated per element.
#include <functional>

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include "codegen/kernels.h"
#include "codegen/vector_math.h"
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

// The constant v of type t, splat to x's vector width when x is a vector (a GEMM epilogue works on vectors).
llvm::Value* constantLike(LoopBuilder& lb, DType t, double v, llvm::Value* x) {
  llvm::Value* c = lb.constant(t, v);
  if (auto* vt = llvm::dyn_cast<llvm::VectorType>(x->getType())) return lb.builder().CreateVectorSplat(vt->getElementCount(), c);
  return c;
}

llvm::Value* intrinsic(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id, llvm::Value* x) {
  return b.CreateUnaryIntrinsic(id, x);
}

llvm::Value* unary(LoopBuilder& lb, OpKind kind, DType t, llvm::Value* x) {
  llvm::IRBuilder<>& b = lb.builder();
  bool fp = ir::isFloat(t);
  switch (kind) {
    case OpKind::Identity:
    case OpKind::Expand: return x;  // the broadcast is in the operand's load
    case OpKind::Neg: return fp ? b.CreateFNeg(x) : b.CreateNeg(x);
    case OpKind::Relu: {
      // NaN stays NaN (the compare is false), as in ONNX.
      llvm::Value* zero = constantLike(lb, t, 0, x);
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
    case OpKind::Exp: return t == DType::f32 ? emitExpF32(b, x) : intrinsic(b, llvm::Intrinsic::exp, x);
    case OpKind::Sqrt: return intrinsic(b, llvm::Intrinsic::sqrt, x);
    case OpKind::Tanh: return t == DType::f32 ? emitTanhF32(b, x) : callMath(b, "tanhf", "tanh", t, x);
    case OpKind::Log: return intrinsic(b, llvm::Intrinsic::log, x);
    case OpKind::Reciprocal: return b.CreateFDiv(constantLike(lb, t, 1, x), x);
    case OpKind::Erf: return t == DType::f32 ? emitErfF32(b, x) : callMath(b, "erff", "erf", t, x);
    case OpKind::Floor: return intrinsic(b, llvm::Intrinsic::floor, x);
    case OpKind::Ceil: return intrinsic(b, llvm::Intrinsic::ceil, x);
    case OpKind::Sigmoid: {
      llvm::Value* e = t == DType::f32 ? emitExpF32(b, b.CreateFNeg(x)) : intrinsic(b, llvm::Intrinsic::exp, b.CreateFNeg(x));
      return b.CreateFDiv(constantLike(lb, t, 1, x), b.CreateFAdd(constantLike(lb, t, 1, x), e));
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

// A bool as the element stores it (i8 0/1) from an i1.
llvm::Value* boolValue(llvm::IRBuilder<>& b, llvm::Value* bit) { return b.CreateZExt(bit, b.getInt8Ty()); }
llvm::Value* isTrue(llvm::IRBuilder<>& b, llvm::Value* byte) { return b.CreateICmpNE(byte, b.getInt8(0)); }

llvm::Value* comparison(LoopBuilder& lb, OpKind kind, DType t, llvm::Value* x, llvm::Value* y) {
  llvm::IRBuilder<>& b = lb.builder();
  using P = llvm::CmpInst::Predicate;
  P p;
  if (ir::isFloat(t)) {
    // Ordered predicates: a comparison with NaN is false.
    switch (kind) {
      case OpKind::Equal: p = P::FCMP_OEQ; break;
      case OpKind::Less: p = P::FCMP_OLT; break;
      case OpKind::Greater: p = P::FCMP_OGT; break;
      case OpKind::LessOrEqual: p = P::FCMP_OLE; break;
      default: p = P::FCMP_OGE; break;
    }
    return boolValue(b, b.CreateFCmp(p, x, y));
  }
  bool s = ir::isSignedInt(t);
  switch (kind) {
    case OpKind::Equal: p = P::ICMP_EQ; break;
    case OpKind::Less: p = s ? P::ICMP_SLT : P::ICMP_ULT; break;
    case OpKind::Greater: p = s ? P::ICMP_SGT : P::ICMP_UGT; break;
    case OpKind::LessOrEqual: p = s ? P::ICMP_SLE : P::ICMP_ULE; break;
    default: p = s ? P::ICMP_SGE : P::ICMP_UGE; break;
  }
  return boolValue(b, b.CreateICmp(p, x, y));
}

llvm::Value* logical(LoopBuilder& lb, OpKind kind, llvm::Value* x, llvm::Value* y) {
  llvm::IRBuilder<>& b = lb.builder();
  switch (kind) {
    case OpKind::Not: return b.CreateXor(x, b.getInt8(1));
    case OpKind::And: return b.CreateAnd(x, y);
    case OpKind::Or: return b.CreateOr(x, y);
    default: return b.CreateXor(x, y);
  }
}

// Cast: float to integer saturates (NaN gives 0), as the interpreter does; to bool is x != 0.
llvm::Value* cast(LoopBuilder& lb, DType from, DType to, llvm::Value* x) {
  llvm::IRBuilder<>& b = lb.builder();
  llvm::Type* ty = lb.elementType(to);
  if (from == to) return x;
  if (to == DType::boolean) {
    if (ir::isFloat(from)) return boolValue(b, b.CreateFCmpUNE(x, lb.constant(from, 0)));
    return boolValue(b, b.CreateICmpNE(x, lb.constant(from, 0)));
  }
  if (ir::isFloat(from)) {
    if (ir::isFloat(to)) return b.CreateFPCast(x, ty);
    auto id = ir::isSignedInt(to) ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat;
    return b.CreateIntrinsic(id, {ty, x->getType()}, {x});
  }
  bool signedFrom = ir::isSignedInt(from);  // bool widens as unsigned
  if (ir::isFloat(to)) return signedFrom ? b.CreateSIToFP(x, ty) : b.CreateUIToFP(x, ty);
  return b.CreateIntCast(x, ty, signedFrom);
}

// One element of `op` from its operands' elements.
llvm::Value* scalarOp(LoopBuilder& lb, const ir::Graph& g, const ir::Op& op, const std::vector<llvm::Value*>& args) {
  DType t = g.value(op.operands[0]).type.dtype;
  if (op.kind == OpKind::Where) return lb.builder().CreateSelect(isTrue(lb.builder(), args[0]), args[1], args[2]);
  if (op.kind == OpKind::Cast) return cast(lb, t, g.value(op.results[0]).type.dtype, args[0]);
  if (ir::isLogical(op.kind)) return logical(lb, op.kind, args[0], args.size() > 1 ? args[1] : nullptr);
  if (ir::isComparison(op.kind)) return comparison(lb, op.kind, t, args[0], args[1]);
  return args.size() == 1 ? unary(lb, op.kind, t, args[0]) : binary(lb, op.kind, t, args[0], args[1]);
}

}  // namespace

llvm::Value* groupValue(LoopBuilder& lb, const ir::Graph& g, const std::map<ir::ValueId, const ir::Op*>& producedBy,
                        ir::ValueId v, std::map<ir::ValueId, llvm::Value*>& known,
                        const std::function<llvm::Value*(ir::ValueId)>& load) {
  if (auto it = known.find(v); it != known.end()) return it->second;
  llvm::Value* x;
  if (auto p = producedBy.find(v); p != producedBy.end()) {
    std::vector<llvm::Value*> args;
    for (ir::ValueId o : p->second->operands) args.push_back(groupValue(lb, g, producedBy, o, known, load));
    x = scalarOp(lb, g, *p->second, args);
  } else {
    x = load(v);
  }
  return known[v] = x;
}

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

  auto element = [&](const std::vector<llvm::Value*>& ivs) {
    std::map<ir::ValueId, llvm::Value*> scalars;  // per element: each member's value, computed once
    auto load = [&](ir::ValueId v) {
      const ir::TensorType& vt = g.value(v).type;
      return lb.load(vt.dtype, external.at(v), lb.linearIndex(ivs, broadcastStrides(vt.shape, out)));
    };
    lb.store(outType.dtype, groupValue(lb, g, producedBy, root.results[0], scalars, load), result,
             lb.linearIndex(ivs, out.strides()));
  };
  // Large results are shared among the threads by their leading dims (enough of them for a few items each),
  // the rest a loop nest per item; the innermost dim always stays whole for the vectoriser.
  constexpr int64_t kParallelElements = 1 << 16, kItems = 8;
  size_t lead = 0;
  int64_t items = 1;
  if (out.numElements() >= kParallelElements)
    while (lead + 1 < out.rank() && items < kItems) items *= out.dims[lead++];
  if (items < 2) return lb.loopNest(out.dims, element);
  std::vector<int64_t> leading(out.dims.begin(), out.dims.begin() + int64_t(lead));
  std::vector<int64_t> rest(out.dims.begin() + int64_t(lead), out.dims.end());
  lb.parallelItems(items, [&](llvm::Value* item) {
    std::vector<llvm::Value*> ivs(lead);
    for (size_t d = lead; d-- > 0;) {
      ivs[d] = lb.builder().CreateURem(item, lb.i64(leading[d]));
      item = lb.builder().CreateUDiv(item, lb.i64(leading[d]));
    }
    lb.loopNest(rest, [&](const std::vector<llvm::Value*>& inner) {
      std::vector<llvm::Value*> all = ivs;
      all.insert(all.end(), inner.begin(), inner.end());
      element(all);
    });
  });
}

}  // namespace shardc::codegen
