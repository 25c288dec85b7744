// shardc compile with pipeline stages from the command line: stages a MindSpore strategy gives its ops (one merged
// file, or one file per stage), what the output says of them (manifest, strategy.json, report.json, --dump-after
// cut-stages), and bad stage counts, meshes and combinations as one error line, exit 1, nothing written.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "frontend/onnx_writer.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::lineCount;
using testing::runCli;
using testing::TempDir;

nlohmann::json readJson(const std::filesystem::path& p) {
  std::ifstream f(p);
  if (!f) return nlohmann::json();
  return nlohmann::json::parse(f);
}

// MindSpore's JSON strategy items for the demo MLP on 2 stages of 2 devices: layer1 in stage 0, split by weight
// columns; layer2 and layer3 in stage 1, layer2 split by rows.
const char* kLayer1 = R"("MatMul_layer1.weight": {"stage": 0, "parallel_strategy": [[1, 1], [1, 2]]})";
const char* kLayers23 = R"("MatMul_layer2.weight": {"stage": 1, "parallel_strategy": [[1, 2], [2, 1]]},
    "MatMul_layer3.weight": {"stage": 1, "parallel_strategy": [[2, 1], [1, 1]]})";

void writeStrategy(const std::filesystem::path& p, const std::string& items) {
  std::ofstream(p) << "{\"current_stage\": 1, \"parallel_strategy_item\": {" << items << "}}\n";
}

TEST(CliPipeline, StagesFromAMindSporeStrategy) {
  TempDir dir("pipeline_stages");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
  writeStrategy(dir / "merged.json", std::string(kLayer1) + ", " + kLayers23);
  auto r = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "4", "--strategy", dir / "merged.json",
                   "--micro-batches", "2", "-o", dir / "out", "--dump-after", "cut-stages"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Ops without an entry follow their producers: the bias and ReLU of layer1 stay in stage 0.
  EXPECT_NE(r.out.find("%relu1 = Relu(%layer1.add) {stage = 0} loc(\"relu1\") : f32[4,512]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("%layer2.matmul = MatMul(%relu1, %layer2.weight) {stage = 1, strategy = [1, 2, 2, 1], "
                       "strategy_ranks = [2, 2]} loc(\"layer2.matmul\") : f32[4,512]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("stage 0: 4 op(s), ranks 0-1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stage 1: 5 op(s), ranks 2-3"), std::string::npos) << r.out;
  nlohmann::json m = readJson(dir / "out/manifest.json");
  EXPECT_EQ(m["mesh"], nlohmann::json({2, 2}));
  EXPECT_EQ(m["micro_batches"], 2);
  EXPECT_EQ(m["stages"][1]["ranks"], nlohmann::json({2, 3}));
  EXPECT_EQ(m["inputs"][0]["shape"], nlohmann::json({8, 28, 28}));
  EXPECT_EQ(m["outputs"][0]["shape"], nlohmann::json({8, 10}));
  EXPECT_EQ(m["rank_programs"][3]["program"], "program_1");
  // Rank j of stage 0 sends relu1 (a micro-batch of [4,512] f32, twice a run) to rank j of stage 1; the logits go
  // to rank 0.
  EXPECT_EQ(m["transfers"][0], nlohmann::json({{"value", "relu1"}, {"from", 0}, {"to", 2}, {"bytes", 2 * 4 * 512 * 4}}));
  EXPECT_EQ(m["transfers"][2], nlohmann::json({{"value", "logits"}, {"from", 2}, {"to", 0}, {"bytes", 2 * 4 * 10 * 4}}));
  // The final strategy keeps each op's stage and names each parameter's layout as MindSpore merges them.
  nlohmann::json s = readJson(dir / "out/strategy.json");
  EXPECT_EQ(s["ops"]["MatMul_layer2.weight"]["stage"], 1);
  EXPECT_TRUE(s["params"].contains("1-layer2.weight")) << s.dump();
  EXPECT_TRUE(s["params"].contains("0-layer1.weight")) << s.dump();
  nlohmann::json report = readJson(dir / "out/report.json");
  EXPECT_EQ(report["stages_from"], "strategy");
  EXPECT_EQ(report["stages"].size(), 2u);
  // Two stages, two micro-batches: at best a third of the time idle.
  EXPECT_GE(report["bubble_fraction"].get<double>(), 1.0 / 3 - 1e-9);

  // The same stages from one file per stage.
  writeStrategy(dir / "stage0.json", kLayer1);
  writeStrategy(dir / "stage1.json", kLayers23);
  auto split = runCli({"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "--ranks", "4", "--strategy",
                       dir / "stage0.json" + "," + dir / "stage1.json", "--micro-batches", "2",
                       "-o", dir / "out2", "-q"});
  ASSERT_EQ(split.status, 0) << split.err;
  EXPECT_EQ(readJson(dir / "out2/strategy.json"), s);
}

TEST(CliPipeline, BadPipelinesAreOneErrorLine) {
  TempDir dir("pipeline_errors");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
  auto fails = [&](std::vector<std::string> extra, const std::string& expected) {
    std::vector<std::string> args = {"compile", dir / "mlp.onnx", "--shape", "x=8x28x28", "-o", dir / "out", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = runCli(args);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "out"));
  };
  fails({"--ranks", "20", "--stages", "20"}, "20 pipeline stages for a model of 9 op(s)");
  fails({"--ranks", "4", "--stages", "3"}, "4 rank(s) do not divide into 3 pipeline stages");
  fails({"--mesh", "3x2", "--stages", "2"}, "--mesh [3,2] does not divide into 2 pipeline stages");
  fails({"--ranks", "2", "--stages", "2", "--emit", "lib"}, "--emit lib: a pipeline");
  fails({"--ranks", "2", "--stages", "2", "--local-inputs"}, "--local-inputs: pipeline stages take whole inputs");
  fails({"--ranks", "2", "--micro-batches", "3"}, "its dim 0 (the batch) does not divide into 3 micro-batches");
}

}  // namespace
}  // namespace shardc
