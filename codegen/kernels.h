// Kernel emitters: each writes one LLVM function body for one op (or one fused group of elementwise ops),
// specialised to its static shapes. Operand and result buffers arrive as noalias pointer arguments.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "codegen/loop_builder.h"
#include "ir/graph.h"

namespace shardc::codegen {

struct KernelArgs {
  const ir::Graph& graph;
  const ir::Op& op;
  std::vector<llvm::Value*> operands;  // one pointer per op operand
  std::vector<llvm::Value*> results;   // one pointer per op result
  llvm::Value* prepackedB = nullptr;   // a MatMul's B packed at load time (emitPrepack), or null
};

// Elementwise ops fused into one loop over the root's result: `members` in program order, the root last; values
// produced inside the group are computed per element and never stored. `external` maps every value the group
// reads from outside to its buffer.
void emitElementwiseGroup(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                          const std::map<ir::ValueId, llvm::Value*>& external, llvm::Value* result);

// The value of v in a fused group (`producedBy`: its members by result), one element or, when every member is f32
// and ir::hasVectorForm, one vector at a time: values already in `known` are taken from it (each one computed is
// added), values from outside the group come from `load`.
llvm::Value* groupValue(LoopBuilder& lb, const ir::Graph& g, const std::map<ir::ValueId, const ir::Op*>& producedBy,
                        ir::ValueId v, std::map<ir::ValueId, llvm::Value*>& known,
                        const std::function<llvm::Value*(ir::ValueId)>& load);

// Applied to each vector of a GEMM's result as it is stored the last time: (value, row, first column, lane mask
// or null) -> the value to store.
using GemmEpilogue = std::function<llvm::Value*(llvm::Value*, llvm::Value*, llvm::Value*, llvm::Value*)>;
// The epilogue of one batch of a batched GEMM, given its batch indices.
using GemmEpilogueFor = std::function<GemmEpilogue(const std::vector<llvm::Value*>& batchIvs)>;
// Writes the block [k0, k0 + kl) x [j0, j0 + nc) of a batch's B (`b`: B's pointer for that batch) as panels of nr
// columns: panel p at p * kl * nr floats, its row kk at kk * nr; a partial last panel padded with zeros.
using PanelPacker = std::function<void(llvm::Value* b, llvm::Value* panels, llvm::Value* j0, int64_t nc,
                                       llvm::Value* k0, int64_t kl, int64_t nr)>;
// The batch dims of a batched GEMM and each matrix's element stride per batch index (0: shared).
struct GemmBatch {
  std::vector<int64_t> dims, strideA, strideB, strideC;
};

// C [batch..., m, n] = A [m, k] · B [k, n] per batch, f32 row-major, blocked for the target's registers and
// caches; its work items (column blocks and row groups of every batch) are the kernel's parallel loop. With
// packB, B is never read as a matrix: packB writes each block's panels from the batch's `b` (an implicit GEMM).
void emitBatchedGemm(LoopBuilder& lb, const GemmBatch& batch, int64_t m, int64_t k, int64_t n, llvm::Value* a,
                     llvm::Value* bm, llvm::Value* c, const GemmEpilogueFor& epilogue, const PanelPacker& packB,
                     llvm::Value* prepackedB = nullptr);

// The epilogue that applies a fused group's elementwise members to the vectors of `producer` (its MatMul or
// Conv): viewStrides gives an outside operand's strides in the result seen as [batch..., rows, columns].
GemmEpilogue groupEpilogue(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                           const ir::Op& producer, const std::map<ir::ValueId, llvm::Value*>& external,
                           const std::vector<llvm::Value*>& batchIvs,
                           const std::function<std::vector<int64_t>(ir::ValueId)>& viewStrides);

// A MatMul and the elementwise ops fused with it (fuse-elementwise's group, in program order): the blocked GEMM
// accumulates in the group's result buffer and applies the others to each tile as it stores it the last time.
void emitMatMulGroup(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                     const std::map<ir::ValueId, llvm::Value*>& external, llvm::Value* result,
                     llvm::Value* prepackedB = nullptr);

// A weight B [k, n] of an f32 GEMM of m rows packed once, at load time, into the panels the GEMM reads
// (prepackedB of emitMatMulGroup / KernelArgs): how many floats (0: this GEMM reads B as it is), and the code
// that writes them.
int64_t prepackedFloats(int vectorBits, int64_t m, int64_t k, int64_t n);
void emitPrepack(LoopBuilder& lb, int64_t m, int64_t k, int64_t n, llvm::Value* b, llvm::Value* dst);
// The same for a Conv taking the GEMM path (convUsesGemm) and its group.
void emitConvGroup(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                   const std::map<ir::ValueId, llvm::Value*>& external, llvm::Value* result);

void emitMatMul(LoopBuilder& lb, const KernelArgs& a);
// Whether a Conv takes the blocked paths (direct, GEMM or implicit GEMM, by shape; conv_gemm_kernel.cpp): f32,
// no groups.
bool convUsesGemm(const ir::Graph& g, const ir::Op& conv);
// The Conv of `a` through those paths when convUsesGemm; false (nothing emitted) otherwise.
bool emitConvAsGemm(LoopBuilder& lb, const KernelArgs& a);
// f32 MatMul of matrices (rank >= 2), blocked for the target's vector registers and the caches; false (nothing
// emitted) for other types and ranks.
bool emitBlockedMatMul(LoopBuilder& lb, const KernelArgs& a);
void emitReduce(LoopBuilder& lb, const KernelArgs& a);
// f32 Sum, Mean, Max, Min over trailing dims, a vector at a time; false (nothing emitted) for other reductions.
bool emitVectorReduce(LoopBuilder& lb, const KernelArgs& a);
void emitSoftmax(LoopBuilder& lb, const KernelArgs& a);
void emitTranspose(LoopBuilder& lb, const KernelArgs& a);
void emitConcat(LoopBuilder& lb, const KernelArgs& a);
// Conv: in a rank program whose input channels are split, attr bias_elsewhere=1 leaves the bias to one rank.
void emitConv(LoopBuilder& lb, const KernelArgs& a);
void emitConvTranspose(LoopBuilder& lb, const KernelArgs& a);
// ArgMax, ArgMin.
void emitArgExtreme(LoopBuilder& lb, const KernelArgs& a);
void emitTopK(LoopBuilder& lb, const KernelArgs& a);
void emitGatherElements(LoopBuilder& lb, const KernelArgs& a);
void emitPad(LoopBuilder& lb, const KernelArgs& a);
// MaxPool, AveragePool.
void emitPool(LoopBuilder& lb, const KernelArgs& a);
// f32 MaxPool and AveragePool a vector of output positions at a time; false (nothing emitted) for other types.
bool emitVectorPool(LoopBuilder& lb, const KernelArgs& a);
void emitSlice(LoopBuilder& lb, const KernelArgs& a);
// Gather of the rows [blockStart, blockStart + local dim) of a dim of `globalDim` rows: indices outside the block
// give zeros (a rank's share of a vocabulary-split lookup; blockStart 0 and the whole dim otherwise).
void emitGather(LoopBuilder& lb, const KernelArgs& a, llvm::Value* blockStart, int64_t globalDim);
// Reshape and Identity: the bytes unchanged.
void emitCopy(LoopBuilder& lb, const KernelArgs& a);

// Strides of `shape` seen from an output of rank `outRank` under numpy broadcasting: 0 where the dim is
// broadcast (extent 1 against a larger output, or absent).
std::vector<int64_t> broadcastStrides(const ir::Shape& shape, const ir::Shape& out);

}  // namespace shardc::codegen
