// Running a graph as shardc's users do: compile it to OUT/, run bin/rank_0 on .npy inputs, read the outputs.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "tools/shardc/compile_driver.h"

namespace shardc::tools {

// Compiles g into workDir/out, runs the executable (with runArgs added to its command line), returns its
// outputs. Throws ir::Error with the executable's first error line when it fails, ir::Unsupported when codegen
// does not support the graph.
std::vector<ir::Tensor> compileAndRun(const ir::Graph& g, const std::vector<ir::Tensor>& inputs,
                                      const std::string& workDir, const codegen::CodegenOptions& codegen = {},
                                      const std::vector<std::string>& runArgs = {});

}  // namespace shardc::tools
