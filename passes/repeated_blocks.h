// Finds the repeated identical blocks of a graph (a transformer's layers): the ops are cut into segments where a
// single value carries everything from one part to the next (parameters and graph inputs are everywhere and do
// not count), and segments that compute the same thing — the same ops, attributes, types and wiring, whatever
// their names and weights — and follow the same kind of segment are one block class. The strategy search prices
// and solves the first block of each class and repeats its answer.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/graph.h"

namespace shardc::passes {

struct RepeatedBlocks {
  struct Segment {
    size_t firstOp = 0, endOp = 0;  // ops [firstOp, endOp) in graph order
    size_t blockClass = 0;          // segments of one class are identical and follow identical segments
    long copyOf = -1;               // the first segment of its class, when this one is a later copy
  };
  std::vector<Segment> segments;
  std::vector<size_t> segmentOf;  // per op
  size_t classes = 0;

  // The op of the earlier identical block that op i repeats, or -1.
  long copiedOp(size_t op) const;
};

RepeatedBlocks findRepeatedBlocks(const ir::Graph& g);

}  // namespace shardc::passes
