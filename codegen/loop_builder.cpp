#include "codegen/loop_builder.h"

#include "ir/error.h"

namespace shardc::codegen {

void LoopBuilder::loop(int64_t extent, const std::function<void(llvm::Value*)>& body) {
  if (extent <= 0) return;
  llvm::LLVMContext& ctx = b_.getContext();
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx, "loop", f_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx, "loop.end", f_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(b_.getInt64Ty(), 2, "i");
  iv->addIncoming(i64(0), pre);
  body(iv);
  llvm::Value* next = b_.CreateAdd(iv, i64(1), "i.next", /*HasNUW=*/true, /*HasNSW=*/true);
  iv->addIncoming(next, b_.GetInsertBlock());
  b_.CreateCondBr(b_.CreateICmpULT(next, i64(extent)), header, exit);
  b_.SetInsertPoint(exit);
}

void LoopBuilder::loopRange(llvm::Value* begin, llvm::Value* end, const std::function<void(llvm::Value*)>& body) {
  llvm::LLVMContext& ctx = b_.getContext();
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx, "range", f_);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx, "range.end", f_);
  b_.CreateCondBr(b_.CreateICmpULT(begin, end), header, exit);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(b_.getInt64Ty(), 2, "item");
  iv->addIncoming(begin, pre);
  body(iv);
  llvm::Value* next = b_.CreateAdd(iv, i64(1), "item.next", /*HasNUW=*/true, /*HasNSW=*/true);
  iv->addIncoming(next, b_.GetInsertBlock());
  b_.CreateCondBr(b_.CreateICmpULT(next, end), header, exit);
  b_.SetInsertPoint(exit);
}

void LoopBuilder::branch(llvm::Value* cond, const std::function<void()>& then, const std::function<void()>& otherwise) {
  llvm::LLVMContext& ctx = b_.getContext();
  llvm::BasicBlock* yes = llvm::BasicBlock::Create(ctx, "then", f_);
  llvm::BasicBlock* no = llvm::BasicBlock::Create(ctx, "else", f_);
  llvm::BasicBlock* join = llvm::BasicBlock::Create(ctx, "endif", f_);
  b_.CreateCondBr(cond, yes, no);
  b_.SetInsertPoint(yes);
  then();
  b_.CreateBr(join);
  b_.SetInsertPoint(no);
  otherwise();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
}

void LoopBuilder::parallelItems(int64_t count, const std::function<void(llvm::Value*)>& body) {
  if (!part_ || insideItems_) return loop(count, body);
  if (partitioned_) ir::fail("internal error: a kernel splits two loops among its threads");
  partitioned_ = insideItems_ = true;
  // Part p of P: items [count·p/P, count·(p+1)/P).
  llvm::Value* n = i64(count);
  llvm::Value* begin = b_.CreateUDiv(b_.CreateMul(n, part_), parts_);
  llvm::Value* end = b_.CreateUDiv(b_.CreateMul(n, b_.CreateAdd(part_, i64(1))), parts_);
  loopRange(begin, end, body);
  insideItems_ = false;
}

void LoopBuilder::loopNest(const std::vector<int64_t>& extents,
                           const std::function<void(const std::vector<llvm::Value*>&)>& body) {
  std::vector<llvm::Value*> ivs;
  std::function<void(size_t)> level = [&](size_t d) {
    if (d == extents.size()) {
      body(ivs);
      return;
    }
    loop(extents[d], [&](llvm::Value* iv) {
      ivs.push_back(iv);
      level(d + 1);
      ivs.pop_back();
    });
  };
  level(0);
}

llvm::Value* LoopBuilder::linearIndex(const std::vector<llvm::Value*>& ivs, const std::vector<int64_t>& strides) {
  llvm::Value* idx = i64(0);
  for (size_t d = 0; d < ivs.size(); ++d) {
    if (strides[d] == 0) continue;
    llvm::Value* term = strides[d] == 1 ? ivs[d] : b_.CreateMul(ivs[d], i64(strides[d]), "", true, true);
    idx = b_.CreateAdd(idx, term, "", true, true);
  }
  return idx;
}

llvm::AllocaInst* LoopBuilder::slot(llvm::Type* t) {
  llvm::IRBuilder<> entry(&f_->getEntryBlock(), f_->getEntryBlock().begin());
  return entry.CreateAlloca(t);
}

llvm::Type* LoopBuilder::elementType(ir::DType t) {
  switch (t) {
    case ir::DType::f32: return b_.getFloatTy();
    case ir::DType::f64: return b_.getDoubleTy();
    case ir::DType::i8:
    case ir::DType::u8:
    case ir::DType::boolean: return b_.getInt8Ty();
    case ir::DType::i16:
    case ir::DType::u16: return b_.getInt16Ty();
    case ir::DType::i32:
    case ir::DType::u32: return b_.getInt32Ty();
    case ir::DType::i64:
    case ir::DType::u64: return b_.getInt64Ty();
    case ir::DType::f16:
    case ir::DType::bf16: break;
  }
  ir::unsupported("code generation for element type {} is not supported", ir::dtypeName(t));
}

llvm::Value* LoopBuilder::load(ir::DType t, llvm::Value* base, llvm::Value* index) {
  llvm::Type* et = elementType(t);
  return b_.CreateLoad(et, b_.CreateInBoundsGEP(et, base, index));
}

void LoopBuilder::store(ir::DType t, llvm::Value* v, llvm::Value* base, llvm::Value* index) {
  llvm::Type* et = elementType(t);
  b_.CreateStore(v, b_.CreateInBoundsGEP(et, base, index));
}

llvm::Value* LoopBuilder::constant(ir::DType t, double v) {
  llvm::Type* et = elementType(t);
  if (ir::isFloat(t)) return llvm::ConstantFP::get(et, v);
  return llvm::ConstantInt::get(et, static_cast<uint64_t>(static_cast<int64_t>(v)), ir::isSignedInt(t));
}

}  // namespace shardc::codegen
