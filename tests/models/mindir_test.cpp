// MindIR models end to end: MindSpore's LeNet sample compiled for 1 and 2 ranks, and the seed's MLP written as a
// MindIR whose MatMuls carry shard()'s in_strategy, compiled for 8 ranks with no strategy file; each run under
// `shardc run` and compared with the interpreter on the whole model.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "../tools/cli_test_util.h"
#include "frontend/mindir_writer.h"
#include "frontend/npy.h"
#include "ir/interpreter/interpreter.h"
#include "model_test_util.h"
#include "tools/shardc/demo_model.h"
#include "tools/shardc/model_loading.h"

namespace shardc {
namespace {
using frontend::MindIrValue;
using frontend::MindIrWriter;
using testing::runCli;
using testing::TempDir;

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Compiles `model` with `args`, runs it under `shardc run` and checks every output against the interpreter.
// Returns what compile printed.
std::string compileRunAndCompare(const TempDir& dir, const std::string& model, std::vector<std::string> args,
                                 const std::vector<ir::Tensor>& inputs, const std::vector<std::string>& shapes = {}) {
  std::vector<std::string> cmd{"compile", model, "-o", dir / "out", "-q"};
  for (const auto& s : shapes) cmd.insert(cmd.end(), {"--shape", s});
  cmd.insert(cmd.end(), args.begin(), args.end());
  auto r = runCli(cmd);
  EXPECT_EQ(r.status, 0) << r.err;
  if (r.status != 0) return r.out;

  tools::ModelOptions mo;
  mo.path = model;
  mo.shapes = shapes;
  std::ostringstream log;
  ir::Graph g = tools::loadModel(mo, log);
  std::vector<ir::Tensor> expected = ir::interpret(g, inputs);
  std::string run = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 " +
                    std::string(SHARDC_BINARY_DIR) + "/tools/shardc run " + dir / "out" + " --timeout 60 --";
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string n = g.value(g.inputs()[i]).name;
    frontend::writeNpy(dir / (n + ".npy"), inputs[i]);
    run += " --input " + n + "=" + dir / (n + ".npy");
  }
  run += " --output-dir " + dir / "run" + " > " + dir / "log" + " 2>&1 < /dev/null";
  EXPECT_EQ(std::system(run.c_str()), 0) << run << "\n" << slurp(dir / "log");
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    std::string file = dir / ("run/" + g.value(g.outputs()[i]).name + ".npy");
    if (!std::filesystem::exists(file)) {
      ADD_FAILURE() << "no output " << file;
      continue;
    }
    EXPECT_EQ(tools::compareTensors(frontend::readNpy(file), expected[i], {1e-4, 1e-5}), "") << model;
  }
  return r.out;
}

TEST(MindIrModels, LeNetSampleOnOneAndTwoRanks) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  std::string model = kFixtures + "ori_net.mindir";
  std::vector<ir::Tensor> input{testing::weights({1, 1, 32, 32}, 7, 1.0)};
  {
    TempDir dir("mindir_lenet_1");
    compileRunAndCompare(dir, model, {"--ranks", "1"}, input);
  }
  {
    // Two ranks, no strategy: the search splits it (the batch of 1 cannot be).
    TempDir dir("mindir_lenet_2");
    compileRunAndCompare(dir, model, {"--ranks", "2"}, input);
  }
  {
    // Two ranks, the first fully connected layer column-parallel: its weight (a Constant node of the file, named x
    // there, x_1 beside the input x) is split by columns.
    TempDir dir("mindir_lenet_2s");
    std::ofstream(dir / "s.json") << R"({"format": "shardc-strategy", "ops": {"MatMul_x_1": {"strategy": [[1, 1], [1, 2]]}}})";
    std::string out = compileRunAndCompare(dir, model, {"--ranks", "2", "--strategy", dir / "s.json", "--dump-after", "partition"}, input);
    EXPECT_NE(out.find("param %x_1 : f32[400,60]"), std::string::npos) << out;
  }
}

ir::Tensor transposed(const ir::Tensor& t) {
  int64_t rows = t.shape().dims[0], cols = t.shape().dims[1];
  ir::Tensor out(t.dtype(), ir::Shape({cols, rows}));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out.data<float>()[j * rows + i] = t.data<float>()[i * cols + j];
  return out;
}

// The seed's MLP (tools/shardc/demo_model.h: Flatten, three Dense layers, ReLU between) in MindSpore's terms —
// MatMul, BiasAdd, ReLU — with shard()'s in_strategy on the first and last MatMul. With `storedTransposed`, the
// first layer's weight is stored [out, in] as nn.Dense keeps it, read by MatMul(transpose_b=True): its in_strategy
// is then given for the stored [512, 784], ((2,1),(2,1)).
void writeMlpMindIr(const std::string& path, bool storedTransposed) {
  ir::Graph mlp = tools::buildDemoMlp(1);
  auto weight = [&](const std::string& n) { return *mlp.value(*mlp.findValue(n)).data; };
  MindIrWriter w("mlp");
  MindIrWriter::Graph& g = w.main();
  auto typed = [](const std::string& name, int64_t cols) {
    MindIrWriter::NodeOptions o;
    o.name = name;
    o.type = ir::TensorType{ir::DType::f32, ir::Shape({-1, cols})};
    o.scope = "Default/network-Mlp/" + name;
    return o;
  };
  std::string h = g.node("Flatten", {g.input("x", {ir::DType::f32, ir::Shape({-1, 28, 28})})}, {}, typed("flatten", 784));
  const int64_t out[] = {512, 512, 10};
  for (int l = 1; l <= 3; ++l) {
    std::string layer = "layer" + std::to_string(l);
    ir::Tensor wt = weight(layer + ".weight");
    bool transposeB = storedTransposed && l == 1;
    frontend::MindIrAttrs attrs{{"transpose_a", MindIrValue::boolean(false)},
                                {"transpose_b", MindIrValue::boolean(transposeB)}};
    if (l == 1) attrs["in_strategy"] = MindIrValue::intTuples({{2, 1}, transposeB ? std::vector<int64_t>{2, 1} : std::vector<int64_t>{1, 2}});
    if (l == 3) attrs["in_strategy"] = MindIrValue::intTuples({{2, 2}, {2, 1}});
    std::string param = g.parameter(layer + ".weight", transposeB ? transposed(wt) : wt);
    std::string mm = g.node("MatMul", {h, param}, attrs, typed(layer + ".matmul", out[l - 1]));
    h = g.node("BiasAdd", {mm, g.parameter(layer + ".bias", weight(layer + ".bias"))}, {},
               typed(l == 3 ? "logits" : layer + ".add", out[l - 1]));
    if (l < 3) h = g.node("ReLU", {h}, {}, typed("relu" + std::to_string(l), out[l - 1]));
  }
  g.output(h);
  w.write(path);
}

TEST(MindIrModels, SeedMlpWithInStrategyOnEightRanks) {
  for (bool storedTransposed : {false, true}) {
    TempDir dir(storedTransposed ? "mindir_mlp_t" : "mindir_mlp");
    writeMlpMindIr(dir / "mlp.mindir", storedTransposed);
    std::vector<ir::Tensor> input{testing::weights({8, 28, 28}, 3, 1.0)};
    // No strategy file: the strategies come from the model. As in the seed example (mesh [2,2,2]): layer1's
    // weight [784,512] is split by columns, [784,256] on each rank; layer3's [512,10] by rows, [256,10].
    std::string out = compileRunAndCompare(dir, dir / "mlp.mindir", {"--ranks", "8", "--dump-after", "partition"},
                                           input, {"x=8x28x28"});
    SCOPED_TRACE(out);
    EXPECT_NE(out.find("param %layer1.weight : f32[784,256]"), std::string::npos);
    EXPECT_NE(out.find("param %layer3.weight : f32[256,10]"), std::string::npos);
    EXPECT_NE(out.find("{strategy = [2, 1, 1, 2], strategy_ranks = [2, 2]} loc(\"Default/network-Mlp/layer1.matmul\")"),
              std::string::npos);
    EXPECT_NE(out.find("{strategy = [2, 2, 2, 1], strategy_ranks = [2, 2]} loc(\"Default/network-Mlp/layer3.matmul\")"),
              std::string::npos);
    // The seed example's traffic: layer3's partial sums meet in one all-reduce, the output leaves in one all-gather.
    EXPECT_EQ(testing::countOps(out, "AllReduce"), 1);
  }
}

}  // namespace
}  // namespace shardc

namespace shardc {
namespace {

// inspect, eval and search take a MindIR wherever they take an ONNX model, by its name or by its contents.
TEST(MindIrModels, CliCommandsTakeMindIr) {
  TempDir dir("mindir_cli");
  writeMlpMindIr(dir / "mlp.mindir", false);
  auto r = runCli({"inspect", dir / "mlp.mindir", "--shape", "x=8x28x28"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("param %layer1.weight : f32[784,512]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("{strategy = [2, 1, 1, 2], strategy_ranks = [2, 2]} loc(\"Default/network-Mlp/layer1.matmul\")"),
            std::string::npos) << r.out;
  std::filesystem::copy_file(dir / "mlp.mindir", dir / "model.bin");
  auto byContent = runCli({"inspect", dir / "model.bin", "--shape", "x=8x28x28"});
  EXPECT_EQ(byContent.status, 0) << byContent.err;
  EXPECT_EQ(byContent.out, r.out);

  frontend::writeNpy(dir / "x.npy", testing::weights({8, 28, 28}, 3, 1.0));
  r = runCli({"eval", dir / "mlp.mindir", "--shape", "x=8x28x28", "-i", "x=" + dir / "x.npy", "-o", dir / "eval"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(frontend::readNpy(dir / "eval/logits.npy").type().str(), "f32[8,10]");

  r = runCli({"search", dir / "mlp.mindir", "--shape", "x=8x28x28", "--ranks", "8", "-o", dir / "s.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "s.json"));
}

}  // namespace
}  // namespace shardc
