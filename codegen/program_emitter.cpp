#include "codegen/program_emitter.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <functional>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/Target/TargetMachine.h>

#include "codegen/collective_emitter.h"
#include "codegen/kernels.h"
#include "codegen/runtime_abi.h"
#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::codegen {
namespace {
using ir::ValueId;

// Where the run function finds each value's buffer.
struct BufferSource {
  enum Kind { Input, Output, Weight, Arena } kind;
  int64_t index;  // input/output/weight position, or arena byte offset
};

class ProgramEmitter {
 public:
  ProgramEmitter(llvm::LLVMContext& ctx, const ir::RankProgram& p, const std::string& symbol, llvm::TargetMachine& tm)
      : ctx_(ctx), p_(p), symbol_(symbol), g_(p.graph), module_(std::make_unique<llvm::Module>(p.name, ctx)), b_(ctx) {
    module_->setTargetTriple(tm.getTargetTriple().str());
    module_->setDataLayout(tm.createDataLayout());
    // Features the CPU name implies count too (--cpu x86-64-v3 has AVX2 without saying so).
    const llvm::MCSubtargetInfo& sti = *tm.getMCSubtargetInfo();
    vectorBits_ = sti.checkFeatures("+avx512f") ? 512 : sti.checkFeatures("+avx2") ? 256 : 128;
  }

  std::unique_ptr<llvm::Module> build() {
    assignSources();
    arenaEnd_ = p_.plan.arenaBytes;
    llvm::Function* run = emitRun();
    emitDescriptor(run, emitPrepare());
    std::string err;
    llvm::raw_string_ostream os(err);
    if (llvm::verifyModule(*module_, &os)) ir::fail("internal error: generated LLVM IR does not verify: {}", os.str());
    return std::move(module_);
  }

 private:
  void assignSources() {
    for (size_t i = 0; i < g_.inputs().size(); ++i) sources_[g_.inputs()[i]] = {BufferSource::Input, int64_t(i)};
    for (size_t i = 0; i < g_.params().size(); ++i) sources_[g_.params()[i]] = {BufferSource::Weight, int64_t(i)};
    // An op result that is an output is computed straight into the first output slot that names it.
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      ValueId v = g_.outputs()[i];
      if (g_.value(v).role == ir::ValueRole::Result && !sources_.count(v))
        sources_[v] = {BufferSource::Output, int64_t(i)};
    }
    for (size_t v = 0; v < p_.plan.offset.size(); ++v)
      if (p_.plan.offset[v] != ir::kNotInArena) sources_[ValueId(v)] = {BufferSource::Arena, p_.plan.offset[v]};
  }

  ValueId rootOf(ValueId v) const {
    while (v < ValueId(p_.plan.aliasOf.size()) && p_.plan.aliasOf[size_t(v)] >= 0) v = p_.plan.aliasOf[size_t(v)];
    return v;
  }

  // The pointer to v's buffer inside the run function.
  llvm::Value* pointerTo(ValueId v) {
    ValueId r = rootOf(v);
    auto it = sources_.find(r);
    if (it == sources_.end()) ir::fail("internal error: value %{} has no buffer", g_.value(v).name);
    const BufferSource& s = it->second;
    llvm::Type* ptr = b_.getPtrTy();
    switch (s.kind) {
      case BufferSource::Input:
        return b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(ptr, inputsArg_, uint64_t(s.index)));
      case BufferSource::Output:
        return b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(ptr, outputsArg_, uint64_t(s.index)));
      case BufferSource::Weight:
        return b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(ptr, weightsArg_, uint64_t(s.index)));
      case BufferSource::Arena: return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), arenaArg_, uint64_t(s.index));
    }
    return nullptr;
  }

  // A kernel function taking (results..., operands...) as noalias pointers, then its part and the number of
  // parts (i64) when threads share it.
  llvm::Function* kernelFunction(const std::string& name, size_t numPointers) {
    std::vector<llvm::Type*> params(numPointers, b_.getPtrTy());
    params.push_back(b_.getInt64Ty());
    params.push_back(b_.getInt64Ty());
    auto* fty = llvm::FunctionType::get(b_.getVoidTy(), params, false);
    auto* f = llvm::Function::Create(fty, llvm::Function::InternalLinkage, name, module_.get());
    f->addFnAttr(llvm::Attribute::NoUnwind);
    for (size_t i = 0; i < numPointers; ++i) {
      f->addParamAttr(unsigned(i), llvm::Attribute::NoAlias);
      f->addParamAttr(unsigned(i), llvm::Attribute::NoCapture);
    }
    return f;
  }

  void emitKernelCall(size_t index, const ir::Op& op, const std::vector<const ir::Op*>& group) {
    std::string name = fmt::format("k{}_{}", index, ir::opKindName(op.kind));
    std::vector<ValueId> externals;
    if (!group.empty()) {
      std::set<ValueId> inside;
      for (const ir::Op* m : group) inside.insert(m->results[0]);
      for (const ir::Op* m : group)
        for (ValueId v : m->operands)
          if (!inside.count(v) && std::find(externals.begin(), externals.end(), v) == externals.end())
            externals.push_back(v);
      name = fmt::format("k{}_fused{}", index, group.size());
    } else {
      externals = op.operands;
    }
    // A MatMul whose B is a weight and which packs B reads panels packed once at load time, from the arena's tail.
    const ir::Op* matmul = &op;
    for (const ir::Op* m : group)
      if (m->kind == ir::OpKind::MatMul) matmul = m;
    std::optional<int64_t> prepackedOffset = prepackFor(*matmul);
    size_t numPointers = op.results.size() + externals.size() + (prepackedOffset ? 1 : 0);
    llvm::Function* f = kernelFunction(name, numPointers);
    bool parallel = false;
    {
      llvm::IRBuilder<> kb(ctx_);
      kb.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
      LoopBuilder lb(kb, f);
      lb.setVectorBits(vectorBits_);
      lb.setPartition(f->getArg(unsigned(numPointers)), f->getArg(unsigned(numPointers + 1)));
      llvm::Value* prepacked = prepackedOffset ? f->getArg(unsigned(numPointers - 1)) : nullptr;
      std::vector<llvm::Value*> resultPtrs, operandPtrs;
      for (size_t i = 0; i < op.results.size(); ++i) resultPtrs.push_back(f->getArg(unsigned(i)));
      for (size_t i = 0; i < externals.size(); ++i) operandPtrs.push_back(f->getArg(unsigned(op.results.size() + i)));
      std::map<ValueId, llvm::Value*> ext;
      for (size_t i = 0; i < externals.size(); ++i) ext[externals[i]] = operandPtrs[i];
      auto withKind = [&](ir::OpKind kind) {
        return std::any_of(group.begin(), group.end(), [kind](const ir::Op* m) { return m->kind == kind; });
      };
      if (withKind(ir::OpKind::MatMul)) {
        emitMatMulGroup(lb, g_, group, ext, resultPtrs[0], prepacked);
      } else if (withKind(ir::OpKind::Conv)) {
        emitConvGroup(lb, g_, group, ext, resultPtrs[0]);
      } else if (!group.empty() || ir::opCategory(op.kind) != ir::OpCategory::Other) {
        std::vector<const ir::Op*> members = group.empty() ? std::vector<const ir::Op*>{&op} : group;
        emitElementwiseGroup(lb, g_, members, ext, resultPtrs[0]);
      } else {
        KernelArgs args{g_, op, operandPtrs, resultPtrs, prepacked};
        switch (op.kind) {
          case ir::OpKind::MatMul: emitMatMul(lb, args); break;
          case ir::OpKind::ReduceProd:
          case ir::OpKind::ReduceSum:
          case ir::OpKind::ReduceMean:
          case ir::OpKind::ReduceMax:
          case ir::OpKind::ReduceMin: emitReduce(lb, args); break;
          case ir::OpKind::Softmax: emitSoftmax(lb, args); break;
          case ir::OpKind::Transpose: emitTranspose(lb, args); break;
          case ir::OpKind::Concat: emitConcat(lb, args); break;
          case ir::OpKind::Reshape: emitCopy(lb, args); break;
          case ir::OpKind::Slice: emitSlice(lb, args); break;
          case ir::OpKind::Conv: emitConv(lb, args); break;
          case ir::OpKind::ConvTranspose: emitConvTranspose(lb, args); break;
          case ir::OpKind::ArgMax:
          case ir::OpKind::ArgMin: emitArgExtreme(lb, args); break;
          case ir::OpKind::TopK: emitTopK(lb, args); break;
          case ir::OpKind::GatherElements: emitGatherElements(lb, args); break;
          case ir::OpKind::Pad: emitPad(lb, args); break;
          case ir::OpKind::MaxPool:
          case ir::OpKind::AveragePool: emitPool(lb, args); break;
          case ir::OpKind::Gather: {
            const ir::Shape& s = g_.value(op.operands[0]).type.shape;
            int64_t axis = op.attrs.getInt("axis", 0);
            int64_t dim = s.dims[size_t(axis < 0 ? axis + int64_t(s.rank()) : axis)];
            emitGather(lb, args, lb.i64(0), dim);
            break;
          }
          default:
            ir::unsupported("{}: code generation does not support {}", ir::describeOp(g_, op), ir::opKindName(op.kind));
        }
      }
      kb.CreateRetVoid();
      parallel = lb.partitioned();
    }
    std::vector<llvm::Value*> callArgs;
    for (ValueId r : op.results) callArgs.push_back(pointerTo(r));
    for (ValueId v : externals) callArgs.push_back(pointerTo(v));
    if (prepackedOffset) callArgs.push_back(b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), arenaArg_, uint64_t(*prepackedOffset)));
    if (!parallel) {
      callArgs.push_back(b_.getInt64(0));
      callArgs.push_back(b_.getInt64(1));
      b_.CreateCall(f, callArgs);
      return;
    }
    // Shared by the context's threads: the pointers go into an array the task unpacks, and the runtime calls
    // task(array, part, parts) once per thread.
    llvm::Type* ptr = b_.getPtrTy();
    auto* arrayTy = llvm::ArrayType::get(ptr, callArgs.size());
    llvm::AllocaInst* array;
    {
      llvm::Function* run = b_.GetInsertBlock()->getParent();
      llvm::IRBuilder<> entry(&run->getEntryBlock(), run->getEntryBlock().begin());
      array = entry.CreateAlloca(arrayTy);
    }
    for (size_t i = 0; i < callArgs.size(); ++i) b_.CreateStore(callArgs[i], b_.CreateConstInBoundsGEP2_32(arrayTy, array, 0, unsigned(i)));
    auto* taskTy = llvm::FunctionType::get(b_.getVoidTy(), {ptr, b_.getInt64Ty(), b_.getInt64Ty()}, false);
    auto* task = llvm::Function::Create(taskTy, llvm::Function::InternalLinkage, f->getName() + ".task", module_.get());
    task->addFnAttr(llvm::Attribute::NoUnwind);
    {
      llvm::IRBuilder<> tb(llvm::BasicBlock::Create(ctx_, "entry", task));
      std::vector<llvm::Value*> args;
      for (size_t i = 0; i < callArgs.size(); ++i)
        args.push_back(tb.CreateLoad(ptr, tb.CreateConstInBoundsGEP2_32(arrayTy, task->getArg(0), 0, unsigned(i))));
      args.push_back(task->getArg(1));
      args.push_back(task->getArg(2));
      tb.CreateCall(f, args);
      tb.CreateRetVoid();
    }
    llvm::FunctionCallee parallelFor = module_->getOrInsertFunction(
        "shardrt_parallel", llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, ptr}, false));
    b_.CreateCall(parallelFor, {runArg0_, task, array});
  }

  // Where a MatMul's B, packed at load time, lives in the arena (past the buffer plan's bytes), or nothing when
  // its B is not a 2-D f32 weight or its GEMM reads B unpacked.
  std::optional<int64_t> prepackFor(const ir::Op& mm) {
    if (mm.kind != ir::OpKind::MatMul || g_.value(mm.results[0]).type.dtype != ir::DType::f32) return std::nullopt;
    const ir::TensorType& ta = g_.value(mm.operands[0]).type;
    const ir::TensorType& tb = g_.value(mm.operands[1]).type;
    auto source = sources_.find(rootOf(mm.operands[1]));
    if (ta.shape.rank() < 2 || tb.shape.rank() != 2 || tb.dtype != ir::DType::f32 || source == sources_.end() ||
        source->second.kind != BufferSource::Weight)
      return std::nullopt;
    int64_t m = ta.shape.dims[ta.shape.rank() - 2], k = tb.shape.dims[0], n = tb.shape.dims[1];
    int64_t floats = prepackedFloats(vectorBits_, m, k, n);
    if (floats == 0) return std::nullopt;
    int64_t offset = (arenaEnd_ + 63) / 64 * 64;
    arenaEnd_ = offset + floats * 4;
    prepacks_.push_back({source->second.index, m, k, n, offset});
    return offset;
  }

  // shardc_prepare(ctx, arena, weights): packs every prepacked B into the arena, once, before the first run.
  llvm::Function* emitPrepare() {
    if (prepacks_.empty()) return nullptr;
    llvm::Type* ptr = b_.getPtrTy();
    auto* fty = llvm::FunctionType::get(b_.getInt32Ty(), {ptr, ptr, ptr}, false);
    auto* f = llvm::Function::Create(fty, llvm::Function::InternalLinkage, "shardc_prepare", module_.get());
    f->addFnAttr(llvm::Attribute::NoUnwind);
    llvm::IRBuilder<> pb(llvm::BasicBlock::Create(ctx_, "entry", f));
    LoopBuilder lb(pb, f);
    lb.setVectorBits(vectorBits_);
    for (const Prepack& p : prepacks_) {
      llvm::Value* weight = pb.CreateLoad(ptr, pb.CreateConstInBoundsGEP1_64(ptr, f->getArg(2), uint64_t(p.weight)));
      llvm::Value* dst = pb.CreateConstInBoundsGEP1_64(pb.getInt8Ty(), f->getArg(1), uint64_t(p.offset));
      emitPrepack(lb, p.m, p.k, p.n, weight, dst);
    }
    pb.CreateRet(pb.getInt32(0));
    return f;
  }

  int32_t groupFor(const ir::Op& op) {
    // Groups named by their ranks come first (ids 1..), the groups along mesh axes after them.
    if (op.attrs.has("group_ranks")) {
      std::vector<int64_t> ranks = op.attrs.getInts("group_ranks");
      for (size_t i = 0; i < p_.rankGroups.size(); ++i)
        if (p_.rankGroups[i] == ranks) return static_cast<int32_t>(i + 1);
      ir::fail("{}: its group is not among the program's rank groups", ir::describeOp(g_, op));
    }
    int32_t first = static_cast<int32_t>(p_.rankGroups.size()) + 1;
    uint32_t mask = axesMask(op);
    for (size_t i = 0; i < groupMasks_.size(); ++i)
      if (groupMasks_[i] == mask) return first + static_cast<int32_t>(i);
    groupMasks_.push_back(mask);
    return first + static_cast<int32_t>(groupMasks_.size() - 1);
  }

  // A per-rank program knows its place in each group when it is compiled: the index of its rank in group_ranks.
  int64_t staticPosition(const ir::Op& op) const {
    if (p_.jobRank < 0 || !op.attrs.has("group_ranks")) return -1;
    std::vector<int64_t> ranks = op.attrs.getInts("group_ranks");
    auto it = std::find(ranks.begin(), ranks.end(), p_.jobRank);
    if (it == ranks.end()) ir::fail("{}: rank {} is not in its group", ir::describeOp(g_, op), p_.jobRank);
    return it - ranks.begin();
  }

  void emitCollectiveOp(size_t index, const ir::Op& op, llvm::Function* run) {
    llvm::Value* scratch = nullptr;
    if (index < p_.plan.scratchOffset.size() && p_.plan.scratchOffset[index] != ir::kNotInArena)
      scratch = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), arenaArg_, uint64_t(p_.plan.scratchOffset[index]));
    auto check = [&](llvm::Value* rc) {
      llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "collective.failed", run);
      llvm::BasicBlock* cont = llvm::BasicBlock::Create(ctx_, "collective.ok", run);
      b_.CreateCondBr(b_.CreateICmpNE(rc, b_.getInt32(0)), fail, cont);
      b_.SetInsertPoint(fail);
      b_.CreateRet(rc);
      b_.SetInsertPoint(cont);
    };
    LoopBuilder lb(b_, run);
    CollectiveArgs args{g_, op, p_.mesh, run->getArg(0), pointerTo(op.operands[0]), pointerTo(op.results[0]),
                        scratch, groupFor(op), check, staticPosition(op)};
    emitCollective(lb, args);
    needsMpi_ = true;
  }

  // A vocabulary-split Gather, inline in the run function: its block of rows starts at this rank's coordinate
  // along shard_axes times the block's length.
  void emitShardedGather(const ir::Op& op, llvm::Function* run) {
    LoopBuilder lb(b_, run);
    const ir::Shape& s = g_.value(op.operands[0]).type.shape;
    int64_t axis = op.attrs.getInt("axis", 0);
    int64_t local = s.dims[size_t(axis)];
    std::vector<int64_t> axes = op.attrs.getInts("shard_axes");
    int64_t parts = 1;
    for (int64_t a : axes) parts *= p_.mesh.shape[size_t(a)];
    int64_t position = staticPosition(op);
    llvm::Value* start = b_.CreateMul(position >= 0 ? lb.i64(position) : meshCoordinate(lb, run->getArg(0), p_.mesh, axes),
                                      lb.i64(local));
    KernelArgs args{g_, op, {pointerTo(op.operands[0]), pointerTo(op.operands[1])}, {pointerTo(op.results[0])}};
    emitGather(lb, args, start, local * parts);
    needsMpi_ = true;
  }

  llvm::Function* emitRun() {
    llvm::Type* ptr = b_.getPtrTy();
    auto* fty = llvm::FunctionType::get(b_.getInt32Ty(), {ptr, ptr, ptr, ptr, ptr}, false);
    auto* run = llvm::Function::Create(fty, llvm::Function::InternalLinkage, "shardc_run", module_.get());
    run->addFnAttr(llvm::Attribute::NoUnwind);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", run));
    runArg0_ = run->getArg(0);
    inputsArg_ = run->getArg(1);
    outputsArg_ = run->getArg(2);
    arenaArg_ = run->getArg(3);
    weightsArg_ = run->getArg(4);

    const auto& ops = g_.ops();
    std::map<int64_t, std::vector<const ir::Op*>> groups;
    for (const auto& op : ops)
      if (op.attrs.has("fusion_group")) groups[op.attrs.getInt("fusion_group", -1)].push_back(&op);
    // The profiler's hooks around every op that does work: one branch each while profiling is off.
    llvm::FunctionCallee opBegin = module_->getOrInsertFunction(
        "shardrt_op_begin", llvm::FunctionType::get(b_.getVoidTy(), {ptr, b_.getInt32Ty()}, false));
    llvm::FunctionCallee opEnd = module_->getOrInsertFunction(
        "shardrt_op_end", llvm::FunctionType::get(b_.getVoidTy(), {ptr, b_.getInt32Ty()}, false));
    auto profiled = [&](const std::string& name, const std::function<void()>& emit) {
      llvm::Value* index = b_.getInt32(uint32_t(opNames_.size()));
      opNames_.push_back(name);
      b_.CreateCall(opBegin, {run->getArg(0), index});
      emit();
      b_.CreateCall(opEnd, {run->getArg(0), index});
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      std::string name = fmt::format("{} %{}", ir::opKindName(op.kind), g_.value(op.results[0]).name);
      if (op.attrs.has("fusion_group")) {
        const auto& members = groups[op.attrs.getInt("fusion_group", -1)];
        if (members.back() != &op) continue;  // emitted with its group's root
        std::string fused;
        for (const ir::Op* m : members) fused += (fused.empty() ? "" : "+") + std::string(ir::opKindName(m->kind));
        profiled(fmt::format("{} %{}", fused, g_.value(op.results[0]).name), [&] { emitKernelCall(i, op, members); });
        continue;
      }
      // A Reshape whose result aliases its operand moves no bytes.
      if (op.kind == ir::OpKind::Reshape && rootOf(op.results[0]) != op.results[0]) continue;
      if (isCollective(op.kind)) {
        profiled(name, [&] { emitCollectiveOp(i, op, run); });
        continue;
      }
      if (op.kind == ir::OpKind::Gather && op.attrs.has("shard_axes")) {
        profiled(name, [&] { emitShardedGather(op, run); });
        continue;
      }
      profiled(name, [&] { emitKernelCall(i, op, {}); });
    }
    // Outputs not computed in place: inputs, parameters, or a value named by two outputs.
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      ValueId v = g_.outputs()[i];
      auto it = sources_.find(rootOf(v));
      if (it != sources_.end() && it->second.kind == BufferSource::Output && it->second.index == int64_t(i)) continue;
      const auto& t = g_.value(v).type;
      int64_t bytes = t.shape.numElements() * int64_t(ir::dtypeSize(t.dtype));
      llvm::Value* dst = b_.CreateLoad(ptr, b_.CreateConstInBoundsGEP1_64(ptr, outputsArg_, i));
      if (bytes > 0) b_.CreateMemCpy(dst, llvm::MaybeAlign(1), pointerTo(v), llvm::MaybeAlign(1), b_.getInt64(uint64_t(bytes)));
    }
    b_.CreateRet(b_.getInt32(0));
    return run;
  }

  void emitDescriptor(llvm::Function* run, llvm::Function* prepare) {
    RuntimeAbi abi(*module_);
    std::vector<TensorDescription> inputs, outputs, weights;
    auto describe = [&](ValueId v) {
      const auto& val = g_.value(v);
      return TensorDescription{val.name, val.type.dtype, val.type.shape.dims};
    };
    for (ValueId v : g_.inputs()) inputs.push_back(describe(v));
    for (ValueId v : g_.outputs()) outputs.push_back(describe(v));
    for (ValueId v : g_.params()) weights.push_back(describe(v));
    ProgramDescription d{p_.name, inputs, outputs, weights, arenaEnd_,
                         needsMpi_ || p_.mesh.numRanks() > 1, p_.mesh.shape, groupMasks_, opNames_, symbol_, {}, {}, std::nullopt, p_.rankGroups};
    for (const auto& in : p_.partialInputs) {
      d.inputGlobalDims.push_back(in.globalDims);
      d.inputOffsets.push_back(in.offsets);
    }
    if (p_.pipeline.stages > 0) {
      const ir::RankProgram::Pipeline& pl = p_.pipeline;
      PipelineDescription pd;
      pd.stage = pl.stage;
      pd.stages = pl.stages;
      pd.firstRank = pl.firstRank;
      pd.stageRanks = pl.stageRanks;
      pd.microBatches = pl.microBatches;
      for (const auto& t : pl.modelInputs) pd.modelInputs.push_back({t.name, t.type.dtype, t.type.shape.dims});
      for (const auto& t : pl.modelOutputs) pd.modelOutputs.push_back({t.name, t.type.dtype, t.type.shape.dims});
      pd.inputSources.assign(pl.inputSources.begin(), pl.inputSources.end());
      for (const auto& t : pl.sends) pd.sends.push_back({t.rank, t.tensor, t.peer, t.tag, 0});
      for (const auto& t : pl.receives) pd.receives.push_back({t.rank, t.tensor, t.peer, t.tag, t.intoModelOutput ? 1 : 0});
      d.pipeline = std::move(pd);
      d.needsMpi = true;  // stages talk to each other
    }
    abi.emitProgramDescriptor(d, run, prepare);
  }

  llvm::LLVMContext& ctx_;
  const ir::RankProgram& p_;
  std::string symbol_;
  const ir::Graph& g_;
  std::unique_ptr<llvm::Module> module_;
  llvm::IRBuilder<> b_;
  std::map<ValueId, BufferSource> sources_;
  std::vector<uint32_t> groupMasks_;  // runtime group i+1 runs along the axes of mask i
  std::vector<std::string> opNames_;  // the profiler's names of the ops, by the index the hooks pass
  struct Prepack {
    int64_t weight, m, k, n, offset;
  };
  std::vector<Prepack> prepacks_;
  int64_t arenaEnd_ = 0;  // the buffer plan's bytes, then the prepacked weights
  bool needsMpi_ = false;
  int vectorBits_ = 128;
  llvm::Value* runArg0_ = nullptr;  // the run function's context
  llvm::Value *inputsArg_ = nullptr, *outputsArg_ = nullptr, *arenaArg_ = nullptr, *weightsArg_ = nullptr;
};

}  // namespace

std::unique_ptr<llvm::Module> buildProgramModule(llvm::LLVMContext& ctx, const ir::RankProgram& program,
                                                 const std::string& programSymbol, llvm::TargetMachine& tm) {
  return ProgramEmitter(ctx, program, programSymbol, tm).build();
}

}  // namespace shardc::codegen
