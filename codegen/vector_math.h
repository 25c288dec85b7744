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

}  // namespace shardc::codegen
