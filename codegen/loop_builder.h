// A small loop-nest builder over LLVM IR: every kernel is written as loops over static extents, so LLVM sees
// constant trip counts and strides and vectorises the innermost loop.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <llvm/IR/IRBuilder.h>

#include "ir/dtype.h"

namespace shardc::codegen {

class LoopBuilder {
 public:
  LoopBuilder(llvm::IRBuilder<>& b, llvm::Function* f) : b_(b), f_(f) {}

  llvm::IRBuilder<>& builder() { return b_; }
  // The target's widest vector registers (bits): kernels that block for registers size their tiles by it.
  int vectorBits() const { return vectorBits_; }
  void setVectorBits(int bits) { vectorBits_ = bits; }
  llvm::Value* i64(int64_t v) { return b_.getInt64(static_cast<uint64_t>(v)); }

  // for (iv = 0; iv < extent; ++iv) body(iv); the insertion point ends after the loop.
  void loop(int64_t extent, const std::function<void(llvm::Value*)>& body);
  // Nested loops over every index of `extents` (outermost first); body gets one induction value per dim.
  void loopNest(const std::vector<int64_t>& extents, const std::function<void(const std::vector<llvm::Value*>&)>& body);
  // sum(ivs[d] * strides[d]) (strides of 0 skipped: broadcast dims).
  llvm::Value* linearIndex(const std::vector<llvm::Value*>& ivs, const std::vector<int64_t>& strides);

  // An accumulator slot in the function's entry block (promoted to a register by mem2reg).
  llvm::AllocaInst* slot(llvm::Type* t);

  llvm::Type* elementType(ir::DType t);
  llvm::Value* load(ir::DType t, llvm::Value* base, llvm::Value* index);
  void store(ir::DType t, llvm::Value* v, llvm::Value* base, llvm::Value* index);
  llvm::Value* constant(ir::DType t, double v);

 private:
  llvm::IRBuilder<>& b_;
  llvm::Function* f_;
  int vectorBits_ = 128;
};

}  // namespace shardc::codegen
