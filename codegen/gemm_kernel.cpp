// f32 MatMul blocked for registers and caches. C is cut into tiles of MR rows by NR columns (NR = two vector
// registers; wider for the last rows when fewer than MR remain); a tile's accumulators stay in registers while k
// runs over a block of KC, each step loading the tile's vectors of B and broadcasting one element of A per row
// into fused multiply-adds. k is blocked by KC so a tile's strip of B (KC x NR) stays in L1, and columns by NC so
// the B block a row of tiles sweeps (KC x NC) stays in L2; from kPackRows rows up, that block and each row of
// tiles' A are first copied into contiguous panels. Every extent is static: the edges (rows past the last full
// tile, columns past the last full vector, the last k block) get their own instantiations, the last partial
// vector through masked loads and stores, and the last k block applies the epilogue, if any, as it stores.
#include <algorithm>
#include <functional>
#include <map>

#include <llvm/IR/Intrinsics.h>

#include "codegen/kernels.h"

namespace shardc::codegen {
namespace {

constexpr int64_t kKc = 256;  // k per block: a 256 x 32 strip of B is 32 KiB (L1 is 48 KiB)
constexpr int64_t kNc = 512;  // columns per block: 256 x 512 of B is 512 KiB (L2 is 1 MiB)
constexpr int64_t kPackRows = 128;  // A and B are packed for MatMuls of at least this many rows

// Floats of `rows` rows of panels covering `columns` columns, nr to a panel: the layout of prepacked B is, per
// column item, its k rows of panels, and within it each k block's rows one after another.
int64_t panelsFloats(int64_t columns, int64_t rows, int64_t nr) { return (columns + nr - 1) / nr * nr * rows; }

struct Gemm {
  LoopBuilder& lb;
  llvm::IRBuilder<>& b;
  llvm::Value *A, *B, *C;  // this batch's matrices
  int64_t m, k, n;
  int64_t lanes, mr, accumulators;
  llvm::Type* f32;
  llvm::VectorType* vec;
  GemmEpilogue epilogue;  // applied to each vector of C as the last k block stores it
  llvm::Value* panels = nullptr;  // KC x NC floats on the stack when B is packed
  llvm::Value* aPanel = nullptr;  // KC x MR floats: a row of tiles' A, packed with B
  PanelPacker packer;             // when set, B exists only as the panels it writes (implicit GEMM)
  // B's panels packed ahead (at load time), laid out by prepackedOffset; `columns` is the work items' width.
  llvm::Value* prepacked = nullptr;
  int64_t columns = 0;

  llvm::Value* at(llvm::Value* base, llvm::Value* index) { return b.CreateInBoundsGEP(f32, base, index); }
  llvm::Value* add(llvm::Value* x, int64_t c) { return c == 0 ? x : b.CreateAdd(x, lb.i64(c), "", true, true); }
  llvm::Value* mul(llvm::Value* x, int64_t c) { return c == 1 ? x : b.CreateMul(x, lb.i64(c), "", true, true); }

  // A mask of the first `active` lanes, or null for all of them.
  llvm::Value* mask(int64_t active) {
    if (active == lanes) return nullptr;
    std::vector<llvm::Constant*> bits;
    for (int64_t l = 0; l < lanes; ++l) bits.push_back(b.getInt1(l < active));
    return llvm::ConstantVector::get(bits);
  }
  llvm::Value* loadVec(llvm::Value* ptr, llvm::Value* msk) {
    if (!msk) return b.CreateAlignedLoad(vec, ptr, llvm::Align(4));
    return b.CreateMaskedLoad(vec, ptr, llvm::Align(4), msk, llvm::Constant::getNullValue(vec));
  }
  void storeVec(llvm::Value* v, llvm::Value* ptr, llvm::Value* msk) {
    if (!msk) b.CreateAlignedStore(v, ptr, llvm::Align(4));
    else b.CreateMaskedStore(v, ptr, llvm::Align(4), msk);
  }

  // The tile of `rows` rows at i0 and `widths` vectors (the last may be partial) at j0, over k in [k0, k0 + kl).
  // B is read at bBase + (bK0 + kk) * bStride + v * lanes for step kk and vector v: B itself (B + j0, n, k0) or a
  // packed panel (its start, NR, 0).
  void tile(llvm::Value* i0, llvm::Value* j0, int64_t rows, const std::vector<int64_t>& widths, llvm::Value* k0,
            int64_t kl, llvm::Value* bBase, int64_t bStride, llvm::Value* bK0, bool first, bool last,
            llvm::Value* aPacked = nullptr) {
    size_t nv = widths.size();
    std::vector<llvm::Value*> masks;
    for (int64_t w : widths) masks.push_back(mask(w));
    std::vector<llvm::AllocaInst*> acc(size_t(rows) * nv);
    for (int64_t r = 0; r < rows; ++r) {
      llvm::Value* row = mul(add(i0, r), n);
      for (size_t v = 0; v < nv; ++v) {
        acc[size_t(r) * nv + v] = lb.slot(vec);
        llvm::Value* start = first ? llvm::Constant::getNullValue(vec)
                                   : loadVec(at(C, b.CreateAdd(row, add(j0, int64_t(v) * lanes))), masks[v]);
        b.CreateStore(start, acc[size_t(r) * nv + v]);
      }
    }
    llvm::Function* fma = llvm::Intrinsic::getDeclaration(b.GetInsertBlock()->getModule(), llvm::Intrinsic::fma, {vec});
    lb.loop(kl, [&](llvm::Value* kk) {
      llvm::Value* kIdx = b.CreateAdd(k0, kk);
      llvm::Value* bRow = mul(b.CreateAdd(bK0, kk), bStride);
      std::vector<llvm::Value*> bv;
      for (size_t v = 0; v < nv; ++v) bv.push_back(loadVec(at(bBase, add(bRow, int64_t(v) * lanes)), masks[v]));
      for (int64_t r = 0; r < rows; ++r) {
        llvm::Value* a = aPacked ? b.CreateLoad(f32, at(aPacked, add(mul(kk, rows), r)))
                                 : b.CreateLoad(f32, at(A, b.CreateAdd(mul(add(i0, r), k), kIdx)));
        llvm::Value* splat = b.CreateVectorSplat(unsigned(lanes), a);
        for (size_t v = 0; v < nv; ++v) {
          llvm::AllocaInst* slot = acc[size_t(r) * nv + v];
          b.CreateStore(b.CreateCall(fma, {splat, bv[v], b.CreateLoad(vec, slot)}), slot);
        }
      }
    });
    for (int64_t r = 0; r < rows; ++r) {
      llvm::Value* row = mul(add(i0, r), n);
      for (size_t v = 0; v < nv; ++v) {
        llvm::Value* value = b.CreateLoad(vec, acc[size_t(r) * nv + v]);
        llvm::Value* j = add(j0, int64_t(v) * lanes);
        if (last && epilogue) value = epilogue(value, add(i0, r), j, masks[v]);
        storeVec(value, at(C, b.CreateAdd(row, j)), masks[v]);
      }
    }
  }

  // Every tile of `rows` rows at i0 across the columns [j0, j0 + nc). Fewer rows get wider tiles: the
  // accumulators are independent chains of multiply-adds, and the FMA units need about 8 in flight. With packed
  // panels every tile reads them (NR wide), a full row of tiles its packed A too.
  void rowOfTiles(llvm::Value* i0, int64_t rows, llvm::Value* j0, int64_t nc, llvm::Value* k0, int64_t kl,
                  llvm::Value* packed, bool first, bool last) {
    bool fromPanels = packed != nullptr;
    int64_t nv = fromPanels ? 2 : std::clamp<int64_t>(accumulators / rows, 2, 8), nr = nv * lanes;
    std::vector<int64_t> full(size_t(nv), lanes);
    llvm::Value* aPacked = fromPanels && rows == mr ? aPanel : nullptr;
    if (aPacked) packA(i0, k0, kl);
    lb.loop(nc / nr, [&](llvm::Value* jb) {
      llvm::Value* j = b.CreateAdd(j0, mul(jb, nr));
      if (fromPanels) tile(i0, j, rows, full, k0, kl, at(packed, mul(jb, kl * nr)), nr, lb.i64(0), first, last, aPacked);
      else tile(i0, j, rows, full, k0, kl, at(B, j), n, k0, first, last);
    });
    int64_t rest = nc % nr;
    if (rest == 0) return;
    std::vector<int64_t> widths;
    for (int64_t left = rest; left > 0; left -= lanes) widths.push_back(std::min(left, lanes));
    llvm::Value* j = add(j0, nc - rest);
    if (fromPanels) tile(i0, j, rows, widths, k0, kl, at(packed, lb.i64(nc / nr * kl * nr)), nr, lb.i64(0), first, last, aPacked);
    else tile(i0, j, rows, widths, k0, kl, at(B, j), n, k0, first, last);
  }

  // B's block [k0, k0 + kl) x [j0, j0 + nc) as panels of NR columns, each kl x NR contiguous: a tile then reads
  // consecutive lines instead of one line every n floats, which the caches' sets cannot all hold when n is a
  // large power of two. The last panel, when partial, is padded with zeros.
  void pack(llvm::Value* packed, llvm::Value* j0, int64_t nc, llvm::Value* k0, int64_t kl) {
    int64_t nr = 2 * lanes, rest = nc % nr;
    lb.loop(kl, [&](llvm::Value* kk) {
      llvm::Value* row = b.CreateAdd(mul(b.CreateAdd(k0, kk), n), j0);
      lb.loop(nc / nr, [&](llvm::Value* p) {
        llvm::Value* from = b.CreateAdd(row, mul(p, nr));
        llvm::Value* to = b.CreateAdd(mul(p, kl * nr), mul(kk, nr));
        for (int64_t v = 0; v < 2; ++v)
          storeVec(loadVec(at(B, add(from, v * lanes)), nullptr), at(packed, add(to, v * lanes)), nullptr);
      });
      if (rest == 0) return;
      llvm::Value* from = add(row, nc - rest);
      llvm::Value* to = add(mul(kk, nr), nc / nr * kl * nr);
      for (int64_t v = 0; v * lanes < rest; ++v)
        storeVec(loadVec(at(B, add(from, v * lanes)), mask(std::min(lanes, rest - v * lanes))), at(packed, add(to, v * lanes)),
                 nullptr);
    });
  }

  // The tile's rows of A over [k0, k0 + kl), k-major: a step's MR values share one line, and MR rows n floats
  // apart no longer compete for the same cache sets.
  void packA(llvm::Value* i0, llvm::Value* k0, int64_t kl) {
    lb.loop(kl, [&](llvm::Value* kk) {
      for (int64_t r = 0; r < mr; ++r)
        b.CreateStore(b.CreateLoad(f32, at(A, b.CreateAdd(mul(add(i0, r), k), b.CreateAdd(k0, kk)))),
                      at(aPanel, add(mul(kk, mr), r)));
    });
  }

  // Rows [i0, i0 + rows) of the block [k0, k0 + kl) x [j0, j0 + nc). B is packed first when the panels exist:
  // with enough rows of tiles reading each block, the copy pays.
  void block(llvm::Value* i0, int64_t rows, llvm::Value* j0, int64_t nc, llvm::Value* k0, int64_t kl, bool first,
             bool last) {
    llvm::Value* from = nullptr;
    if (prepacked) {
      int64_t nr = 2 * lanes;
      llvm::Value* item = b.CreateUDiv(j0, lb.i64(columns));
      from = at(prepacked, b.CreateAdd(mul(item, panelsFloats(columns, k, nr)), mul(k0, panelsFloats(nc, 1, nr))));
    } else if (packer) {
      packer(B, panels, j0, nc, k0, kl, 2 * lanes);
      from = panels;
    } else if (rows >= kPackRows) {
      pack(panels, j0, nc, k0, kl);
      from = panels;
    }
    lb.loop(rows / mr, [&](llvm::Value* ib) { rowOfTiles(b.CreateAdd(i0, mul(ib, mr)), mr, j0, nc, k0, kl, from, first, last); });
    if (rows % mr) rowOfTiles(add(i0, rows - rows % mr), rows % mr, j0, nc, k0, kl, from, first, last);
  }

  // The k blocks over one work item's rows and columns: the first starts the accumulators at zero, the last
  // applies the epilogue.
  void item(llvm::Value* i0, int64_t rows, llvm::Value* j0, int64_t nc) {
    int64_t blocks = (k + kKc - 1) / kKc;
    if (blocks <= 1) return block(i0, rows, j0, nc, lb.i64(0), k, true, true);
    block(i0, rows, j0, nc, lb.i64(0), kKc, true, false);
    lb.loop(blocks - 2, [&](llvm::Value* kb) { block(i0, rows, j0, nc, mul(add(kb, 1), kKc), kKc, false, false); });
    block(i0, rows, j0, nc, lb.i64((blocks - 1) * kKc), k - (blocks - 1) * kKc, false, true);
  }
};

// How a GEMM's C is cut into work items, the unit that threads share: column blocks of `columns`, and groups of
// `rows` rows. The last block and group may be shorter.
struct ItemPlan {
  int64_t columns, columnItems, lastColumns, rows, rowItems, lastRows;
};

constexpr int64_t kItems = 8;              // enough items for a few threads to balance
constexpr int64_t kParallelMacs = 1 << 18;  // below this, one thread does it all: the hand-off costs more

ItemPlan planItems(int64_t m, int64_t k, int64_t n, int64_t mr, int64_t nr) {
  auto roundUp = [](int64_t x, int64_t to) { return (x + to - 1) / to * to; };
  auto ceilDiv = [](int64_t x, int64_t y) { return (x + y - 1) / y; };
  ItemPlan p{};
  bool split = m * k * n >= kParallelMacs;
  int64_t rowTiles = ceilDiv(m, mr);
  p.columns = std::max<int64_t>(1, std::min(n, kNc));
  // Full-width column blocks keep the single-thread blocking. When they are too few, a GEMM of many rows first
  // splits its rows in groups of 128 or more; then, if the items are still too few, the column blocks narrow
  // (never below 4 panels): each item then re-reads A, a small part of the work.
  int64_t groups = split ? std::clamp<int64_t>(kItems / ceilDiv(n, p.columns), 1, std::max<int64_t>(1, m / kPackRows)) : 1;
  if (split && ceilDiv(n, p.columns) * groups < kItems)
    // A GEMM of fewer rows than a tile runs wide tiles of 8 vectors: an item holds two of them at least.
    p.columns = std::min(p.columns, std::max(m < mr ? 8 * nr : 4 * nr, roundUp(ceilDiv(n, ceilDiv(kItems, groups)), nr)));
  p.columnItems = ceilDiv(n, p.columns);
  p.lastColumns = n - (p.columnItems - 1) * p.columns;
  p.rows = std::max<int64_t>(1, std::min(m, roundUp(ceilDiv(m, groups), mr)));
  p.rowItems = ceilDiv(m, p.rows);
  p.lastRows = m - (p.rowItems - 1) * p.rows;
  return p;
}

}  // namespace

void emitBatchedGemm(LoopBuilder& lb, const GemmBatch& batch, int64_t m, int64_t k, int64_t n, llvm::Value* a,
                     llvm::Value* bm, llvm::Value* c, const GemmEpilogueFor& epilogue, const PanelPacker& packer,
                     llvm::Value* prepackedB) {
  llvm::IRBuilder<>& b = lb.builder();
  // Registers: 32 vector registers with AVX-512 hold 8 x 2 accumulators, two of B and a broadcast; 16 with AVX2 or
  // SSE hold 6 x 2.
  int64_t lanes = lb.vectorBits() / 32, mr = lb.vectorBits() >= 512 ? 8 : 6;
  llvm::Type* f32 = b.getFloatTy();
  auto* vec = llvm::FixedVectorType::get(f32, unsigned(lanes));
  if (m == 0 || n == 0) return;
  ItemPlan plan = planItems(m, k, n, mr, 2 * lanes);
  llvm::Value* panels = nullptr;
  llvm::Value* aPanel = nullptr;
  if (packer || prepackedB || plan.rows >= kPackRows) {
    panels = lb.slot(llvm::ArrayType::get(f32, uint64_t(kKc * kNc)));
    aPanel = lb.slot(llvm::ArrayType::get(f32, uint64_t(kKc * mr)));
  }
  int64_t batches = 1;
  for (int64_t d : batch.dims) batches *= d;
  lb.parallelItems(batches * plan.columnItems * plan.rowItems, [&](llvm::Value* w) {
    llvm::Value* rowItem = b.CreateURem(w, lb.i64(plan.rowItems));
    llvm::Value* rest = b.CreateUDiv(w, lb.i64(plan.rowItems));
    llvm::Value* columnItem = b.CreateURem(rest, lb.i64(plan.columnItems));
    llvm::Value* flatBatch = b.CreateUDiv(rest, lb.i64(plan.columnItems));
    std::vector<llvm::Value*> ivs(batch.dims.size());
    for (size_t d = batch.dims.size(); d-- > 0;) {
      ivs[d] = b.CreateURem(flatBatch, lb.i64(batch.dims[d]));
      flatBatch = b.CreateUDiv(flatBatch, lb.i64(batch.dims[d]));
    }
    Gemm gemm{lb,
              b,
              b.CreateInBoundsGEP(f32, a, lb.linearIndex(ivs, batch.strideA)),
              bm ? b.CreateInBoundsGEP(f32, bm, lb.linearIndex(ivs, batch.strideB)) : nullptr,
              b.CreateInBoundsGEP(f32, c, lb.linearIndex(ivs, batch.strideC)),
              m,
              k,
              n,
              lanes,
              mr,
              2 * mr,
              f32,
              vec,
              epilogue ? epilogue(ivs) : nullptr,
              panels,
              aPanel,
              packer,
              prepackedB,
              plan.columns};
    llvm::Value* i0 = b.CreateMul(rowItem, lb.i64(plan.rows));
    llvm::Value* j0 = b.CreateMul(columnItem, lb.i64(plan.columns));
    // The last column block and row group are their own instantiations (static extents).
    auto rowsOf = [&](int64_t nc) {
      if (plan.lastRows == plan.rows) return gemm.item(i0, plan.rows, j0, nc);
      lb.branch(b.CreateICmpEQ(rowItem, lb.i64(plan.rowItems - 1)), [&] { gemm.item(i0, plan.lastRows, j0, nc); },
                [&] { gemm.item(i0, plan.rows, j0, nc); });
    };
    if (plan.lastColumns == plan.columns) return rowsOf(plan.columns);
    lb.branch(b.CreateICmpEQ(columnItem, lb.i64(plan.columnItems - 1)), [&] { rowsOf(plan.lastColumns); },
              [&] { rowsOf(plan.columns); });
  });
}

namespace {

// The blocked GEMM of A [batch..., m, k] and B [batch..., k, n] into C [batch, m, n] (numpy broadcasting of the
// batch dims).
void emitGemm(LoopBuilder& lb, const ir::Shape& sa, const ir::Shape& sb, const ir::Shape& sc, llvm::Value* a,
              llvm::Value* bm, llvm::Value* c, const GemmEpilogueFor& epilogue, llvm::Value* prepackedB) {
  int64_t m = sa.dims[sa.rank() - 2], k = sa.dims[sa.rank() - 1], n = sb.dims[sb.rank() - 1];
  ir::Shape batchA(std::vector<int64_t>(sa.dims.begin(), sa.dims.end() - 2));
  ir::Shape batchB(std::vector<int64_t>(sb.dims.begin(), sb.dims.end() - 2));
  ir::Shape batchC(std::vector<int64_t>(sc.dims.begin(), sc.dims.end() - 2));
  GemmBatch batch{batchC.dims, broadcastStrides(batchA, batchC), broadcastStrides(batchB, batchC), batchC.strides()};
  for (auto& s : batch.strideA) s *= m * k;
  for (auto& s : batch.strideB) s *= k * n;
  for (auto& s : batch.strideC) s *= m * n;
  emitBatchedGemm(lb, batch, m, k, n, a, bm, c, epilogue, nullptr, prepackedB);
}


}  // namespace

bool emitBlockedMatMul(LoopBuilder& lb, const KernelArgs& a) {
  const ir::TensorType& ta = a.graph.value(a.op.operands[0]).type;
  const ir::TensorType& tb = a.graph.value(a.op.operands[1]).type;
  const ir::TensorType& tc = a.graph.value(a.op.results[0]).type;
  if (tc.dtype != ir::DType::f32 || ta.shape.rank() < 2 || tb.shape.rank() < 2) return false;
  emitGemm(lb, ta.shape, tb.shape, tc.shape, a.operands[0], a.operands[1], a.results[0], nullptr, a.prepackedB);
  return true;
}

int64_t prepackedFloats(int vectorBits, int64_t m, int64_t k, int64_t n) {
  int64_t lanes = vectorBits / 32, mr = vectorBits >= 512 ? 8 : 6, nr = 2 * lanes;
  if (m < kPackRows || k == 0 || n == 0) return 0;
  ItemPlan plan = planItems(m, k, n, mr, nr);
  return (plan.columnItems - 1) * panelsFloats(plan.columns, k, nr) + panelsFloats(plan.lastColumns, k, nr);
}

void emitPrepack(LoopBuilder& lb, int64_t m, int64_t k, int64_t n, llvm::Value* bm, llvm::Value* dst) {
  llvm::IRBuilder<>& b = lb.builder();
  int64_t lanes = lb.vectorBits() / 32, mr = lb.vectorBits() >= 512 ? 8 : 6, nr = 2 * lanes;
  ItemPlan plan = planItems(m, k, n, mr, nr);
  llvm::Type* f32 = b.getFloatTy();
  Gemm gemm{lb, b, nullptr, bm, nullptr, m, k, n, lanes, mr, 2 * mr, f32, llvm::FixedVectorType::get(f32, unsigned(lanes)),
            nullptr, nullptr, nullptr, nullptr, nullptr, plan.columns};
  // Each column item's k blocks, in the order Gemm::block reads them.
  auto packItem = [&](llvm::Value* item, int64_t nc) {
    llvm::Value* j0 = b.CreateMul(item, lb.i64(plan.columns));
    llvm::Value* base = b.CreateInBoundsGEP(f32, dst, b.CreateMul(item, lb.i64(panelsFloats(plan.columns, k, nr))));
    int64_t blocks = (k + kKc - 1) / kKc;
    lb.loop(blocks, [&](llvm::Value* kb) {
      llvm::Value* k0 = b.CreateMul(kb, lb.i64(kKc));
      llvm::Value* to = b.CreateInBoundsGEP(f32, base, b.CreateMul(k0, lb.i64(panelsFloats(nc, 1, nr))));
      // The last k block is shorter: its own instantiation.
      int64_t tail = k - (blocks - 1) * kKc;
      if (tail == kKc) return gemm.pack(to, j0, nc, k0, kKc);
      lb.branch(b.CreateICmpEQ(kb, lb.i64(blocks - 1)), [&] { gemm.pack(to, j0, nc, k0, tail); },
                [&] { gemm.pack(to, j0, nc, k0, kKc); });
    });
  };
  int64_t full = plan.lastColumns == plan.columns ? plan.columnItems : plan.columnItems - 1;
  lb.loop(full, [&](llvm::Value* item) { packItem(item, plan.columns); });
  if (full < plan.columnItems) packItem(lb.i64(full), plan.lastColumns);
}

GemmEpilogue groupEpilogue(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                           const ir::Op& producer, const std::map<ir::ValueId, llvm::Value*>& external,
                           const std::vector<llvm::Value*>& batchIvs,
                           const std::function<std::vector<int64_t>(ir::ValueId)>& viewStrides) {
  llvm::IRBuilder<>& b = lb.builder();
  std::map<ir::ValueId, const ir::Op*> producedBy;
  for (const ir::Op* m : members)
    if (m != &producer) producedBy[m->results[0]] = m;
  ir::ValueId root = members.back()->results[0];
  int64_t lanes = lb.vectorBits() / 32;
  return [&lb, &b, &g, &external, producedBy, root, &producer, batchIvs, viewStrides, lanes](
             llvm::Value* acc, llvm::Value* i, llvm::Value* j, llvm::Value* mask) -> llvm::Value* {
    llvm::Type* f32 = b.getFloatTy();
    auto* vec = llvm::FixedVectorType::get(f32, unsigned(lanes));
    std::map<ir::ValueId, llvm::Value*> values{{producer.results[0], acc}};
    // An operand from outside: the elements at row i, columns j.., through its strides in the view.
    auto load = [&](ir::ValueId v) -> llvm::Value* {
      std::vector<int64_t> strides = viewStrides(v);
      std::vector<int64_t> batchStrides(strides.begin(), strides.end() - 2);
      llvm::Value* index = lb.linearIndex(batchIvs, batchStrides);
      int64_t si = strides[strides.size() - 2], sj = strides.back();
      if (si) index = b.CreateAdd(index, b.CreateMul(i, lb.i64(si)));
      llvm::Value* base = external.at(v);
      if (sj == 0) return b.CreateVectorSplat(unsigned(lanes), b.CreateLoad(f32, b.CreateInBoundsGEP(f32, base, index)));
      llvm::Value* ptr = b.CreateInBoundsGEP(f32, base, b.CreateAdd(index, j));
      if (mask) return b.CreateMaskedLoad(vec, ptr, llvm::Align(4), mask, llvm::Constant::getNullValue(vec));
      return b.CreateAlignedLoad(vec, ptr, llvm::Align(4));
    };
    return groupValue(lb, g, producedBy, root, values, load);
  };
}

void emitMatMulGroup(LoopBuilder& lb, const ir::Graph& g, const std::vector<const ir::Op*>& members,
                     const std::map<ir::ValueId, llvm::Value*>& external, llvm::Value* result, llvm::Value* prepackedB) {
  // The MatMul need not come first: elementwise members computing another operand of the group (a residual's
  // own chain) may precede it in program order.
  const ir::Op& mm =
      **std::find_if(members.begin(), members.end(), [](const ir::Op* m) { return m->kind == ir::OpKind::MatMul; });
  const ir::Shape& out = g.value(members.back()->results[0]).type.shape;
  auto strides = [&g, &out](ir::ValueId v) { return broadcastStrides(g.value(v).type.shape, out); };
  GemmEpilogueFor epilogue = [&](const std::vector<llvm::Value*>& ivs) {
    return groupEpilogue(lb, g, members, mm, external, ivs, strides);
  };
  emitGemm(lb, g.value(mm.operands[0]).type.shape, g.value(mm.operands[1]).type.shape, out,
           external.at(mm.operands[0]), external.at(mm.operands[1]), result, epilogue, prepackedB);
}

}  // namespace shardc::codegen
