// Pipeline parallel end to end: the MLP and the small GPT cut into stages (2 stages of 2 ranks, 4 of 1), with one
// and four micro-batches, run under `shardc run` and compared with the interpreter on the whole batch; each rank's
// weights hold only its stage's parameters; bad stage counts and meshes are one clear error.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../checkpoint_file_writer.h"
#include "../weights_file_reader.h"
#include "frontend/npy.h"
#include "gpt_builder.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/tensor_box.h"
#include "tools/shardc/model_loading.h"

namespace shardc {
namespace {

using Splits = std::vector<std::vector<int64_t>>;

// x[8,16] -> 16x32 -> ReLU -> 32x32 -> ReLU -> 32x8: three layers, eight ops. `scale` multiplies the weights (0:
// a model whose weights must come from elsewhere).
std::string buildMlp(double scale = 1.0, const std::string& name = "pipeline_mlp") {
  testing::OnnxModelBuilder m(17);
  m.input("x", {8, 16});
  int64_t dims[] = {16, 32, 32, 8};
  std::string x = "x";
  for (int l = 1; l <= 3; ++l) {
    std::string w = "w" + std::to_string(l), b = "b" + std::to_string(l);
    m.initializer(w, testing::weights({dims[l - 1], dims[l]}, uint32_t(l), 0.5 * scale));
    m.initializer(b, testing::weights({dims[l]}, uint32_t(10 + l), 0.1 * scale));
    m.node("MatMul", {x, w}, {"mm" + std::to_string(l)});
    m.node("Add", {"mm" + std::to_string(l), b}, {"h" + std::to_string(l)});
    x = "h" + std::to_string(l);
    if (l < 3) {
      m.node("Relu", {x}, {"r" + std::to_string(l)});
      x = "r" + std::to_string(l);
    }
  }
  m.output(x);
  return m.write(name);
}

struct PipelineJob {
  std::string dir;
  std::vector<ir::Tensor> outputs, expected;
  nlohmann::json manifest, report;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Compiles the model into stages, runs it under `shardc run` and reads rank 0's outputs. The directory is removed
// by the caller (tests look into it).
PipelineJob compileAndRun(const std::string& model, const ir::StrategyMap& strategy, int ranks, int stages,
                          int microBatches, const std::vector<ir::Tensor>& inputs, const std::string& name,
                          const std::function<void(tools::CompileOptions&, const std::string& dir)>& more = {}) {
  PipelineJob job;
  job.dir = testing::workDir(name);
  std::ostringstream log;
  tools::ModelOptions mo;
  mo.path = model;
  ir::Graph g = tools::loadModel(mo, log);
  job.expected = ir::interpret(g, inputs);
  tools::CompileOptions options;
  if (more) more(options, job.dir);
  options.modelPath = model;
  options.outDir = job.dir + "/out";
  options.quiet = true;
  options.ranks = ranks;
  options.stages = stages;
  options.microBatches = microBatches;
  if (microBatches > 1) options.microBatchGraph = tools::loadModel(mo, log, microBatches);
  options.strategy = strategy;
  tools::compileGraph(g, options, log);
  job.manifest = nlohmann::json::parse(slurp(options.outDir + "/manifest.json"));
  job.report = nlohmann::json::parse(slurp(options.outDir + "/report.json"));
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 " +
                    std::string(SHARDC_BINARY_DIR) + "/tools/shardc run " + options.outDir + " --timeout 60 --";
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string n = g.value(g.inputs()[i]).name;
    frontend::writeNpy(job.dir + "/" + n + ".npy", inputs[i]);
    cmd += " --input " + n + "=" + job.dir + "/" + n + ".npy";
  }
  cmd += " --output-dir " + job.dir + "/run > " + job.dir + "/log 2>&1 < /dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << slurp(job.dir + "/log");
  for (ir::ValueId v : g.outputs()) {
    std::string file = job.dir + "/run/" + g.value(v).name + ".npy";
    job.outputs.push_back(std::filesystem::exists(file) ? frontend::readNpy(file) : ir::Tensor());
  }
  return job;
}

void expectEqualToReference(const PipelineJob& job, const std::string& what) {
  ASSERT_EQ(job.outputs.size(), job.expected.size());
  for (size_t i = 0; i < job.outputs.size(); ++i)
    EXPECT_EQ(tools::compareTensors(job.outputs[i], job.expected[i], {1e-4, 1e-4}), "") << what;
}

void cleanUp(const PipelineJob& job) {
  if (!std::getenv("SHARDC_KEEP_TEST_DIRS")) std::filesystem::remove_all(job.dir);
}

std::vector<ir::Tensor> mlpInput() { return {testing::weights({8, 16}, 99, 1.0)}; }

// Inside a stage of two ranks: the first layer column-parallel, the second row-parallel (Megatron's MLP).
ir::StrategyMap mlpTensorParallel() {
  ir::StrategyMap s;
  s.ops["MatMul_w1"] = {Splits{{1, 1}, {1, 2}}, 0};
  s.ops["MatMul_w2"] = {Splits{{1, 2}, {2, 1}}, 0};
  return s;
}

void checkMlp(int micro) {
  std::string model = buildMlp(1.0, "pipeline_mlp_" + std::to_string(micro));
  {
    PipelineJob two = compileAndRun(model, mlpTensorParallel(), 4, 2, micro, mlpInput(), "pp_mlp_2x2");
    expectEqualToReference(two, "2 stages x 2 ranks, " + std::to_string(micro) + " micro-batch(es)");
    EXPECT_EQ(two.manifest["stages"].size(), 2u);
    EXPECT_EQ(two.manifest["micro_batches"], micro);
    EXPECT_EQ(two.manifest["mesh"], nlohmann::json({2, 2}));
    // The stage that holds w1 splits it by columns over its two ranks.
    bool split = false;
    for (int r = 0; r < 4; ++r) {
      auto w = testing::readWeightsFile(two.dir + "/out/weights/rank_" + std::to_string(r) + ".bin");
      if (w.count("w1")) split = split || w.at("w1").dims == std::vector<int64_t>{16, 16};
    }
    EXPECT_TRUE(split);
    cleanUp(two);
    PipelineJob four = compileAndRun(model, {}, 4, 4, micro, mlpInput(), "pp_mlp_4x1");
    expectEqualToReference(four, "4 stages x 1 rank, " + std::to_string(micro) + " micro-batch(es)");
    EXPECT_EQ(four.report["stages"].size(), 4u);
    cleanUp(four);
  }
  std::remove(model.c_str());
}

TEST(Pipeline, MlpOnTwoStagesOfTwoRanksAndFourStagesOfOneWithOneMicroBatch) { checkMlp(1); }
TEST(Pipeline, MlpOnTwoStagesOfTwoRanksAndFourStagesOfOneWithFourMicroBatches) { checkMlp(4); }

void checkGpt(int micro) {
  std::string model = testing::gpt::GptBuilder(/*batchFromInput=*/true).build();
  ir::StrategyMap megatron;
  for (const char* w : {"h0.q.w", "h0.k.w", "h0.v.w", "h0.fc1.w"})
    megatron.ops[std::string("MatMul_") + w] = {Splits{{1, 1, 1}, {1, 2}}, 0};
  for (const char* w : {"h0.o.w", "h0.fc2.w"}) megatron.ops[std::string("MatMul_") + w] = {Splits{{1, 1, 2}, {2, 1}}, 0};
  {
    PipelineJob two = compileAndRun(model, megatron, 4, 2, micro, testing::gpt::tokens(), "pp_gpt_2x2");
    expectEqualToReference(two, "2 stages x 2 ranks, " + std::to_string(micro) + " micro-batch(es)");
    cleanUp(two);
    PipelineJob four = compileAndRun(model, {}, 4, 4, micro, testing::gpt::tokens(), "pp_gpt_4x1");
    expectEqualToReference(four, "4 stages x 1 rank, " + std::to_string(micro) + " micro-batch(es)");
    cleanUp(four);
  }
  std::remove(model.c_str());
}

TEST(Pipeline, GptOnTwoStagesOfTwoRanksAndFourStagesOfOneWithOneMicroBatch) { checkGpt(1); }
TEST(Pipeline, GptOnTwoStagesOfTwoRanksAndFourStagesOfOneWithFourMicroBatches) { checkGpt(4); }

TEST(Pipeline, EachRankHoldsOnlyItsStagesWeights) {
  std::string model = buildMlp();
  // Stages from the strategy, as MindSpore's strategy files give them: the first layer in stage 0, the others in
  // stage 1 (ops without an entry follow their producers).
  ir::StrategyMap s = mlpTensorParallel();
  s.ops["MatMul_w2"].stage = 1;
  PipelineJob job = compileAndRun(model, s, 4, 0, 2, mlpInput(), "pp_mlp_weights");
  expectEqualToReference(job, "stages from the strategy");
  EXPECT_EQ(job.report["stages_from"], "strategy");
  std::ostringstream log;
  tools::ModelOptions mo;
  mo.path = model;
  ir::Graph g = tools::loadModel(mo, log);
  auto whole = [&](const std::string& name) { return g.value(*g.findValue(name)).data; };
  auto bytes = [](const ir::Tensor& t) { return std::string(reinterpret_cast<const char*>(t.bytes()), size_t(t.byteSize())); };
  for (int r = 0; r < 4; ++r) {
    auto w = testing::readWeightsFile(job.dir + "/out/weights/rank_" + std::to_string(r) + ".bin");
    std::vector<std::string> names;
    for (const auto& [name, e] : w) names.push_back(name);
    if (r < 2) {
      EXPECT_EQ(names, (std::vector<std::string>{"b1", "w1"})) << "rank " << r;
      // w1's columns r*16..r*16+15, b1's too.
      EXPECT_EQ(w["w1"].bytes, bytes(ir::extractBox(*whole("w1"), {{0, 16 * r}, {16, 16}})));
      EXPECT_EQ(w["b1"].bytes, bytes(ir::extractBox(*whole("b1"), {{16 * r}, {16}})));
    } else {
      EXPECT_EQ(names, (std::vector<std::string>{"b2", "b3", "w2", "w3"})) << "rank " << r;
      // w2 row-parallel over the stage's ranks, the last layer whole.
      EXPECT_EQ(w["w2"].bytes, bytes(ir::extractBox(*whole("w2"), {{16 * (r - 2), 0}, {16, 32}})));
      EXPECT_EQ(w["w3"].bytes, bytes(*whole("w3")));
      EXPECT_EQ(w["b3"].bytes, bytes(*whole("b3")));
    }
  }
  cleanUp(job);
  std::remove(model.c_str());
}

// Pipeline training's checkpoint (2 stages of 2 ranks; each rank's file holds its stage's parameters only, the
// strategy merged as MindSpore merges it, "<stage>-<name>") resharded into 4 stages of 1 rank.
TEST(Pipeline, PipelineTrainingCheckpointReshardsIntoOtherStages) {
  std::string real = buildMlp(1.0, "pipeline_mlp_trained"), blank = buildMlp(0.0, "pipeline_mlp_blank");
  std::ostringstream log;
  tools::ModelOptions mo;
  mo.path = real;
  ir::Graph g = tools::loadModel(mo, log);
  auto whole = [&](const std::string& name) { return *g.value(*g.findValue(name)).data; };
  std::string dir = testing::workDir("pp_training_ckpt");
  // Stage 0: w1 and b1 split by columns; stage 1: w2 by rows, the rest whole.
  for (int r = 0; r < 4; ++r) {
    std::map<std::string, ir::Tensor> slice;
    if (r < 2) {
      slice.emplace("w1", ir::extractBox(whole("w1"), {{0, 16 * r}, {16, 16}}));
      slice.emplace("b1", ir::extractBox(whole("b1"), {{16 * r}, {16}}));
    } else {
      slice.emplace("w2", ir::extractBox(whole("w2"), {{16 * (r - 2), 0}, {16, 32}}));
      for (const char* n : {"b2", "w3", "b3"}) slice.emplace(n, whole(n));
    }
    testing::writeCkpt(dir + "/ckpt/rank_" + std::to_string(r) + "/net.ckpt", slice);
  }
  auto item = [](const std::string& name, const std::string& map, const std::string& shape) {
    return "\"" + name + "\": {\"dev_matrix\": [2], \"tensor_map\": " + map + ", \"tensor_shape\": " + shape +
           ", \"field\": 0, \"opt_weight_shard_step\": 0, \"opt_weight_shard_size\": 0}";
  };
  std::ofstream(dir + "/merged.json") << "{\"current_stage\": 1, \"parallel_strategy_item\": {}, \"parallel_layout_item\": {"
                                      << item("0-w1", "[-1, 0]", "[16, 32]") << ", " << item("0-b1", "[0]", "[32]") << ", "
                                      << item("1-w2", "[0, -1]", "[32, 32]") << ", " << item("1-b2", "[-1]", "[32]") << ", "
                                      << item("1-w3", "[-1, -1]", "[32, 8]") << ", " << item("1-b3", "[-1]", "[8]")
                                      << "}}\n";
  PipelineJob job = compileAndRun(blank, {}, 4, 4, 2, mlpInput(), "pp_from_training",
                                  [&](tools::CompileOptions& o, const std::string&) {
                                    o.checkpoint = {dir + "/ckpt"};
                                    o.checkpointStrategy = dir + "/merged.json";
                                  });
  // The blank model's weights are zeros: the outputs equal the trained model's only when the checkpoint was read.
  ASSERT_EQ(job.outputs.size(), 1u);
  EXPECT_EQ(tools::compareTensors(job.outputs[0], ir::interpret(g, mlpInput())[0], {1e-4, 1e-4}), "");
  // Each parameter is in exactly one stage's files (a chain shares none), whole, with the trained bytes.
  std::map<std::string, int> holders;
  for (int r = 0; r < 4; ++r)
    for (const auto& [name, e] : testing::readWeightsFile(job.dir + "/out/weights/rank_" + std::to_string(r) + ".bin")) {
      ++holders[name];
      ir::Tensor t = whole(name);
      EXPECT_EQ(e.bytes, std::string(reinterpret_cast<const char*>(t.bytes()), size_t(t.byteSize()))) << name;
    }
  EXPECT_EQ(holders, (std::map<std::string, int>{{"b1", 1}, {"b2", 1}, {"b3", 1}, {"w1", 1}, {"w2", 1}, {"w3", 1}}));
  cleanUp(job);
  if (!std::getenv("SHARDC_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir);
  std::remove(real.c_str());
  std::remove(blank.c_str());
}

std::string compileError(const std::string& model, int ranks, int stages, const ir::DeviceMesh& mesh = {},
                         int micro = 1) {
  std::ostringstream log;
  tools::ModelOptions mo;
  mo.path = model;
  tools::CompileOptions options;
  options.outDir = testing::workDir("pp_error") + "/out";
  options.quiet = true;
  options.ranks = ranks;
  options.mesh = mesh;
  options.stages = stages;
  options.microBatches = micro;
  try {
    ir::Graph g = tools::loadModel(mo, log);
    if (micro > 1) options.microBatchGraph = tools::loadModel(mo, log, micro);
    tools::compileGraph(g, options, log);
  } catch (const ir::Error& e) {
    EXPECT_FALSE(std::filesystem::exists(options.outDir)) << "a failed compile left " << options.outDir;
    return e.what();
  }
  return "";
}

TEST(Pipeline, BadStageCountsAndMeshesAreOneClearError) {
  std::string model = buildMlp();
  EXPECT_EQ(compileError(model, 9, 9), "9 pipeline stages for a model of 8 op(s): each stage needs one at least");
  EXPECT_EQ(compileError(model, 4, 3), "4 rank(s) do not divide into 3 pipeline stages");
  EXPECT_EQ(compileError(model, 6, 2, ir::DeviceMesh({3, 2})),
            "--mesh [3,2] does not divide into 2 pipeline stages (stages split its first axis, 3)");
  EXPECT_EQ(compileError(model, 2, 2, {}, 3),
            "--micro-batches 3: input 'x' is [8,16], its dim 0 (the batch) does not divide into 3 micro-batches");
  std::remove(model.c_str());
  // A model that fixes its batch in a Reshape cannot take micro-batches.
  std::string fixed = testing::gpt::GptBuilder(/*batchFromInput=*/false).build();
  std::string e = compileError(fixed, 2, 2, {}, 2);
  EXPECT_EQ(e.rfind("--micro-batches 2: the model does not take a micro-batch of its inputs", 0), 0u) << e;
  std::remove(fixed.c_str());
}

}  // namespace
}  // namespace shardc
