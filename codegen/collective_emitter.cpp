#include "codegen/collective_emitter.h"

#include <llvm/IR/Module.h>

#include "codegen/runtime_abi.h"
#include "ir/error.h"

namespace shardc::codegen {
namespace {

llvm::FunctionCallee runtimeFunction(llvm::IRBuilder<>& b, const char* name, std::vector<llvm::Type*> params) {
  llvm::Module* m = b.GetInsertBlock()->getModule();
  return m->getOrInsertFunction(name, llvm::FunctionType::get(b.getInt32Ty(), params, false));
}

int64_t product(const std::vector<int64_t>& v, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= v[i];
  return p;
}

}  // namespace

bool isCollective(ir::OpKind k) {
  return k == ir::OpKind::AllReduce || k == ir::OpKind::AllGather || k == ir::OpKind::ReduceScatter ||
         k == ir::OpKind::AllToAll || k == ir::OpKind::ShardSlice;
}

uint32_t axesMask(const ir::Op& op) {
  uint32_t m = 0;
  for (int64_t a : op.attrs.getInts("axes")) m |= 1u << a;
  return m;
}

llvm::Value* meshCoordinate(LoopBuilder& lb, llvm::Value* ctx, const ir::DeviceMesh& mesh, const std::vector<int64_t>& axes) {
  llvm::IRBuilder<>& b = lb.builder();
  // The rank's index along the axes (outermost first), from its rank in row-major mesh order.
  auto rankFn = runtimeFunction(b, "shardrt_rank", {b.getPtrTy()});
  llvm::Value* rank = b.CreateSExt(b.CreateCall(rankFn, {ctx}), b.getInt64Ty());
  llvm::Value* index = lb.i64(0);
  for (int64_t axis : axes) {
    int64_t inner = product(mesh.shape, static_cast<size_t>(axis) + 1, mesh.rank());
    llvm::Value* c = b.CreateURem(b.CreateUDiv(rank, lb.i64(inner)), lb.i64(mesh.shape[static_cast<size_t>(axis)]));
    index = b.CreateAdd(b.CreateMul(index, lb.i64(mesh.shape[static_cast<size_t>(axis)])), c);
  }
  return index;
}

void emitCollective(LoopBuilder& lb, const CollectiveArgs& a) {
  llvm::IRBuilder<>& b = lb.builder();
  const ir::TensorType& inT = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& outT = a.graph.value(a.op.results[0]).type;
  ir::DType t = inT.dtype;
  lb.elementType(t);  // rejects element types codegen cannot move
  llvm::Type* ptr = b.getPtrTy();
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Type* i64 = b.getInt64Ty();
  llvm::Value* group = b.getInt32(static_cast<uint32_t>(a.group));
  llvm::Value* dtype = b.getInt32(static_cast<uint32_t>(runtimeDTypeCode(t)));
  int64_t n = a.op.attrs.getInt("group_size", 1);
  int64_t es = static_cast<int64_t>(ir::dtypeSize(t));
  const ir::Shape& S = inT.shape;
  const ir::Shape& R = outT.shape;
  std::vector<int64_t> sS = S.strides(), sR = R.strides();

  auto copyAll = [&](llvm::Value* dst, llvm::Value* src, int64_t bytes) {
    if (bytes > 0 && dst != src) b.CreateMemCpy(dst, llvm::MaybeAlign(1), src, llvm::MaybeAlign(1), lb.i64(bytes));
  };
  // loops over [n] + shape; dst and src linear indexes: coefficient of k, then per-dim strides.
  auto blockCopy = [&](const ir::Shape& shape, llvm::Value* dst, int64_t dstK, const std::vector<int64_t>& dstStrides,
                       llvm::Value* src, int64_t srcK, const std::vector<int64_t>& srcStrides) {
    std::vector<int64_t> extents{n};
    extents.insert(extents.end(), shape.dims.begin(), shape.dims.end());
    std::vector<int64_t> ds{dstK}, ss{srcK};
    ds.insert(ds.end(), dstStrides.begin(), dstStrides.end());
    ss.insert(ss.end(), srcStrides.begin(), srcStrides.end());
    lb.loopNest(extents, [&](const std::vector<llvm::Value*>& ivs) {
      lb.store(t, lb.load(t, src, lb.linearIndex(ivs, ss)), dst, lb.linearIndex(ivs, ds));
    });
  };

  switch (a.op.kind) {
    case ir::OpKind::AllReduce: {
      copyAll(a.output, a.input, S.numElements() * es);
      auto f = runtimeFunction(b, "shardrt_all_reduce", {ptr, i32, ptr, i64, i32, i32});
      llvm::Value* reduce = b.getInt32(static_cast<uint32_t>(runtimeReduceCode(a.op.attrs.getString("reduce", "sum"))));
      a.checkStatus(b.CreateCall(f, {a.ctx, group, a.output, lb.i64(R.numElements()), dtype, reduce}));
      return;
    }
    case ir::OpKind::AllGather: {
      size_t d = static_cast<size_t>(a.op.attrs.getInt("dim", 0));
      llvm::Value* recv = d == 0 ? a.output : a.scratch;
      auto f = runtimeFunction(b, "shardrt_all_gather", {ptr, i32, ptr, ptr, i64, i32});
      a.checkStatus(b.CreateCall(f, {a.ctx, group, a.input, recv, lb.i64(S.numElements()), dtype}));
      // recv is [n, S]; member k's block goes to dim d at k * S[d].
      if (d != 0) blockCopy(S, a.output, S.dims[d] * sR[d], sR, recv, S.numElements(), sS);
      return;
    }
    case ir::OpKind::ReduceScatter: {
      size_t d = static_cast<size_t>(a.op.attrs.getInt("dim", 0));
      llvm::Value* send = a.input;
      if (d != 0) {
        // send is [n, R]: part k of dim d first.
        blockCopy(R, a.scratch, R.numElements(), R.strides(), a.input, R.dims[d] * sS[d], sS);
        send = a.scratch;
      }
      auto f = runtimeFunction(b, "shardrt_reduce_scatter_sum", {ptr, i32, ptr, ptr, i64, i32});
      a.checkStatus(b.CreateCall(f, {a.ctx, group, send, a.output, lb.i64(R.numElements()), dtype}));
      return;
    }
    case ir::OpKind::AllToAll: {
      size_t d = static_cast<size_t>(a.op.attrs.getInt("dim", 0)), e = static_cast<size_t>(a.op.attrs.getInt("to_dim", 1));
      // Chunk shape: the operand with dim e cut to its part.
      ir::Shape C = S;
      C.dims[e] /= n;
      int64_t chunk = C.numElements();
      int64_t half = (S.numElements() * es + ir::kArenaAlignment - 1) / ir::kArenaAlignment * ir::kArenaAlignment;
      llvm::Value* send = a.scratch;
      llvm::Value* recv = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), a.scratch, static_cast<uint64_t>(half));
      blockCopy(C, send, chunk, C.strides(), a.input, C.dims[e] * sS[e], sS);
      auto f = runtimeFunction(b, "shardrt_all_to_all", {ptr, i32, ptr, ptr, i64, i32});
      a.checkStatus(b.CreateCall(f, {a.ctx, group, send, recv, lb.i64(chunk), dtype}));
      blockCopy(C, a.output, C.dims[d] * sR[d], sR, recv, chunk, C.strides());
      return;
    }
    case ir::OpKind::ShardSlice: {
      size_t d = static_cast<size_t>(a.op.attrs.getInt("dim", 0));
      llvm::Value* index = a.position >= 0 ? lb.i64(a.position) : meshCoordinate(lb, a.ctx, a.mesh, a.op.attrs.getInts("axes"));
      llvm::Value* base = b.CreateMul(index, lb.i64(R.dims[d] * sS[d]));
      lb.loopNest(R.dims, [&](const std::vector<llvm::Value*>& ivs) {
        llvm::Value* src = b.CreateAdd(base, lb.linearIndex(ivs, sS));
        lb.store(t, lb.load(t, a.input, src), a.output, lb.linearIndex(ivs, sR));
      });
      return;
    }
    default: break;
  }
  ir::fail("{} is not a collective", ir::opKindName(a.op.kind));
}

}  // namespace shardc::codegen
