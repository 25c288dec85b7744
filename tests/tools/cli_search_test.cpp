// shardc search and compile --search on the demo MLP: the strategy file holds a split for every MatMul, the report
// one entry per deciding op with its runner-up; a strategy given keeps its ops; an impossible memory limit is one
// error line saying the least any strategy reaches, with nothing written.
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "frontend/onnx_writer.h"
#include "frontend/strategy_file.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::runCli;
using testing::TempDir;

std::string demoModel(TempDir& dir) {
  std::string path = dir / "mlp.onnx";
  frontend::writeOnnxModel(tools::buildDemoMlp(), path, 17);
  return path;
}

TEST(CliSearch, WritesAStrategyForEveryMatMulAndAReport) {
  TempDir dir("search");
  std::string model = demoModel(dir);
  auto r = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "-o", dir / "s.json", "--report", dir / "r.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("search: 3 deciding ops"), std::string::npos) << r.out;
  ir::StrategyMap s = frontend::readStrategyFile(dir / "s.json");
  for (const char* k : {"MatMul_layer1.weight", "MatMul_layer2.weight", "MatMul_layer3.weight"}) {
    ASSERT_EQ(s.ops.count(k), 1u) << k;
    int64_t used = 1;
    for (int64_t x : s.ops.at(k).inputSplits[0]) used *= x;
    used *= s.ops.at(k).inputSplits[1].back();
    EXPECT_EQ(2 % used, 0) << k;
  }
  nlohmann::json report = nlohmann::json::parse(std::ifstream(dir / "r.json"));
  EXPECT_EQ(report["ranks"], 2);
  EXPECT_EQ(report["ops"].size(), 3u);
  EXPECT_TRUE(report["ops"][0].contains("next_best"));
  // Column, column, row: a half of each weight and of the first two biases, the last bias whole; the flattening of
  // the whole input (64x784 f32 in and out) is the largest working set.
  EXPECT_EQ(s.ops.at("MatMul_layer1.weight").inputSplits, (std::vector<std::vector<int64_t>>{{1, 1}, {1, 2}}));
  EXPECT_EQ(report["memory_per_rank"]["parameters"], (784 * 512 + 512 * 512 + 512 * 10 + 512 + 512) * 4 / 2 + 40);
  EXPECT_EQ(report["memory_per_rank"]["activations"], 2 * 64 * 784 * 4);
  // The first layer's own work: 2·64·256·784 flops at 185 GFLOP/s, and at 40 GB/s its operands' and result's
  // local bytes (x 64x784, w 784x256, y 64x256) and its followers' results (bias add, relu: 64x256 each).
  EXPECT_EQ(report["ops"][0]["key"], "MatMul_layer1.weight");
  EXPECT_NEAR(report["ops"][0]["compute_seconds"].get<double>(),
              2.0 * 64 * 256 * 784 / 185e9 + (64 * 784 + 784 * 256 + 3 * 64 * 256) * 4 / 40e9, 1e-12);
  // Its column-split output is gathered for the second layer.
  EXPECT_GT(report["ops"][0]["communication_seconds"].get<double>(), 0);
  EXPECT_NE(r.out.find("memory per rank: 1740840 bytes (1339432 of parameters, 401408 of activations at the peak)"),
            std::string::npos)
      << r.out;
}

// --search propagate starts from the fixed op and gives every open one a strategy.
TEST(CliSearch, PropagateFillsInFromTheFixedOps) {
  TempDir dir("search_propagate");
  std::string model = demoModel(dir);
  ir::StrategyMap fixed;
  fixed.ops["MatMul_layer1.weight"] = {{{1, 1}, {1, 2}}, 0};
  frontend::writeStrategyFile(fixed, dir / "fixed.json", frontend::StrategyFormat::Shardc);
  auto r = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--strategy", dir / "fixed.json",
                   "--search", "propagate", "-o", dir / "s.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  ir::StrategyMap s = frontend::readStrategyFile(dir / "s.json");
  EXPECT_EQ(s.ops.size(), 3u);
  EXPECT_EQ(s.ops.at("MatMul_layer1.weight").inputSplits, (std::vector<std::vector<int64_t>>{{1, 1}, {1, 2}}));
  auto bad = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--search", "greedy", "-o",
                     dir / "s2.json"});
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("--search: greedy not in {propagate,exact,dp,auto}"), std::string::npos) << bad.err;
}

TEST(CliSearch, GivenStrategiesAreKept) {
  TempDir dir("search_fixed");
  std::string model = demoModel(dir);
  ir::StrategyMap fixed;
  fixed.ops["MatMul_layer2.weight"] = {{{2, 1}, {1, 1}}, 0};
  frontend::writeStrategyFile(fixed, dir / "fixed.json", frontend::StrategyFormat::Shardc);
  auto r = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--strategy", dir / "fixed.json", "-o", dir / "s.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("MatMul_layer2.weight                     ((2,1),(1,1)) (fixed)"), std::string::npos) << r.out;
  EXPECT_EQ(frontend::readStrategyFile(dir / "s.json").ops.at("MatMul_layer2.weight").inputSplits,
            (std::vector<std::vector<int64_t>>{{2, 1}, {1, 1}}));
}

TEST(CliSearch, AnImpossibleMemoryLimitIsOneErrorAndNoFile) {
  TempDir dir("search_memory");
  std::string model = demoModel(dir);
  auto r = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--memory-limit", "1000", "-o", dir / "s.json"});
  EXPECT_EQ(r.status, 1);
  // Weights 784x512, 512x512, 512x10 and biases 512, 512, 10 f32: 2,678,824 bytes, halved; activations: the
  // flattening of the whole input, 64x784 f32 in and out.
  EXPECT_EQ(r.err, "shardc: error: no strategy fits the memory limit of 1000 bytes per rank: the least any strategy "
                   "needs is 1740820 bytes per rank (1339412 of parameters, 401408 of activations)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "s.json"));
}

// 4 candidates per MatMul on 2 ranks, 64 complete strategies: within 3x of the best lists all, cheapest first;
// within 1.1x only the near-best ones.
TEST(CliSearch, EnumerateListsTheStrategiesWithinARatioCheapestFirst) {
  TempDir dir("search_enumerate");
  std::string model = demoModel(dir);
  for (auto [ratio, atLeast, atMost] : std::vector<std::tuple<std::string, size_t, size_t>>{{"3", 64, 64}, {"1.1", 1, 63}}) {
    std::string out = dir / ("enum" + ratio);
    auto r = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--enumerate", out, "--within", ratio,
                     "-o", dir / "unused.json"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::ifstream tsv(out + "/estimates.tsv");
    std::vector<double> costs;
    for (size_t n; tsv >> n;) {
      double c;
      tsv >> c;
      EXPECT_EQ(n, costs.size());
      costs.push_back(c);
      EXPECT_TRUE(std::filesystem::exists(out + "/strategy_" + std::to_string(n) + ".json"));
    }
    EXPECT_GE(costs.size(), atLeast);
    EXPECT_LE(costs.size(), atMost);
    EXPECT_TRUE(std::is_sorted(costs.begin(), costs.end()));
    EXPECT_LE(costs.back(), costs.front() * std::stod(ratio));
  }
}

TEST(CliSearch, CalibrateWritesAMachineFileSearchReads) {
  TempDir dir("calibrate");
  auto r = runCli({"calibrate", "--ranks", "1", "-o", dir / "machine.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("calibrate: matmul 256x512x512"), std::string::npos) << r.out;
  nlohmann::json m = nlohmann::json::parse(std::ifstream(dir / "machine.json"));
  EXPECT_EQ(m["format"], "shardc-machine");
  EXPECT_GT(m["peak_flops"].get<double>(), 1e8);
  EXPECT_GT(m["memory_bandwidth"].get<double>(), 1e8);
  std::string model = demoModel(dir);
  auto s = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--machine", dir / "machine.json", "-o",
                   dir / "s.json"});
  EXPECT_EQ(s.status, 0) << s.err;
  std::ofstream(dir / "bad.json") << R"({"format": "shardc-machine", "alpha": -1})";
  auto bad = runCli({"search", model, "--shape", "x=64x28x28", "--ranks", "2", "--machine", dir / "bad.json", "-o",
                     dir / "s2.json"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "shardc: error: " + std::string(dir / "bad.json") + ": 'alpha' must be a positive number\n");
}

// Data parallel at 4096 rows on 2, 64 and 4096 ranks from the cost model alone: every rank holds all the weights;
// time falls from 2 to 64 ranks and again at 4096, but much less than 64-fold: the output's gather over every rank
// (log2 4096 = 12 latency steps) is most of it there.
TEST(CliSearch, SimulateEstimatesJobsTooLargeToRun) {
  TempDir dir("simulate");
  std::string model = demoModel(dir);
  std::vector<double> ms;
  for (int n : {2, 64, 4096}) {
    ir::StrategyMap s;
    for (const char* w : {"MatMul_layer1.weight", "MatMul_layer2.weight", "MatMul_layer3.weight"})
      s.ops[w] = {{{n, 1}, {1, 1}}, 0};
    std::string path = dir / ("dp" + std::to_string(n) + ".json");
    frontend::writeStrategyFile(s, path, frontend::StrategyFormat::Shardc);
    auto r = runCli({"simulate", model, "--shape", "x=4096x28x28", "--ranks", std::to_string(n), "--strategy", path});
    ASSERT_EQ(r.status, 0) << r.err;
    std::string head = "simulate: " + std::to_string(n) + " ranks, 3 deciding ops (0 searched): estimated ";
    ASSERT_EQ(r.out.rfind(head, 0), 0u) << r.out;
    // Every weight and bias whole; the input, whole on every rank, flattened in and out (4096x784 f32 twice).
    EXPECT_NE(r.out.find("ms per run, 2678824 bytes of parameters and 25690112 of activations per rank"),
              std::string::npos)
        << r.out;
    ms.push_back(std::stod(r.out.substr(head.size())));
  }
  EXPECT_LT(ms[1], ms[0]);
  EXPECT_LT(ms[2], ms[1]);
  EXPECT_GT(ms[2], ms[1] / 16);  // 64 times the ranks, under 16 times faster
}

TEST(CliSearch, CompileSearchesTheOpenOps) {
  TempDir dir("compile_search");
  std::string model = demoModel(dir);
  auto r = runCli({"compile", model, "--shape", "x=64x28x28", "--ranks", "2", "--search", "dp", "-o", dir / "out"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("search: 3 deciding ops"), std::string::npos) << r.out;
  ir::StrategyMap s = frontend::readStrategyFile(dir / "out/strategy.json");
  EXPECT_EQ(s.ops.count("MatMul_layer1.weight"), 1u);
}

}  // namespace
}  // namespace shardc
