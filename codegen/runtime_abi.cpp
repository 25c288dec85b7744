#include "codegen/runtime_abi.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include "ir/error.h"

namespace shardc::codegen {
namespace {

// The runtime's ABI numbers (runtime/include/shardrt/shardrt.h). codegen may not include the runtime's header;
// tests/codegen/runtime_abi_test.cpp checks the element type codes against it, and every generated executable
// checks the ABI version when it starts.
constexpr int32_t kAbiVersion = 8;
enum RuntimeDType : int32_t {
  SHARDRT_F32 = 1, SHARDRT_F64, SHARDRT_I8, SHARDRT_I16, SHARDRT_I32, SHARDRT_I64, SHARDRT_U8, SHARDRT_U16,
  SHARDRT_U32, SHARDRT_U64, SHARDRT_BOOL, SHARDRT_F16, SHARDRT_BF16
};

// Mirrors shardrt_tensor_desc { const char* name; int32_t dtype; int32_t rank; const int64_t* dims; }.
llvm::StructType* tensorDescType(llvm::LLVMContext& c) {
  auto* ptr = llvm::PointerType::getUnqual(c);
  auto* i32 = llvm::Type::getInt32Ty(c);
  return llvm::StructType::get(c, {ptr, i32, i32, ptr});
}

// Mirrors shardrt_program (see shardrt.h): abi_version, name, inputs, outputs, weights, arena_bytes, needs_mpi,
// mesh_rank, mesh_shape, num_groups, group_masks, run, num_ops, op_names, input_layouts, prepare, pipeline,
// num_rank_groups, rank_group_offsets, rank_group_ranks.
llvm::StructType* programType(llvm::LLVMContext& c) {
  auto* ptr = llvm::PointerType::getUnqual(c);
  auto* i32 = llvm::Type::getInt32Ty(c);
  auto* i64 = llvm::Type::getInt64Ty(c);
  return llvm::StructType::get(c, {i32, ptr, i32, ptr, i32, ptr, i32, ptr, i64, i32, i32, ptr, i32, ptr, ptr, i32, ptr, ptr, ptr, ptr, i32, ptr, ptr});
}

}  // namespace

int32_t runtimeReduceCode(const std::string& reduce) {
  // shardrt_reduce_op
  if (reduce == "sum") return 1;
  if (reduce == "max") return 2;
  if (reduce == "min") return 3;
  ir::fail("no runtime reduction \"{}\"", reduce);
}

int32_t runtimeDTypeCode(ir::DType t) {
  switch (t) {
    case ir::DType::f32: return SHARDRT_F32;
    case ir::DType::f64: return SHARDRT_F64;
    case ir::DType::i8: return SHARDRT_I8;
    case ir::DType::i16: return SHARDRT_I16;
    case ir::DType::i32: return SHARDRT_I32;
    case ir::DType::i64: return SHARDRT_I64;
    case ir::DType::u8: return SHARDRT_U8;
    case ir::DType::u16: return SHARDRT_U16;
    case ir::DType::u32: return SHARDRT_U32;
    case ir::DType::u64: return SHARDRT_U64;
    case ir::DType::boolean: return SHARDRT_BOOL;
    case ir::DType::f16: return SHARDRT_F16;
    case ir::DType::bf16: return SHARDRT_BF16;
  }
  ir::fail("no runtime code for element type {}", ir::dtypeName(t));
}

void RuntimeAbi::emitProgramDescriptor(const ProgramDescription& d, llvm::Function* run, llvm::Function* prepare) {
  llvm::LLVMContext& c = m_.getContext();
  llvm::IRBuilder<> b(c);
  auto* i32 = b.getInt32Ty();
  auto* i64 = b.getInt64Ty();
  auto* descTy = tensorDescType(c);
  auto privateConstant = [&](llvm::Constant* init, const std::string& gname) {
    return new llvm::GlobalVariable(m_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init, gname);
  };
  auto string = [&](const std::string& s, const std::string& gname) {
    return privateConstant(llvm::ConstantDataArray::getString(c, s, true), gname);
  };
  auto table = [&](const std::vector<TensorDescription>& ts, const std::string& kind) -> llvm::Constant* {
    if (ts.empty()) return llvm::ConstantPointerNull::get(b.getPtrTy());
    std::vector<llvm::Constant*> entries;
    for (size_t i = 0; i < ts.size(); ++i) {
      const auto& t = ts[i];
      std::vector<llvm::Constant*> dims;
      for (int64_t d : t.dims) dims.push_back(llvm::ConstantInt::get(i64, uint64_t(d)));
      llvm::Constant* dimsPtr = dims.empty() ? static_cast<llvm::Constant*>(llvm::ConstantPointerNull::get(b.getPtrTy()))
                                             : privateConstant(llvm::ConstantArray::get(llvm::ArrayType::get(i64, dims.size()), dims),
                                                               kind + ".dims." + std::to_string(i));
      entries.push_back(llvm::ConstantStruct::get(
          descTy, {string(t.name, kind + ".name." + std::to_string(i)),
                   llvm::ConstantInt::get(i32, uint64_t(runtimeDTypeCode(t.dtype))),
                   llvm::ConstantInt::get(i32, uint64_t(t.dims.size())), dimsPtr}));
    }
    return privateConstant(llvm::ConstantArray::get(llvm::ArrayType::get(descTy, entries.size()), entries),
                           "shardc." + kind);
  };
  auto constantArray = [&](llvm::Type* et, std::vector<llvm::Constant*> items, const std::string& gname) -> llvm::Constant* {
    if (items.empty()) return llvm::ConstantPointerNull::get(b.getPtrTy());
    return privateConstant(llvm::ConstantArray::get(llvm::ArrayType::get(et, items.size()), items), gname);
  };
  std::vector<llvm::Constant*> mesh, masks, opNames;
  for (size_t i = 0; i < d.opNames.size(); ++i) opNames.push_back(string(d.opNames[i], "shardc.op." + std::to_string(i)));
  for (int64_t m : d.meshShape) mesh.push_back(llvm::ConstantInt::get(i64, uint64_t(m)));
  for (uint32_t m : d.groupMasks) masks.push_back(llvm::ConstantInt::get(i32, m));
  // shardrt_input_layout { const int64_t* global_dims; const int64_t* offsets; } per input, or null.
  llvm::Constant* inputLayouts = llvm::ConstantPointerNull::get(b.getPtrTy());
  if (!d.inputGlobalDims.empty()) {
    auto* layoutTy = llvm::StructType::get(c, {b.getPtrTy(), b.getPtrTy()});
    std::vector<llvm::Constant*> layouts;
    for (size_t i = 0; i < d.inputGlobalDims.size(); ++i) {
      std::vector<llvm::Constant*> global, offsets;
      for (int64_t x : d.inputGlobalDims[i]) global.push_back(llvm::ConstantInt::get(i64, uint64_t(x)));
      for (const auto& rankOffsets : d.inputOffsets[i])
        for (int64_t x : rankOffsets) offsets.push_back(llvm::ConstantInt::get(i64, uint64_t(x)));
      layouts.push_back(llvm::ConstantStruct::get(
          layoutTy, {constantArray(i64, global, "shardc.input_global." + std::to_string(i)),
                     constantArray(i64, offsets, "shardc.input_offsets." + std::to_string(i))}));
    }
    inputLayouts = privateConstant(llvm::ConstantArray::get(llvm::ArrayType::get(layoutTy, layouts.size()), layouts),
                                   "shardc.input_layouts");
  }
  // shardrt_pipeline { stage, num_stages, first_rank, stage_ranks, micro_batches, num_model_inputs, model_inputs,
  // num_model_outputs, model_outputs, input_sources, num_sends, sends, num_receives, receives }.
  llvm::Constant* pipeline = llvm::ConstantPointerNull::get(b.getPtrTy());
  if (d.pipeline) {
    const PipelineDescription& p = *d.pipeline;
    auto* transferTy = llvm::StructType::get(c, {i32, i32, i32, i32, i32});
    auto transfers = [&](const std::vector<TransferDescription>& ts, const std::string& gname) {
      std::vector<llvm::Constant*> items;
      for (const auto& t : ts)
        items.push_back(llvm::ConstantStruct::get(
            transferTy, {llvm::ConstantInt::get(i32, uint64_t(t.rank)), llvm::ConstantInt::get(i32, uint64_t(t.tensor)),
                         llvm::ConstantInt::get(i32, uint64_t(t.peer)), llvm::ConstantInt::get(i32, uint64_t(t.tag)),
                         llvm::ConstantInt::get(i32, uint64_t(t.intoOutput))}));
      return constantArray(transferTy, items, gname);
    };
    std::vector<llvm::Constant*> sources;
    for (int32_t s : p.inputSources) sources.push_back(llvm::ConstantInt::get(i32, uint64_t(int64_t(s))));
    auto* pipelineTy = llvm::StructType::get(c, {i32, i32, i32, i32, i32, i32, b.getPtrTy(), i32, b.getPtrTy(), b.getPtrTy(),
                                                 i32, b.getPtrTy(), i32, b.getPtrTy()});
    pipeline = privateConstant(
        llvm::ConstantStruct::get(
            pipelineTy,
            {llvm::ConstantInt::get(i32, uint64_t(p.stage)), llvm::ConstantInt::get(i32, uint64_t(p.stages)),
             llvm::ConstantInt::get(i32, uint64_t(p.firstRank)), llvm::ConstantInt::get(i32, uint64_t(p.stageRanks)),
             llvm::ConstantInt::get(i32, uint64_t(p.microBatches)), llvm::ConstantInt::get(i32, p.modelInputs.size()),
             table(p.modelInputs, "model_inputs"), llvm::ConstantInt::get(i32, p.modelOutputs.size()),
             table(p.modelOutputs, "model_outputs"), constantArray(i32, sources, "shardc.input_sources"),
             llvm::ConstantInt::get(i32, p.sends.size()), transfers(p.sends, "shardc.sends"),
             llvm::ConstantInt::get(i32, p.receives.size()), transfers(p.receives, "shardc.receives")}),
        "shardc.pipeline");
  }
  std::vector<llvm::Constant*> groupOffsets{llvm::ConstantInt::get(i32, 0)}, groupRanks;
  for (const auto& group : d.rankGroups) {
    for (int64_t r : group) groupRanks.push_back(llvm::ConstantInt::get(i32, uint64_t(r)));
    groupOffsets.push_back(llvm::ConstantInt::get(i32, groupRanks.size()));
  }
  if (d.rankGroups.empty()) groupOffsets.clear();
  auto* progTy = programType(c);
  llvm::Constant* init = llvm::ConstantStruct::get(
      progTy, {llvm::ConstantInt::get(i32, kAbiVersion), string(d.name, "shardc.name"),
               llvm::ConstantInt::get(i32, d.inputs.size()), table(d.inputs, "inputs"),
               llvm::ConstantInt::get(i32, d.outputs.size()), table(d.outputs, "outputs"),
               llvm::ConstantInt::get(i32, d.weights.size()), table(d.weights, "weights"),
               llvm::ConstantInt::get(i64, uint64_t(d.arenaBytes)), llvm::ConstantInt::get(i32, d.needsMpi ? 1 : 0),
               llvm::ConstantInt::get(i32, d.meshShape.size()), constantArray(i64, mesh, "shardc.mesh"),
               llvm::ConstantInt::get(i32, d.groupMasks.size()), constantArray(i32, masks, "shardc.groups"), run,
               llvm::ConstantInt::get(i32, d.opNames.size()), constantArray(b.getPtrTy(), opNames, "shardc.ops"),
               inputLayouts,
               prepare ? static_cast<llvm::Constant*>(prepare) : llvm::ConstantPointerNull::get(b.getPtrTy()),
               pipeline, llvm::ConstantInt::get(i32, d.rankGroups.size()),
               constantArray(i32, groupOffsets, "shardc.rank_group_offsets"),
               constantArray(i32, groupRanks, "shardc.rank_group_ranks")});
  new llvm::GlobalVariable(m_, progTy, true, llvm::GlobalValue::ExternalLinkage, init, d.symbol);
}

}  // namespace shardc::codegen
