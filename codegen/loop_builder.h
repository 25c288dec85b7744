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
  // for (iv = begin; iv < end; ++iv) body(iv), bounds known at run time.
  void loopRange(llvm::Value* begin, llvm::Value* end, const std::function<void(llvm::Value*)>& body);
  // if (cond) then() else otherwise(); the insertion point ends after both.
  void branch(llvm::Value* cond, const std::function<void()>& then, const std::function<void()>& otherwise);

  // A kernel run by several threads is called once per part (part of parts, i64 values): setPartition hands them
  // to the builder, and parallelItems(count, body) runs body(item) for this part's share of the items, as one
  // contiguous range. Without a partition it is a plain loop. A kernel has at most one such loop, and code outside
  // it runs in every part, so it must not write memory. partitioned() says whether the kernel used it.
  void setPartition(llvm::Value* part, llvm::Value* parts) { part_ = part, parts_ = parts; }
  void parallelItems(int64_t count, const std::function<void(llvm::Value*)>& body);
  bool partitioned() const { return partitioned_; }

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
  llvm::Value *part_ = nullptr, *parts_ = nullptr;
  bool partitioned_ = false, insideItems_ = false;
};

}  // namespace shardc::codegen
