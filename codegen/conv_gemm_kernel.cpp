// f32 Conv without groups, by shape: a pointwise Conv (1x1, stride 1, no padding) is a GEMM of the weights and the
// image as it lies; one whose last output dim fills the vector lanes goes to the direct kernel
// (direct_conv_kernel.cpp); the rest is an implicit GEMM: per image, the weights [M, C·K] times the windows laid out as
// columns [C·K, positions] (row c·K + k, column the output position, zero where the window leaves the input) is
// the output [M, positions]. The columns are never built whole: the GEMM asks for one block of them at a time as
// its packed panels, and the packer gathers each panel row straight from the image, one vector of output
// positions at a time (a masked gather: lanes whose window element falls in the padding, or past the last
// position, read nothing and hold zero). Bias, and the elementwise ops fused after the Conv, are applied as the
// GEMM stores its tiles.
#include <algorithm>

#include "codegen/kernels.h"
#include "codegen/conv_geometry.h"

namespace shardc::codegen {
namespace {

// Rows [k0, k0 + kl) x positions [j0, j0 + nc) of image `x`'s columns as panels of nr positions.
void gatherPanels(LoopBuilder& lb, const ConvGeometry& s, llvm::Value* x, llvm::Value* panels, llvm::Value* j0,
                  int64_t nc, llvm::Value* k0, int64_t kl, int64_t nr) {
  llvm::IRBuilder<>& b = lb.builder();
  int64_t lanes = lb.vectorBits() / 32, vectors = nr / lanes;
  llvm::Type* f32 = b.getFloatTy();
  auto* vec = llvm::FixedVectorType::get(f32, unsigned(lanes));
  size_t rank = s.os.size();
  lb.loop((nc + nr - 1) / nr, [&](llvm::Value* p) {
    std::vector<WindowStarts> starts;
    for (int64_t v = 0; v < vectors; ++v)
      starts.push_back(windowStarts(lb, s.w, s.os, b.CreateAdd(j0, b.CreateAdd(b.CreateMul(p, lb.i64(nr)), lb.i64(v * lanes))), lanes));
    lb.loop(kl, [&](llvm::Value* kk) {
      // Row c·K + k: channel c, window element k.
      llvm::Value* row = b.CreateAdd(k0, kk);
      llvm::Value* c = b.CreateUDiv(row, lb.i64(s.kBlock));
      llvm::Value* rest = b.CreateURem(row, lb.i64(s.kBlock));
      std::vector<llvm::Value*> k(rank);
      for (size_t d = rank; d-- > 0;) {
        k[d] = b.CreateTrunc(b.CreateMul(b.CreateURem(rest, lb.i64(s.ks[d])), lb.i64(s.w.dilations[d])), b.getInt32Ty());
        rest = b.CreateUDiv(rest, lb.i64(s.ks[d]));
      }
      llvm::Value* plane = b.CreateInBoundsGEP(f32, x, b.CreateMul(c, lb.i64(s.xBlock)));
      for (int64_t v = 0; v < vectors; ++v) {
        VectorWindowIndex at = vectorWindowIndex(lb, s.w, s.xs, starts[size_t(v)], k, lanes);
        llvm::Value* values = b.CreateMaskedGather(vec, b.CreateInBoundsGEP(f32, plane, at.offset), llvm::Align(4),
                                                   at.inside, llvm::Constant::getNullValue(vec));
        llvm::Value* to = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(p, lb.i64(kl)), kk), lb.i64(nr)),
                                      lb.i64(v * lanes));
        b.CreateAlignedStore(values, b.CreateInBoundsGEP(f32, panels, to), llvm::Align(4));
      }
    });
  });
}

// The Conv by the path its shape suits; `epilogue(image)` is applied to that image's vectors.
void emitConvGemm(LoopBuilder& lb, const ir::Graph& g, const ir::Op& conv, llvm::Value* x, llvm::Value* w,
                  llvm::Value* y, const std::function<GemmEpilogue(llvm::Value*)>& epilogue) {
  ConvGeometry s = convGeometry(g, conv);
  bool pointwise = std::all_of(s.ks.begin(), s.ks.end(), [](int64_t k) { return k == 1; }) &&
                   std::all_of(s.w.strides.begin(), s.w.strides.end(), [](int64_t v) { return v == 1; }) &&
                   s.positions == s.xBlock;
  if (!pointwise && directConvFits(s, lb.vectorBits() / 32)) return emitDirectConv(lb, s, x, w, y, epilogue);
  // Per image: the weights [M, C·K] (shared) times the image's columns into the image's output.
  GemmBatch batch{{s.N}, {0}, {s.C * s.xBlock}, {s.M * s.positions}};
  GemmEpilogueFor perImage = [&](const std::vector<llvm::Value*>& ivs) { return epilogue(ivs[0]); };
  if (pointwise)  // the image [C, positions] is the GEMM's B as it lies
    return emitBatchedGemm(lb, batch, s.M, s.C, s.positions, w, x, y, perImage, nullptr);
  PanelPacker packer = [&](llvm::Value* image, llvm::Value* panels, llvm::Value* j0, int64_t nc, llvm::Value* k0,
                           int64_t kl, int64_t nr) { gatherPanels(lb, s, image, panels, j0, nc, k0, kl, nr); };
  emitBatchedGemm(lb, batch, s.M, s.C * s.kBlock, s.positions, w, x, y, perImage, packer);
}

// The bias of output channel `row` added to a vector, when the Conv has one here.
GemmEpilogue withBias(LoopBuilder& lb, const ir::Op& conv, llvm::Value* bias, GemmEpilogue then) {
  if (!bias || conv.attrs.getInt("bias_elsewhere", 0)) return then;
  llvm::IRBuilder<>& b = lb.builder();
  int64_t lanes = lb.vectorBits() / 32;
  return [&b, bias, lanes, then](llvm::Value* acc, llvm::Value* row, llvm::Value* j, llvm::Value* mask) {
    llvm::Value* value = b.CreateLoad(b.getFloatTy(), b.CreateInBoundsGEP(b.getFloatTy(), bias, row));
    llvm::Value* sum = b.CreateFAdd(acc, b.CreateVectorSplat(unsigned(lanes), value));
    return then ? then(sum, row, j, mask) : sum;
  };
}

}  // namespace

bool convUsesGemm(const ir::Graph& g, const ir::Op& conv) {
  for (ir::ValueId v : conv.operands)
    if (g.value(v).type.dtype != ir::DType::f32) return false;
  return g.value(conv.results[0]).type.dtype == ir::DType::f32 && conv.attrs.getInt("group", 1) == 1 &&
         g.value(conv.operands[0]).type.shape.rank() >= 3;
}

bool emitConvAsGemm(LoopBuilder& lb, const KernelArgs& a) {
  if (!convUsesGemm(a.graph, a.op)) return false;
  llvm::Value* bias = a.op.operands.size() > 2 ? a.operands[2] : nullptr;
  emitConvGemm(lb, a.graph, a.op, a.operands[0], a.operands[1], a.results[0],
               [&](llvm::Value*) { return withBias(lb, a.op, bias, nullptr); });
  return true;
}

void emitConvGroup(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                   const std::map<ir::ValueId, llvm::Value*>& external, llvm::Value* result) {
  const ir::Op& conv =
      **std::find_if(members.begin(), members.end(), [](const ir::Op* m) { return m->kind == ir::OpKind::Conv; });
  const ir::Shape& out = g.value(members.back()->results[0]).type.shape;
  // The result seen as [N, M, positions]: an operand broadcast over the positions reads one value per row, one of
  // the result's own spatial shape reads consecutive columns (fuse-elementwise admits only those).
  auto strides = [&g, &out](ir::ValueId v) {
    std::vector<int64_t> s = broadcastStrides(g.value(v).type.shape, out);
    bool perPosition = std::any_of(s.begin() + 2, s.end(), [](int64_t x) { return x != 0; });
    return std::vector<int64_t>{s[0], s[1], perPosition ? 1 : 0};
  };
  llvm::Value* bias = conv.operands.size() > 2 ? external.at(conv.operands[2]) : nullptr;
  emitConvGemm(lb, g, conv, external.at(conv.operands[0]), external.at(conv.operands[1]), result,
               [&](llvm::Value* n) {
                 return withBias(lb, conv, bias, groupEpilogue(lb, g, members, conv, external, {n}, strides));
               });
}

}  // namespace shardc::codegen
