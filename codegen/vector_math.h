// f32 math for scalars and vectors as straight-line IR (no libm call, so a vector stays a vector and a GEMM
// epilogue can apply it).
//
// exp: Cody–Waite
// range reduction to r in [-ln2/2, ln2/2], a degree-5 minimax polynomial (Cephes' expf), and 2^n built in the
// exponent bits of two factors. Within 2 ulp of the correctly rounded result wherever that is a normal float,
// subnormal results to within a few of their units, +inf and 0 where exp overflows and underflows, NaN kept.
#pragma once

#include <llvm/IR/IRBuilder.h>

namespace shardc::codegen {

llvm::Value* emitExpF32(llvm::IRBuilder<>& b, llvm::Value* x);

// tanh (Cephes' tanhf): an odd polynomial below |x| = 0.625, 1 - 2/(exp(2|x|) + 1) with x's sign above, ±1 from
// |x| = 44 on; NaN kept.
llvm::Value* emitTanhF32(llvm::IRBuilder<>& b, llvm::Value* x);

// erf: below |x| = 0.75 its Taylor series to x^15 (truncation under 2e-8 relative), above it Abramowitz–Stegun
// 7.1.26 (1 - t·P(t)·e^(-x²), t = 1/(1 + 0.3275911|x|): absolute error 1.5e-7, 3e-7 with f32 rounding) with
// x's sign; NaN kept.
llvm::Value* emitErfF32(llvm::IRBuilder<>& b, llvm::Value* x);

}  // namespace shardc::codegen
