#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "frontend/npy.h"
#include "frontend/onnx_writer.h"
#include "ir/interpreter/interpreter.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::lineCount;
using testing::runCli;
using testing::TempDir;

class CliEval : public ::testing::Test {
 protected:
  void SetUp() override {
    frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "mlp.onnx");
    input = tools::normalTensor(7, {2, 28, 28});
    frontend::writeNpy(dir / "x.npy", input);
  }
  TempDir dir{"cli_eval"};
  ir::Tensor input;
};

// The demo MLP evaluated by hand, layer by layer in double, equals what `shardc eval` writes.
TEST_F(CliEval, WritesTheMlpOutputsComputedByHand) {
  auto r = runCli({"eval", dir / "mlp.onnx", "--shape", "x=2x28x28", "--input", "x=" + (dir / "x.npy"),
                   "--output-dir", dir / "out"});
  ASSERT_EQ(r.status, 0) << r.err;
  ir::Tensor logits = frontend::readNpy(dir / "out/logits.npy");
  ASSERT_EQ(logits.type().str(), "f32[2,10]");

  ir::Graph g = tools::buildDemoMlp(1);
  auto param = [&](const std::string& n) { return g.value(*g.findValue(n)).data; };
  std::vector<double> h(input.data<float>(), input.data<float>() + 2 * 784);
  int64_t width = 784;
  for (int layer = 1; layer <= 3; ++layer) {
    auto w = param("layer" + std::to_string(layer) + ".weight");
    auto b = param("layer" + std::to_string(layer) + ".bias");
    int64_t out = w->shape().dims[1];
    std::vector<double> next(static_cast<size_t>(2 * out));
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < out; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < width; ++k) acc += h[i * width + k] * w->data<float>()[k * out + j];
        acc += b->data<float>()[j];
        next[i * out + j] = layer < 3 ? std::max(acc, 0.0) : acc;
      }
    h = next;
    width = out;
  }
  for (int64_t i = 0; i < 20; ++i) EXPECT_NEAR(logits.data<float>()[i], h[i], 1e-5) << "element " << i;
}

TEST_F(CliEval, BindsPositionalInputsInOrder) {
  auto r = runCli({"eval", dir / "mlp.onnx", "--shape", "x=2x28x28", "--input", dir / "x.npy", "-o", dir / "o2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "o2/logits.npy"));
}

TEST_F(CliEval, MissingInputFileIsOneLineAndExit1) {
  auto r = runCli({"eval", dir / "mlp.onnx", "--shape", "x=2x28x28", "--input", "x=" + (dir / "nope.npy"),
                   "--output-dir", dir / "o3"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("nope.npy"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "o3"));
}

TEST_F(CliEval, WrongInputShapeNamesTheInputAndBothShapes) {
  auto r = runCli({"eval", dir / "mlp.onnx", "--shape", "x=1x28x28", "--input", "x=" + (dir / "x.npy"),
                   "--output-dir", dir / "o4"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("'x'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("f32[1,28,28]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("f32[2,28,28]"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "o4"));
}

TEST_F(CliEval, WrongInputDtypeIsAnError) {
  frontend::writeNpy(dir / "xd.npy", ir::Tensor(ir::DType::f64, {2, 28, 28}));
  auto r = runCli({"eval", dir / "mlp.onnx", "--shape", "x=2x28x28", "--input", "x=" + (dir / "xd.npy"),
                   "--output-dir", dir / "o5"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("f64[2,28,28]"), std::string::npos) << r.err;
}

TEST_F(CliEval, DynamicDimensionWithoutShapeIsAnError) {
  auto r = runCli({"eval", dir / "mlp.onnx", "--input", "x=" + (dir / "x.npy"), "--output-dir", dir / "o6"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("'batch'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--shape"), std::string::npos) << r.err;
}

TEST_F(CliEval, UnknownInputNameListsTheInputs) {
  auto r = runCli({"eval", dir / "mlp.onnx", "--shape", "x=2x28x28", "--input", "y=" + (dir / "x.npy"),
                   "--output-dir", dir / "o7"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no input 'y' (inputs: x)"), std::string::npos) << r.err;
}

TEST(Cli, UsageErrorsExit2AndHelpExits0) {
  auto r = runCli({"eval"});
  EXPECT_EQ(r.status, 2);
  r = runCli({"frobnicate"});
  EXPECT_EQ(r.status, 2);
  r = runCli({"eval", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--output-dir"), std::string::npos) << r.out;
  r = runCli({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("conformance"), std::string::npos) << r.out;
}

TEST(Cli, MalformedShapeArgumentIsAnError) {
  TempDir dir("cli_shape");
  frontend::writeOnnxModel(tools::buildDemoMlp(1), dir / "m.onnx");
  auto r = runCli({"inspect", dir / "m.onnx", "--shape", "x=2xfoo"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "shardc: error: --shape 'x=2xfoo': 'foo' is not a dimension (expected e.g. 1x784)\n");
}

}  // namespace
}  // namespace shardc
