// --local-inputs: each rank reads only its own part of the input (a file per rank, named with {rank}).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "frontend/npy.h"
#include "ir/tensor_box.h"
#include "kernel_test_util.h"
#include "tools/shardc/compile_driver.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {

TEST(LocalInputs, EachRankReadsItsOwnRows) {
  ir::Graph g = tools::buildDemoMlp(1);
  g.value(g.inputs()[0]).type.shape = ir::Shape({4, 28, 28});
  std::ostringstream log;
  tools::prepareGraph(g, {}, log);
  ir::Tensor x = tools::normalTensor(9, {4, 28, 28});
  ir::Tensor expected = ir::interpret(g, {x})[0];

  std::string dir = testing::workDir("local_inputs");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  options.ranks = 2;
  options.localInputs = true;
  tools::compileGraph(g, options, log);
  // Data parallel: the manifest gives each rank its rows.
  std::ifstream mf(options.outDir + "/manifest.json");
  nlohmann::json m = nlohmann::json::parse(mf);
  ASSERT_EQ(m["inputs"][0]["local_shape"], nlohmann::json({2, 28, 28}));
  for (int r = 0; r < 2; ++r) {
    ir::Box box;
    box.offset = m["inputs"][0]["rank_boxes"][r]["offset"].get<std::vector<int64_t>>();
    box.extent = m["inputs"][0]["rank_boxes"][r]["extent"].get<std::vector<int64_t>>();
    EXPECT_EQ(box.offset[0], 2 * r);
    frontend::writeNpy(dir + "/x_" + std::to_string(r) + ".npy", ir::extractBox(x, box));
  }
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2 " +
                    options.outDir + "/bin/rank_0 --input 'x=" + dir + "/x_{rank}.npy' --output-dir " + dir +
                    "/run > " + dir + "/log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(tools::compareTensors(frontend::readNpy(dir + "/run/logits.npy"), expected, {1e-5, 1e-5}), "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace shardc
