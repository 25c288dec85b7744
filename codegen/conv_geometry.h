// The static geometry of one Conv (N, C, spatial... input; M output channels), shared by its kernels.
#pragma once

#include <functional>
#include <vector>

#include "codegen/window_index.h"
#include "ir/graph.h"

namespace shardc::codegen {

struct ConvGeometry {
  std::vector<int64_t> xs, ks, os;  // spatial dims of input, window, output
  int64_t N, C, M, kBlock, positions, xBlock;
  ir::Window w;
};

inline ConvGeometry convGeometry(const ir::Graph& g, const ir::Op& conv) {
  const ir::Shape& X = g.value(conv.operands[0]).type.shape;
  const ir::Shape& W = g.value(conv.operands[1]).type.shape;
  const ir::Shape& Y = g.value(conv.results[0]).type.shape;
  ConvGeometry s{spatial(X), spatial(W), spatial(Y), X.dims[0], X.dims[1], W.dims[0], 0, 0, 0, {}};
  s.kBlock = product(s.ks);
  s.positions = product(s.os);
  s.xBlock = product(s.xs);
  s.w = ir::windowOf(conv, s.ks);
  return s;
}

// Whether the direct kernel suits the Conv: most of the vector lanes along the last output dim do work, and its
// stride is small enough for a wide load and a shuffle.
bool directConvFits(const ConvGeometry& s, int64_t lanes);
// The direct Conv of x [N, C, spatial...] into y [N, M, positions]; epilogue(image) applied as it stores (rows are
// output channels, columns positions). Its work items, the threads' share, are images by tiles of channels.
void emitDirectConv(LoopBuilder& lb, const ConvGeometry& s, llvm::Value* x, llvm::Value* w, llvm::Value* y,
                    const std::function<std::function<llvm::Value*(llvm::Value*, llvm::Value*, llvm::Value*, llvm::Value*)>(
                        llvm::Value* image)>& epilogue);

}  // namespace shardc::codegen
