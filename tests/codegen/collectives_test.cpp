// A rank program with every kind of collective, compiled for a [2,2] mesh and run under mpirun on 4 ranks:
// slices and gathers that must give back the input, an all-reduce, a reduce-scatter; the result is 4 * x * x.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "frontend/npy.h"
#include "kernel_test_util.h"
#include "tools/shardc/compile_driver.h"

namespace shardc {
namespace {

ir::Attributes coll(std::vector<int64_t> axes, int64_t groupSize, int64_t dim = -1, int64_t toDim = -1) {
  ir::Attributes a;
  a.set("axes", axes);
  a.set("group_size", groupSize);
  if (dim >= 0) a.set("dim", dim);
  if (toDim >= 0) a.set("to_dim", toDim);
  return a;
}

TEST(CodegenCollectives, EveryCollectiveOnFourRanks) {
  using ir::OpKind;
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {4, 4}});
  ir::ValueId s = g.addOp1(OpKind::ShardSlice, {x}, "rows", coll({0}, 2, 0));
  ir::ValueId t = g.addOp1(OpKind::ShardSlice, {s}, "block", coll({1}, 2, 1));
  ir::ValueId u = g.addOp1(OpKind::AllToAll, {t}, "moved", coll({1}, 2, 1, 0));
  ir::ValueId v = g.addOp1(OpKind::AllGather, {u}, "rows_again", coll({1}, 2, 0));
  ir::ValueId w = g.addOp1(OpKind::AllGather, {v}, "whole", coll({0}, 2, 0));
  ir::ValueId m = g.addOp1(OpKind::Mul, {w, w}, "square");
  ir::ValueId p = g.addOp1(OpKind::ShardSlice, {m}, "column", coll({0, 1}, 4, 1));
  ir::ValueId q = g.addOp1(OpKind::AllGather, {p}, "columns", coll({0, 1}, 4, 1));
  ir::ValueId r = g.addOp1(OpKind::AllReduce, {q}, "doubled", coll({0}, 2));
  ir::ValueId h = g.addOp1(OpKind::ReduceScatter, {r}, "halves", coll({1}, 2, 1));
  ir::ValueId o = g.addOp1(OpKind::AllGather, {h}, "out", coll({1}, 2, 1));
  g.setOutputs({o});
  for (const auto& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  std::ostringstream log;
  tools::prepareGraph(g, {}, log);

  std::string dir = testing::workDir("collectives");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  options.mesh = ir::DeviceMesh({2, 2});
  tools::compileGraph(g, options, log);
  ir::Tensor in = testing::randomTensor(ir::DType::f32, {4, 4}, 21);
  frontend::writeNpy(dir + "/x.npy", in);
  ASSERT_TRUE(std::filesystem::exists(dir + "/out/bin/rank_3"));
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 4 " + dir +
                    "/out/bin/rank_0 --input " + dir + "/x.npy --output-dir " + dir + "/run > " + dir + "/log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ir::Tensor out = frontend::readNpy(dir + "/run/out.npy");
  ASSERT_EQ(out.type().str(), "f32[4,4]");
  for (int64_t i = 0; i < 16; ++i) {
    float xv = in.data<float>()[i];
    EXPECT_EQ(out.data<float>()[i], 4 * (xv * xv)) << "element " << i;
  }
  std::filesystem::remove_all(dir);
}

// Run alone, a program compiled for four ranks says so and exits 1.
TEST(CodegenCollectives, WrongRankCountIsAClearError) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {4}});
  g.setOutputs({g.addOp1(ir::OpKind::AllReduce, {x}, "y", coll({0}, 4))});
  for (const auto& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  std::ostringstream log;
  tools::prepareGraph(g, {}, log);
  std::string dir = testing::workDir("wrong_ranks");
  tools::CompileOptions options;
  options.outDir = dir + "/out";
  options.quiet = true;
  options.mesh = ir::DeviceMesh({4});
  tools::compileGraph(g, options, log);
  frontend::writeNpy(dir + "/x.npy", ir::Tensor(ir::DType::f32, {4}));
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2 " + dir +
                    "/out/bin/rank_0 --input " + dir + "/x.npy > " + dir + "/log 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::ifstream logFile(dir + "/log");
  std::string text((std::istreambuf_iterator<char>(logFile)), {});
  EXPECT_NE(text.find("the program was compiled for 4 ranks, the job has 2"), std::string::npos) << text;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace shardc
