// A pass reads a graph and leaves a graph. Each lives in its own file and registers under a kebab-case name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace shardc::passes {

struct Pass {
  std::string name;  // "shape-inference", "canonicalize", ...
  std::string summary;
  std::function<void(ir::Graph&)> run;
};

// Every pass shardc knows, in pipeline order.
const std::vector<Pass>& allPasses();
// Passes that `shardc compile` runs itself on a rank program (they need more than the graph): names that
// --dump-after accepts too.
const std::vector<std::string>& compilePassNames();
const Pass* findPass(const std::string& name);

// The passes, one per file.
void runShapeInference(ir::Graph& g);
void runCanonicalize(ir::Graph& g);
void runFuseElementwise(ir::Graph& g);

}  // namespace shardc::passes
