// f32 Conv without groups computed in place, NCHW, blocked for registers like the GEMM's micro-kernel: a tile is
// MR output channels by a run of output positions along the last spatial dim (up to three vectors), its
// accumulators in registers while the loop runs over input channels and window elements. The input is read
// straight from the image: along the last dim the window's elements for consecutive outputs are consecutive
// inputs (every stride-th one: a wider load and a shuffle), so there is no im2col. Every offset and lane mask
// along the last dim is static; the other spatial dims are run-time loops, and a window row that falls in the
// padding is skipped by one branch before the channel loop.
#include <algorithm>

#include <llvm/IR/Intrinsics.h>

#include "codegen/conv_geometry.h"
#include "codegen/kernels.h"

namespace shardc::codegen {
namespace {

struct DirectConv {
  LoopBuilder& lb;
  llvm::IRBuilder<>& b;
  const ConvGeometry& s;
  llvm::Value *x, *w, *y;  // this image's input and output, the weights
  GemmEpilogue epilogue;
  int64_t lanes, mr;
  llvm::Type* f32;
  llvm::VectorType* vec;

  size_t rank() const { return s.os.size(); }
  int64_t lastOut() const { return s.os.back(); }
  int64_t lastIn() const { return s.xs.back(); }

  llvm::Value* laneMask(const std::vector<bool>& on) {
    std::vector<llvm::Constant*> bits;
    for (bool v : on) bits.push_back(b.getInt1(v));
    return llvm::ConstantVector::get(bits);
  }

  // &w[m0 + r, c, window element k]: the tile's and the channel's bases, then a constant offset, so the rows'
  // weights are one register plus displacements (a flat index would hide that from the address folding).
  llvm::Value* weight(llvm::Value* m0, llvm::Value* c, int64_t r, int64_t k) {
    llvm::Value* tile = b.CreateInBoundsGEP(f32, w, b.CreateMul(m0, lb.i64(s.C * s.kBlock), "", true, true));
    llvm::Value* channel = b.CreateInBoundsGEP(f32, tile, b.CreateMul(c, lb.i64(s.kBlock), "", true, true));
    return b.CreateConstInBoundsGEP1_64(f32, channel, uint64_t(r * s.C * s.kBlock + k));
  }

  // The tile of `rows` channels from m0 and `vectors` vectors of the last dim from `first`, at the outer output
  // position `outer` (one index per spatial dim but the last).
  void tile(llvm::Value* m0, int64_t rows, const std::vector<llvm::Value*>& outer, int64_t first, int64_t vectors) {
    std::vector<llvm::AllocaInst*> acc(size_t(rows * vectors));
    for (auto& a : acc) {
      a = lb.slot(vec);
      b.CreateStore(llvm::Constant::getNullValue(vec), a);
    }
    llvm::Function* fma = llvm::Intrinsic::getDeclaration(b.GetInsertBlock()->getModule(), llvm::Intrinsic::fma, {vec});
    size_t outerRank = rank() - 1;
    std::vector<int64_t> outerKernel(s.ks.begin(), s.ks.end() - 1);
    int64_t kw = s.ks.back();
    // Every window element of the outer dims, statically; its input row is checked once, at run time.
    for (int64_t ko = 0; ko < product(outerKernel); ++ko) {
      llvm::Value* inside = b.getTrue();
      llvm::Value* rowIndex = lb.i64(0);
      for (size_t d = 0, rest = size_t(ko); d < outerRank; ++d) {
        int64_t stride = product(std::vector<int64_t>(outerKernel.begin() + int64_t(d) + 1, outerKernel.end()));
        int64_t k = int64_t(rest) / stride;
        rest %= size_t(stride);
        llvm::Value* at = b.CreateAdd(b.CreateMul(outer[d], lb.i64(s.w.strides[d])),
                                      lb.i64(k * s.w.dilations[d] - s.w.padBegin[d]));
        inside = b.CreateAnd(inside, b.CreateICmpULT(at, lb.i64(s.xs[d])));
        rowIndex = b.CreateAdd(b.CreateMul(rowIndex, lb.i64(s.xs[d])), at);
      }
      llvm::Function* f = b.GetInsertBlock()->getParent();
      llvm::BasicBlock* body = llvm::BasicBlock::Create(b.getContext(), "conv.window", f);
      llvm::BasicBlock* next = llvm::BasicBlock::Create(b.getContext(), "conv.window.next", f);
      b.CreateCondBr(inside, body, next);
      b.SetInsertPoint(body);
      lb.loop(s.C, [&](llvm::Value* c) {
        llvm::Value* row = b.CreateInBoundsGEP(
            f32, x, b.CreateAdd(b.CreateMul(c, lb.i64(s.xBlock)), b.CreateMul(rowIndex, lb.i64(lastIn()))));
        for (int64_t k = 0; k < kw; ++k) {
          std::vector<llvm::Value*> in;
          for (int64_t v = 0; v < vectors; ++v) in.push_back(rowWindow(lb, s.w, lastIn(), lastOut(), row, first + v * lanes, k, lanes,
                                     llvm::ConstantFP::get(b.getFloatTy(), 0.0))
                               .value);
          for (int64_t r = 0; r < rows; ++r) {
            // w[m0 + r, c, ko..., k]
            llvm::Value* splat = b.CreateVectorSplat(unsigned(lanes), b.CreateLoad(f32, weight(m0, c, r, ko * kw + k)));
            for (int64_t v = 0; v < vectors; ++v) {
              llvm::AllocaInst* slot = acc[size_t(r * vectors + v)];
              b.CreateStore(b.CreateCall(fma, {splat, in[size_t(v)], b.CreateLoad(vec, slot)}), slot);
            }
          }
        }
      });
      b.CreateBr(next);
      b.SetInsertPoint(next);
    }
    llvm::Value* position = b.CreateMul(lb.linearIndex(outer, ir::Shape(std::vector<int64_t>(s.os.begin(), s.os.end() - 1)).strides()),
                                        lb.i64(lastOut()));
    store(acc, m0, rows, vectors, b.CreateAdd(position, lb.i64(first)), lastOut() - first);
  }

  // The accumulators of a tile whose vectors start at column `start`, of which `valid` columns exist, through
  // the epilogue into y.
  void store(const std::vector<llvm::AllocaInst*>& acc, llvm::Value* m0, int64_t rows, int64_t vectors,
             llvm::Value* start, int64_t valid) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        int64_t width = std::min(lanes, valid - v * lanes);
        std::vector<bool> on(static_cast<size_t>(lanes));
        for (int64_t t = 0; t < lanes; ++t) on[size_t(t)] = t < width;
        llvm::Value* msk = width == lanes ? nullptr : laneMask(on);
        llvm::Value* row = b.CreateAdd(m0, lb.i64(r));
        llvm::Value* column = b.CreateAdd(start, lb.i64(v * lanes));
        llvm::Value* value = b.CreateLoad(vec, acc[size_t(r * vectors + v)]);
        if (epilogue) value = epilogue(value, row, column, msk);
        llvm::Value* ptr = b.CreateInBoundsGEP(f32, y, b.CreateAdd(b.CreateMul(row, lb.i64(s.positions)), column));
        if (msk) b.CreateMaskedStore(value, ptr, llvm::Align(4), msk);
        else b.CreateAlignedStore(value, ptr, llvm::Align(4));
      }
  }

  // A tile of `rows` channels by `vectors` vectors of consecutive positions from p0 (of which `valid` exist),
  // when the output has the input's spatial shape and every stride is 1: window element k of position p is
  // input element p + offset(k), so each vector is one load, masked where the window leaves the input.
  void flatTile(llvm::Value* m0, int64_t rows, llvm::Value* p0, int64_t vectors, int64_t valid) {
    std::vector<llvm::AllocaInst*> acc(size_t(rows * vectors));
    for (auto& a : acc) {
      a = lb.slot(vec);
      b.CreateStore(llvm::Constant::getNullValue(vec), a);
    }
    llvm::Function* fma = llvm::Intrinsic::getDeclaration(b.GetInsertBlock()->getModule(), llvm::Intrinsic::fma, {vec});
    std::vector<WindowStarts> starts;
    for (int64_t v = 0; v < vectors; ++v) starts.push_back(windowStarts(lb, s.w, s.os, b.CreateAdd(p0, lb.i64(v * lanes)), lanes));
    std::vector<int64_t> inStrides = ir::Shape(s.xs).strides(), kStrides = ir::Shape(s.ks).strides();
    for (int64_t kidx = 0; kidx < s.kBlock; ++kidx) {
      std::vector<llvm::Value*> k;
      int64_t offset = 0;
      for (size_t d = 0; d < rank(); ++d) {
        int64_t kd = kidx / kStrides[d] % s.ks[d] * s.w.dilations[d];
        k.push_back(b.getInt32(uint32_t(kd)));
        offset += (kd - s.w.padBegin[d]) * inStrides[d];
      }
      std::vector<llvm::Value*> masks;
      for (int64_t v = 0; v < vectors; ++v) masks.push_back(vectorWindowIndex(lb, s.w, s.xs, starts[size_t(v)], k, lanes).inside);
      lb.loop(s.C, [&](llvm::Value* c) {
        llvm::Value* base = b.CreateGEP(f32, x, b.CreateAdd(b.CreateAdd(b.CreateMul(c, lb.i64(s.xBlock)), p0), lb.i64(offset)));
        std::vector<llvm::Value*> in;
        for (int64_t v = 0; v < vectors; ++v)
          in.push_back(b.CreateMaskedLoad(vec, b.CreateGEP(f32, base, lb.i64(v * lanes)), llvm::Align(4), masks[size_t(v)],
                                          llvm::Constant::getNullValue(vec)));
        for (int64_t r = 0; r < rows; ++r) {
          llvm::Value* splat = b.CreateVectorSplat(unsigned(lanes), b.CreateLoad(f32, weight(m0, c, r, kidx)));
          for (int64_t v = 0; v < vectors; ++v) {
            llvm::AllocaInst* slot = acc[size_t(r * vectors + v)];
            b.CreateStore(b.CreateCall(fma, {splat, in[size_t(v)], b.CreateLoad(vec, slot)}), slot);
          }
        }
      });
    }
    store(acc, m0, rows, vectors, p0, valid);
  }

  // The last dim's vectors cut into runs of at most maxVectors, as even as possible.
  std::vector<std::pair<int64_t, int64_t>> runs(int64_t maxVectors) const {
    int64_t total = (lastOut() + lanes - 1) / lanes, count = (total + maxVectors - 1) / maxVectors;
    std::vector<std::pair<int64_t, int64_t>> out;
    for (int64_t i = 0, first = 0; i < count; ++i) {
      int64_t n = total / count + (i < total % count ? 1 : 0);
      out.push_back({first * lanes, n});
      first += n;
    }
    return out;
  }

  // Same-shaped output, all strides 1: the positions run flat across rows.
  bool flat() const {
    return s.xs == s.os && std::all_of(s.w.strides.begin(), s.w.strides.end(), [](int64_t v) { return v == 1; });
  }

  // Every tile of `rows` channels from m0.
  void rowsOfTiles(llvm::Value* m0, int64_t rows) {
    // 32 registers hold 8 x 3 accumulators with the inputs and a broadcast; 16 hold 6 x 2.
    int64_t maxVectors = lb.vectorBits() >= 512 ? 3 : 2;
    if (flat()) {
      int64_t block = maxVectors * lanes, tail = s.positions % block;
      lb.loop(s.positions / block, [&](llvm::Value* pb) { flatTile(m0, rows, b.CreateMul(pb, lb.i64(block)), maxVectors, block); });
      if (tail) flatTile(m0, rows, lb.i64(s.positions - tail), (tail + lanes - 1) / lanes, tail);
      return;
    }
    lb.loopNest(std::vector<int64_t>(s.os.begin(), s.os.end() - 1), [&](const std::vector<llvm::Value*>& outer) {
      for (auto [first, vectors] : runs(maxVectors)) tile(m0, rows, outer, first, vectors);
    });
  }
};

}  // namespace

bool directConvFits(const ConvGeometry& s, int64_t lanes) {
  if (s.os.empty() || s.w.strides.back() > 4) return false;
  if (s.xs == s.os && std::all_of(s.w.strides.begin(), s.w.strides.end(), [](int64_t v) { return v == 1; }))
    return true;  // flat tiles: every lane works
  int64_t last = s.os.back(), vectors = (last + lanes - 1) / lanes;
  return last > 0 && 4 * last >= 3 * vectors * lanes;  // at least 3/4 of the lanes do work
}

void emitDirectConv(LoopBuilder& lb, const ConvGeometry& s, llvm::Value* x, llvm::Value* w, llvm::Value* y,
                    const std::function<GemmEpilogue(llvm::Value*)>& epilogue) {
  llvm::IRBuilder<>& b = lb.builder();
  int64_t lanes = lb.vectorBits() / 32, mr = lb.vectorBits() >= 512 ? 8 : 6;
  llvm::Type* f32 = b.getFloatTy();
  int64_t tiles = (s.M + mr - 1) / mr;
  // Work items: an image's tiles of MR output channels (the last tile may hold fewer).
  lb.loop(s.N, [&](llvm::Value* n) {
    lb.parallelItems(tiles, [&](llvm::Value* t) {
      DirectConv conv{lb,
                      b,
                      s,
                      b.CreateInBoundsGEP(f32, x, b.CreateMul(n, lb.i64(s.C * s.xBlock))),
                      w,
                      b.CreateInBoundsGEP(f32, y, b.CreateMul(n, lb.i64(s.M * s.positions))),
                      epilogue(n),
                      lanes,
                      mr,
                      f32,
                      llvm::FixedVectorType::get(f32, unsigned(lanes))};
      llvm::Value* m0 = b.CreateMul(t, lb.i64(mr));
      if (s.M % mr == 0) return conv.rowsOfTiles(m0, mr);
      lb.branch(b.CreateICmpEQ(t, lb.i64(tiles - 1)), [&] { conv.rowsOfTiles(m0, s.M % mr); },
                [&] { conv.rowsOfTiles(m0, mr); });
    });
  });
}

}  // namespace shardc::codegen
