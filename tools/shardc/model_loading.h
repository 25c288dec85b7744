// Reading a model file into a global graph ready to run or compile: import, then the canonical passes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass_manager.h"

namespace CLI {
class App;
}

namespace shardc::tools {

struct ModelOptions {
  std::string path;
  std::vector<std::string> shapes;  // NAME=1x784
  std::string groupInfo;            // MindSpore's group-info file: the ranks of groups collectives name
  passes::PassManagerOptions passOptions;
};

// --shape, --dump-after and --time-passes on a subcommand.
void addModelOptions(CLI::App& cmd, ModelOptions& options);

// "x=1x784" → ("x", [1,784]); throws ir::Error on a malformed entry.
std::pair<std::string, ir::Shape> parseShapeArg(const std::string& arg);

// The pipeline every global graph goes through before it runs: shape inference, canonicalize, verification.
void prepareGraph(ir::Graph& g, const passes::PassManagerOptions& options, std::ostream& dump);

// Imports the model (format by extension/content), runs shape inference and canonicalize (dumping and timing to
// err as asked), and verifies the result. With microBatches > 1, every input's dim 0 is divided by it first.
ir::Graph loadModel(const ModelOptions& options, std::ostream& dump, int64_t microBatches = 1);

}  // namespace shardc::tools
