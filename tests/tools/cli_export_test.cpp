// shardc export: each rank's program of a compiled job as ONNX (collectives and rank-dependent ops in the "shardc"
// domain with their groups' ranks, the rank's weight slices as initializers) passes ONNX's own checker, imports
// again, and — every rank's export run by the interpreter with its collectives simulated — gives each rank the
// outputs the whole model gives; a model's global graph exports too; bad sources are one error line.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "../models/gpt_builder.h"
#include "cli_test_util.h"
#include "frontend/npy.h"
#include "frontend/onnx_importer.h"
#include "frontend/onnx_writer.h"
#include "ir/interpreter/interpreter.h"
#include "ir/interpreter/rank_simulation.h"
#include "ir/printer.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::lineCount;
using testing::runCli;
using testing::TempDir;

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

ir::Graph importWithShape(const std::string& path, std::vector<int64_t> x) {
  frontend::ImportOptions o;
  o.inputShapes["x"] = ir::Shape(std::move(x));
  return frontend::importOnnxFile(path, o);
}

// ONNX's checker on the file, then shardc's importer.
ir::Graph checkedImport(const std::string& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(model.ParseFromIstream(&in)) << path;
  EXPECT_NO_THROW(onnx::checker::check_model(model)) << path;
  return frontend::importOnnxFile(path);
}

// Exports OUT, imports every rank's file and runs them together: each rank's outputs must be the whole model's.
void expectRanksReproduce(const std::filesystem::path& out, int ranks, const ir::Graph& global,
                          const std::vector<ir::Tensor>& inputs) {
  auto r = runCli({"export", out, "--format", "onnx", "-q"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<ir::Graph> programs;
  for (int k = 0; k < ranks; ++k) programs.push_back(checkedImport(out / "export" / ("rank_" + std::to_string(k) + ".onnx")));
  std::vector<ir::Tensor> expected = ir::interpret(global, inputs);
  auto got = ir::interpretRanks(programs, std::vector<std::vector<ir::Tensor>>(size_t(ranks), inputs));
  for (int k = 0; k < ranks; ++k)
    for (size_t o = 0; o < expected.size(); ++o)
      EXPECT_EQ(tools::compareTensors(got[size_t(k)][o], expected[o], {1e-5, 1e-5}), "") << "rank " << k;
}

TEST(CliExport, TheSeedExamplesEightRankProgramsReproduceTheModel) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  TempDir dir("export_seed");
  ir::Graph mlp = tools::buildDemoMlp(1);
  frontend::writeOnnxModel(mlp, dir / "mlp.onnx");
  auto c = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "8", "--strategy",
                   kFixtures + "synthetic_strategy_8dev.json", "-o", dir / "out", "-q"});
  ASSERT_EQ(c.status, 0) << c.err;
  ir::Graph global = importWithShape(dir / "mlp.onnx", {8, 28, 28});
  expectRanksReproduce(dir / "out", 8, global, {testing::randomTensor(ir::DType::f32, ir::Shape({8, 28, 28}), 5)});
  // Rank 3's file: its slice of layer1's weight, its collectives with their groups.
  ir::Graph rank3 = frontend::importOnnxFile(dir / "out/export/rank_3.onnx");
  EXPECT_EQ(rank3.value(*rank3.findValue("layer1.weight")).type.str(), "f32[784,256]");
  std::string text = ir::printGraph(rank3);
  EXPECT_NE(text.find("AllReduce(%layer3.matmul) {axes = [1], bytes = 160, group_ranks = [1, 3], group_size = 2}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ShardSlice(%flat) {axes = [0], dim = 0, group_ranks = [3, 7], group_size = 2}"), std::string::npos)
      << text;
}

// Megatron's GPT on 4 ranks: a vocabulary-split embedding (rank-dependent Gather), head-split attention,
// all-reduces and the gathered logits.
TEST(CliExport, MegatronGptRankProgramsReproduceTheModel) {
  TempDir dir("export_gpt");
  std::string model = testing::gpt::GptBuilder().build();
  std::ofstream(dir / "tp.json") << testing::gpt::megatronStrategyJson(4);
  auto c = runCli({"compile", model, "--ranks", "4", "--strategy", dir / "tp.json", "-o", dir / "out", "-q"});
  ASSERT_EQ(c.status, 0) << c.err;
  expectRanksReproduce(dir / "out", 4, frontend::importOnnxFile(model), testing::gpt::tokens());
  std::remove(model.c_str());
}

// The exported rank programs compiled back, each rank's file its own program (`--per-rank`), run as one job under
// mpirun: collectives over the groups their group_ranks name, the vocabulary split and the head split placed by
// each rank's position known when it is compiled.
TEST(CliExport, RankProgramsCompilePerRankAndRunAsOneJob) {
  TempDir dir("export_per_rank");
  std::string model = testing::gpt::GptBuilder().build();
  std::ofstream(dir / "tp.json") << testing::gpt::megatronStrategyJson(2, /*logits=*/false);
  ASSERT_EQ(runCli({"compile", model, "--ranks", "4", "--strategy", dir / "tp.json", "-o", dir / "out", "-q"}).status, 0);
  ASSERT_EQ(runCli({"export", dir / "out", "-q"}).status, 0);
  auto c = runCli({"compile", "--per-rank", dir / "out/export/rank_{rank}.onnx", "-o", dir / "per_rank", "-q"});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(std::filesystem::hard_link_count(dir / "per_rank/bin/rank_1"), 1u);  // four programs of their own
  std::vector<ir::Tensor> ids = testing::gpt::tokens();
  frontend::writeNpy(dir / "ids.npy", ids[0]);
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 " +
                    std::string(SHARDC_BINARY_DIR) + "/tools/shardc run " + (dir / "per_rank") +
                    " --timeout 60 -- --input ids=" + (dir / "ids.npy") + " --output-dir " +
                    (dir / "run") + " > " + (dir / "log") + " 2>&1 < /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ir::Tensor expected = ir::interpret(frontend::importOnnxFile(model), ids)[0];
  EXPECT_EQ(tools::compareTensors(frontend::readNpy(dir / "run/logits.npy"), expected, {1e-4, 1e-4}), "");
  auto bad = runCli({"compile", "--per-rank", dir / "out/export/rank.onnx", "-o", dir / "none"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("the pattern has no {rank}"), std::string::npos) << bad.err;
  std::remove(model.c_str());
}

TEST(CliExport, AModelsGlobalGraph) {
  TempDir dir("export_global");
  ir::Graph mlp = tools::buildDemoMlp(1);
  frontend::writeOnnxModel(mlp, dir / "mlp.onnx");
  auto r = runCli({"export", dir / "mlp.onnx", "--shape", "x=2x28x28", "--format", "onnx", "-o", dir / "global.onnx", "-q"});
  ASSERT_EQ(r.status, 0) << r.err;
  ir::Graph back = checkedImport(dir / "global.onnx");
  ir::Graph original = importWithShape(dir / "mlp.onnx", {2, 28, 28});
  std::vector<ir::Tensor> x = {testing::randomTensor(ir::DType::f32, ir::Shape({2, 28, 28}), 9)};
  EXPECT_EQ(tools::compareTensors(ir::interpret(back, x)[0], ir::interpret(original, x)[0], {1e-6, 1e-6}), "");
}

TEST(CliExport, BadSourcesAreOneErrorLine) {
  TempDir dir("export_errors");
  auto missing = runCli({"export", dir / "nothing", "-o", dir / "x.onnx"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(lineCount(missing.err), 1) << missing.err;
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
  ASSERT_EQ(runCli({"compile", dir / "mlp.onnx", "--shape", "x=4x28x28", "--ranks", "2", "-o", dir / "out", "-q"}).status, 0);
  std::filesystem::remove(dir / "out/weights/rank_1.bin");
  auto r = runCli({"export", dir / "out"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("weights/rank_1.bin: cannot open"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out/export"));
}

}  // namespace
}  // namespace shardc
