#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "frontend/onnx_writer.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::runCli;
using testing::TempDir;

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

// The seed's example, worked by hand (mesh [2,2,2] of 8 ranks; f32):
//  - layer1 ((2,1),(1,2)): rows over axis 0, weight columns over axis 1: x's rows are sliced (no traffic),
//    layer1.weight is [784,256] on each rank;
//  - layer2 has no strategy: data parallel over all 8 ranks, so relu1 [4,256] moves its column split to the rows
//    (all-to-all along axis 1: half of 4096 B leaves each rank) and is sliced by axis 2 to [1,512];
//  - layer3 ((2,2),(2,1)): rows over axis 0, the reduction dim over axis 1: gather axis 2 (2048 B), move axis 1
//    from rows to columns (2048 B); its [4,10] partial sums meet in one all-reduce along axis 1 (160 B);
//  - the output leaves whole: one all-gather along axis 0 (160 B).
TEST(CliCompileParallel, SeedExampleAfterPartition) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  TempDir dir("seed_partition");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
  auto r = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "8", "--strategy",
                   kFixtures + "synthetic_strategy_8dev.json", "-o", dir / "out", "-q", "--dump-after", "partition"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, R"(// ----- after partition -----
graph @mlp {
  input %x : f32[8,28,28]
  param %layer1.weight : f32[784,256] = <elided>
  param %layer1.bias : f32[256] = <elided>
  param %layer2.weight : f32[512,512] = <elided>
  param %layer2.bias : f32[512] = <elided>
  param %layer3.weight : f32[256,10] = <elided>
  param %layer3.bias : f32[10] = <elided>
  %flat = Reshape(%x) {shape = [8, 784]} loc("flatten") : f32[8,784]
  %flat.split = ShardSlice(%flat) {axes = [0], dim = 0, group_size = 2} loc("layer1.matmul") : f32[4,784]
  %layer1.matmul = MatMul(%flat.split, %layer1.weight) {strategy = [2, 1, 1, 2], strategy_ranks = [2, 2]} loc("layer1.matmul") : f32[4,256]
  %layer1.add = Add(%layer1.matmul, %layer1.bias) loc("layer1.add") : f32[4,256]
  %relu1 = Relu(%layer1.add) loc("relu1") : f32[4,256]
  %"relu1.all-to-all" = AllToAll(%relu1) {axes = [1], bytes = 2048, dim = 1, group_size = 2, to_dim = 0} loc("layer2.matmul") : f32[2,512]
  %relu1.split = ShardSlice(%"relu1.all-to-all") {axes = [2], dim = 0, group_size = 2} loc("layer2.matmul") : f32[1,512]
  %layer2.matmul = MatMul(%relu1.split, %layer2.weight) loc("layer2.matmul") : f32[1,512]
  %layer2.add = Add(%layer2.matmul, %layer2.bias) loc("layer2.add") : f32[1,512]
  %relu2 = Relu(%layer2.add) loc("relu2") : f32[1,512]
  %"relu2.all-gather" = AllGather(%relu2) {axes = [2], bytes = 2048, dim = 0, group_size = 2} loc("layer3.matmul") : f32[2,512]
  %"relu2.all-to-all" = AllToAll(%"relu2.all-gather") {axes = [1], bytes = 2048, dim = 0, group_size = 2, to_dim = 1} loc("layer3.matmul") : f32[4,256]
  %layer3.matmul = MatMul(%"relu2.all-to-all", %layer3.weight) {strategy = [2, 2, 2, 1], strategy_ranks = [2, 2]} loc("layer3.matmul") : f32[4,10]
  %"layer3.matmul.all-reduce" = AllReduce(%layer3.matmul) {axes = [1], bytes = 160, group_size = 2} loc("layer3.add") : f32[4,10]
  %logits.sharded = Add(%"layer3.matmul.all-reduce", %layer3.bias) loc("layer3.add") : f32[4,10]
  %logits = AllGather(%logits.sharded) {axes = [0], bytes = 160, dim = 0, group_size = 2} loc("output") : f32[8,10]
  output %logits
}
)");
  for (int rank = 0; rank < 8; ++rank)
    EXPECT_TRUE(std::filesystem::exists(dir / ("out/bin/rank_" + std::to_string(rank))));

  // shardc graph: the partitioned program with layouts, and each collective with its group and bytes.
  r = runCli({"graph", dir / "out"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(R"x(label="param layer1.weight\nf32[784,256]\n[784,512] over [2,2,2]: (*, 1)")x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"x(label="AllReduce\ngroup: mesh axes 1 (2 ranks)\n160 B/rank")x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"x(label="AllToAll\ngroup: mesh axes 1 (2 ranks)\n2048 B/rank")x"), std::string::npos) << r.out;
}

TEST(CliCompileParallel, StrategyErrorsAreOneLineAndLeaveNothing) {
  TempDir dir("parallel_errors");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
  std::ofstream(dir / "s.json") << R"({"format": "shardc-strategy", "ops": {"MatMul_layer1.weight": {"strategy": [[4, 1], [1, 4]]}}})";
  auto r = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "8", "--strategy", dir / "s.json",
                   "-o", dir / "out"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "shardc: error: node 'layer1.matmul' (MatMul): the strategy needs 16 devices, the job has 8\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
  std::ofstream(dir / "t.json") << R"({"format": "shardc-strategy", "ops": {"MatMul_fc9.weight": {"strategy": [[2, 1], [1, 1]]}}})";
  r = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "2", "--strategy", dir / "t.json", "-o", dir / "out"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "shardc: error: strategy entry 'MatMul_fc9.weight': the model has no MatMul consuming a parameter 'fc9.weight'\n");
}

}  // namespace
}  // namespace shardc
