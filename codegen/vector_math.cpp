#include "codegen/vector_math.h"

#include <llvm/IR/Intrinsics.h>

namespace shardc::codegen {

llvm::Value* emitExpF32(llvm::IRBuilder<>& b, llvm::Value* x) {
  llvm::Type* ft = x->getType();
  llvm::Type* it = ft->isVectorTy() ? llvm::VectorType::get(b.getInt32Ty(), llvm::cast<llvm::VectorType>(ft)->getElementCount())
                                    : static_cast<llvm::Type*>(b.getInt32Ty());
  auto c = [&](double v) { return llvm::ConstantFP::get(ft, v); };
  auto ci = [&](int v) { return llvm::ConstantInt::get(it, uint64_t(int64_t(v))); };
  // Above kHi exp overflows to +inf; below kLo it is under half the smallest subnormal, 0.
  constexpr double kHi = 88.72283935546875, kLo = -103.97207708;
  llvm::Value* isNan = b.CreateFCmpUNO(x, x);
  // The arithmetic runs on a number: NaN becomes 0 there (a NaN reaching the integer conversion would be poison).
  llvm::Value* v = b.CreateSelect(isNan, c(0), x);
  v = b.CreateSelect(b.CreateFCmpOGT(v, c(kHi)), c(kHi), v);
  v = b.CreateSelect(b.CreateFCmpOLT(v, c(kLo)), c(kLo), v);
  llvm::Value* n = b.CreateUnaryIntrinsic(llvm::Intrinsic::rint, b.CreateFMul(v, c(1.44269504088896341)));
  // r = v - n·ln2, ln2 split in two so the first product is exact.
  llvm::Value* r = b.CreateFSub(v, b.CreateFMul(n, c(0.693359375)));
  r = b.CreateFSub(r, b.CreateFMul(n, c(-2.12194440e-4)));
  llvm::Value* p = c(1.9875691500e-4);
  for (double k : {1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1})
    p = b.CreateFAdd(b.CreateFMul(p, r), c(k));
  llvm::Value* y = b.CreateFAdd(b.CreateFAdd(b.CreateFMul(p, b.CreateFMul(r, r)), r), c(1.0));
  // 2^n as 2^h · 2^(n-h), h = n/2: both factors are normal floats for n in [-150, 128], so the largest results
  // and the subnormal ones come out right (one power of two alone covers only [-126, 127]).
  llvm::Value* ni = b.CreateFPToSI(n, it);
  llvm::Value* h = b.CreateAShr(ni, ci(1));
  auto pow2 = [&](llvm::Value* e) { return b.CreateBitCast(b.CreateShl(b.CreateAdd(e, ci(127)), ci(23)), ft); };
  llvm::Value* result = b.CreateFMul(b.CreateFMul(y, pow2(h)), pow2(b.CreateSub(ni, h)));
  result = b.CreateSelect(b.CreateFCmpOGT(x, c(kHi)), llvm::ConstantFP::getInfinity(ft), result);
  result = b.CreateSelect(b.CreateFCmpOLT(x, c(kLo)), c(0), result);
  return b.CreateSelect(isNan, x, result);
}

llvm::Value* emitTanhF32(llvm::IRBuilder<>& b, llvm::Value* x) {
  llvm::Type* ft = x->getType();
  auto c = [&](double v) { return llvm::ConstantFP::get(ft, v); };
  llvm::Value* z = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  // Large: 1 - 2 / (e^2z + 1), z capped where the result is 1 in f32 anyway (and e^2z stays finite).
  llvm::Value* capped = b.CreateSelect(b.CreateFCmpOGT(z, c(44.0)), c(44.0), z);
  llvm::Value* e = emitExpF32(b, b.CreateFAdd(capped, capped));
  llvm::Value* large = b.CreateFSub(c(1.0), b.CreateFDiv(c(2.0), b.CreateFAdd(e, c(1.0))));
  large = b.CreateSelect(b.CreateFCmpOLT(x, c(0.0)), b.CreateFNeg(large), large);
  // Small: x + x^3 P(x^2).
  llvm::Value* x2 = b.CreateFMul(x, x);
  llvm::Value* p = c(-5.70498872745e-3);
  for (double k : {2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1})
    p = b.CreateFAdd(b.CreateFMul(p, x2), c(k));
  llvm::Value* small = b.CreateFAdd(b.CreateFMul(b.CreateFMul(p, x2), x), x);
  // NaN: z > 0.625 is false, so the small branch, which keeps it.
  return b.CreateSelect(b.CreateFCmpOGT(z, c(0.625)), large, small);
}

llvm::Value* emitErfF32(llvm::IRBuilder<>& b, llvm::Value* x) {
  llvm::Type* ft = x->getType();
  auto c = [&](double v) { return llvm::ConstantFP::get(ft, v); };
  llvm::Value* z = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  llvm::Value* x2 = b.CreateFMul(x, x);
  // Small: (2/sqrt(pi)) x sum_n (-x^2)^n / (n! (2n + 1)), n up to 7.
  llvm::Value* s = c(-1.0 / 75600);
  for (double k : {1.0 / 9360, -1.0 / 1320, 1.0 / 216, -1.0 / 42, 1.0 / 10, -1.0 / 3, 1.0})
    s = b.CreateFAdd(b.CreateFMul(s, x2), c(k));
  llvm::Value* small = b.CreateFMul(b.CreateFMul(s, x), c(1.1283791670955126));
  // Large: 1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^(-x^2), capped at |x| = 10 (erf is 1 in f32 long before).
  llvm::Value* capped = b.CreateSelect(b.CreateFCmpOGT(z, c(10.0)), c(10.0), z);
  llvm::Value* t = b.CreateFDiv(c(1.0), b.CreateFAdd(c(1.0), b.CreateFMul(capped, c(0.3275911))));
  llvm::Value* p = c(1.061405429);
  for (double k : {-1.453152027, 1.421413741, -0.284496736, 0.254829592}) p = b.CreateFAdd(b.CreateFMul(p, t), c(k));
  llvm::Value* e = emitExpF32(b, b.CreateFNeg(b.CreateFMul(capped, capped)));
  llvm::Value* large = b.CreateFSub(c(1.0), b.CreateFMul(b.CreateFMul(t, p), e));
  large = b.CreateSelect(b.CreateFCmpOLT(x, c(0.0)), b.CreateFNeg(large), large);
  // NaN: z >= 0.75 is false, so the small branch, which keeps it.
  return b.CreateSelect(b.CreateFCmpOGE(z, c(0.75)), large, small);
}

}  // namespace shardc::codegen
