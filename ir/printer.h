// The text form of the ir. Every pass's result can be printed (--dump-after) and read back (parser.h).
//
//   graph @mlp {
//     input %x : f32[1,1,28,28]
//     param %layer1.weight : f32[784,512] = <elided>
//     param %shape : i64[2] = 0x0100000000000000...
//     %flat = Reshape(%x) {shape = [1, 784]} : f32[1,784]
//     %h = MatMul(%flat, %layer1.weight) : f32[1,512]
//     output %h
//   }
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace shardc::ir {

struct PrintOptions {
  // Parameters with more elements than this print as "<elided>"; -1 prints every parameter's bytes.
  int64_t elideAbove = 16;
};

std::string printGraph(const Graph& g, const PrintOptions& options = {});

}  // namespace shardc::ir
