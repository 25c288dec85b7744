#include "tools/shardc/model_loading.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "frontend/mindir_importer.h"
#include "frontend/mindspore_group_info.h"
#include "frontend/onnx_importer.h"
#include "ir/error.h"
#include "ir/verifier.h"

namespace shardc::tools {

void addModelOptions(CLI::App& cmd, ModelOptions& options) {
  cmd.add_option("--shape", options.shapes, "Give an input a static shape: NAME=1x784 (repeatable)");
  cmd.add_option("--dump-after", options.passOptions.dumpAfter,
                 "Print the graph after this pass (repeatable; 'all' for every pass)");
  cmd.add_flag("--time-passes", options.passOptions.timePasses, "Print the time each pass took");
}

std::pair<std::string, ir::Shape> parseShapeArg(const std::string& arg) {
  auto eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    ir::fail("--shape '{}': expected NAME=DIMS, e.g. x=1x784", arg);
  std::string name = arg.substr(0, eq), dims = arg.substr(eq + 1);
  ir::Shape shape;
  if (dims == "scalar") return {name, shape};
  size_t pos = 0;
  while (pos <= dims.size()) {
    size_t x = dims.find('x', pos);
    std::string part = dims.substr(pos, x == std::string::npos ? std::string::npos : x - pos);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
      ir::fail("--shape '{}': '{}' is not a dimension (expected e.g. 1x784)", arg, part);
    shape.dims.push_back(std::stoll(part));
    if (x == std::string::npos) break;
    pos = x + 1;
  }
  return {name, shape};
}

void prepareGraph(ir::Graph& g, const passes::PassManagerOptions& options, std::ostream& dump) {
  passes::PassManager pm(options);
  pm.addDefaultPipeline();
  pm.run(g, dump, std::cerr);
  ir::verifyGraph(g);
}

ir::Graph loadModel(const ModelOptions& options, std::ostream& dump, int64_t microBatches) {
  frontend::ImportOptions importOptions;
  for (const auto& s : options.shapes) {
    auto [name, shape] = parseShapeArg(s);
    importOptions.inputShapes[name] = shape;
  }
  importOptions.batchDivisor = microBatches;
  if (!options.groupInfo.empty()) importOptions.groupRanks = frontend::readGroupInfoFile(options.groupInfo);
  ir::Graph g;
  try {
    // MindIR by its name or its first bytes (MindSpore's files need not end in .mindir); ONNX otherwise.
    g = frontend::isMindIrFile(options.path) ? frontend::importMindIrFile(options.path, importOptions)
                                             : frontend::importOnnxFile(options.path, importOptions);
    prepareGraph(g, options.passOptions, dump);
  } catch (const ir::Unsupported&) {
    throw;
  } catch (const ir::Error& e) {
    if (microBatches <= 1 || std::string(e.what()).find("--micro-batches") != std::string::npos) throw;
    ir::fail("--micro-batches {}: the model does not take a micro-batch of its inputs (a shape fixes the batch?): {}",
             microBatches, e.what());
  }
  return g;
}

}  // namespace shardc::tools
