// Compile a graph for several ranks with a strategy, run the executables under mpirun, read rank 0's outputs.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "frontend/npy.h"
#include "kernel_test_util.h"
#include "tools/shardc/compile_driver.h"

namespace shardc::testing {

struct ParallelRun {
  std::string programIr;             // OUT/programs/program_0.ir: the rank program with its collectives
  std::vector<ir::Tensor> outputs;   // in the graph's output order
  std::vector<ir::Tensor> expected;  // the interpreter's on one rank
};

inline int countOps(const std::string& irText, const std::string& kind) {
  int n = 0;
  for (size_t at = irText.find(" = " + kind + "("); at != std::string::npos; at = irText.find(" = " + kind + "(", at + 1)) ++n;
  return n;
}

// `g` needs result types only; it is prepared (canonicalised) first. Each input is written as NAME.npy.
inline ParallelRun compileParallelAndRun(ir::Graph g, const ir::StrategyMap& strategy, int ranks,
                                         const std::vector<ir::Tensor>& inputs, const std::string& name) {
  for (const auto& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  std::ostringstream log;
  tools::prepareGraph(g, {}, log);
  ParallelRun run;
  run.expected = ir::interpret(g, inputs);
  std::string dir = workDir(name);
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  options.ranks = ranks;
  options.strategy = strategy;
  tools::compileGraph(g, options, log);
  std::ifstream irFile(options.outDir + "/programs/program_0.ir");
  run.programIr.assign(std::istreambuf_iterator<char>(irFile), {});
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np " +
                    std::to_string(ranks) + " " + options.outDir + "/bin/rank_0";
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string n = g.value(g.inputs()[i]).name;
    frontend::writeNpy(dir + "/" + n + ".npy", inputs[i]);
    cmd += " --input " + n + "=" + dir + "/" + n + ".npy";
  }
  cmd += " --output-dir " + dir + "/run > " + dir + "/log 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (ir::ValueId v : g.outputs()) run.outputs.push_back(frontend::readNpy(dir + "/run/" + g.value(v).name + ".npy"));
  if (!std::getenv("SHARDC_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir);
  return run;
}

}  // namespace shardc::testing
