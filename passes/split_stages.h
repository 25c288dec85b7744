// split-stages: a graph whose ops carry their pipeline stage (cut-stages) becomes one graph per stage. A stage's
// inputs are the model inputs it reads and the values earlier stages computed for it; its outputs are the model
// outputs it computes and the values later stages read; its parameters are only those its ops use (a parameter
// used in two stages, a tied embedding, is in both). Values keep their names across stages, which is how the
// compiler pairs one stage's output with another's input.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace shardc::passes {

struct StageGraph {
  ir::Graph graph;
  // Per input of the graph: the stage that computes it, or -1 for a model input.
  std::vector<int> inputFrom;
};

std::vector<StageGraph> splitStages(const ir::Graph& g, int stages);

}  // namespace shardc::passes
