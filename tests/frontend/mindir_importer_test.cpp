// The MindIR importer on MindSpore's own sample files and on new- and old-style files written with the project's
// writer: REF:: primitives, sub-graph calls, constants, in_strategy, weights in every encoding, input options.
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/mindir_importer.h"
#include "frontend/mindir_proto.h"
#include "frontend/onnx_writer.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/printer.h"
#include "mindir_test_util.h"

namespace shardc {
namespace {
using frontend::MindIrValue;
using frontend::MindIrWriter;
using testing::f32;
using testing::floats;
using testing::named;
using testing::valuesOf;

class MindIrImport : public testing::FileTest {};

TEST_F(MindIrImport, LeNetSampleNewStyle) {
  if (!std::filesystem::exists(testing::kMindSporeFixtures)) GTEST_SKIP() << "no fixtures";
  ir::Graph g = frontend::importMindIrFile(testing::kMindSporeFixtures + "ori_net.mindir");
  // Load, the UMonad, MakeTuple/UpdateState/Depend are gone; the "<graph>:" prefix is stripped (conv1.weight), the
  // MatMul weights are Constant nodes (x, x_19, x_22; the first renamed beside input x); ops carry scope names.
  EXPECT_EQ(ir::printGraph(g), R"(graph @17_1_construct.Default_wrapper.5 {
  input %x : f32[1,1,32,32]
  param %conv2.weight : f32[16,6,5,5] = <elided>
  param %conv1.weight : f32[6,1,5,5] = <elided>
  param %x_1 : f32[400,120] = <elided>
  param %x_19 : f32[120,84] = <elided>
  param %x_22 : f32[84,10] = <elided>
  %output_3 = Conv(%x, %conv1.weight) {dilations = [1, 1], group = 1, pads = [0, 0, 0, 0], strides = [1, 1]} loc("Default/conv1-Conv2d/Conv2D-op1") : f32[1,6,28,28]
  %8_5 = Relu(%output_3) loc("Default/relu-ReLU/ReLU-op2") : f32[1,6,28,28]
  %out_7 = MaxPool(%8_5) {ceil_mode = 0, dilations = [1, 1], kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]} loc("Default/max_pool2d-MaxPool2d/MaxPool-op3") : f32[1,6,14,14]
  %output_10 = Conv(%out_7, %conv2.weight) {dilations = [1, 1], group = 1, pads = [0, 0, 0, 0], strides = [1, 1]} loc("Default/conv2-Conv2d/Conv2D-op4") : f32[1,16,10,10]
  %8_12 = Relu(%output_10) loc("Default/relu-ReLU/ReLU-op6") : f32[1,16,10,10]
  %out_13 = MaxPool(%8_12) {ceil_mode = 0, dilations = [1, 1], kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [2, 2]} loc("Default/max_pool2d-MaxPool2d/MaxPool-op7") : f32[1,16,5,5]
  %10_14 = Reshape(%out_13) {shape = [1, 400]} loc("Default/flatten-Flatten/Reshape-op8") : f32[1,400]
  %x_16 = MatMul(%10_14, %x_1) loc("Default/MatMul-op9") : f32[1,120]
  %8_18 = Relu(%x_16) loc("Default/relu-ReLU/ReLU-op10") : f32[1,120]
  %x_20 = MatMul(%8_18, %x_19) loc("Default/MatMul-op11") : f32[1,84]
  %8_21 = Relu(%x_20) loc("Default/relu-ReLU/ReLU-op12") : f32[1,84]
  %x_23 = MatMul(%8_21, %x_22) loc("Default/MatMul-op13") : f32[1,10]
  output %x_23
}
)");
  // The weights are the file's raw bytes.
  const ir::Tensor& w = *g.value(*g.findValue("conv1.weight")).data;
  EXPECT_EQ(w.byteSize(), 6u * 25 * 4);
  EXPECT_NE(w.elementAsDouble(0), 0.0);
}

TEST_F(MindIrImport, OldStyleSamplesImportAndRun) {
  if (!std::filesystem::exists(testing::kMindSporeFixtures)) GTEST_SKIP() << "no fixtures";
  ir::Graph add = frontend::importMindIrFile(testing::kMindSporeFixtures + "add_no_encrpty.mindir");
  EXPECT_EQ(ir::printGraph(add), R"(graph @6_4_construct_wrapper.4 {
  input %x_ : f32[2,2]
  input %y_ : f32[2,2]
  %6_2 = Add(%x_, %y_) loc("Default/Add-op5") : f32[2,2]
  output %6_2
}
)");
  auto out = ir::interpret(add, {floats({2, 2}, {1, 2, 3, 4}), floats({2, 2}, {10, 20, 30, 40})});
  EXPECT_EQ(valuesOf(out.at(0)), (std::vector<double>{11, 22, 33, 44}));

  ir::Graph relu = frontend::importMindIrFile(testing::kMindSporeFixtures + "relu.mindir");
  out = ir::interpret(relu, {floats({1, 1, 2, 2}, {-1, 2, -3, 4})});
  EXPECT_EQ(valuesOf(out.at(0)), (std::vector<double>{0, 2, 0, 4}));
}

TEST_F(MindIrImport, UnsupportedPrimitiveNamesItAndItsScope) {
  if (!std::filesystem::exists(testing::kMindSporeFixtures)) GTEST_SKIP() << "no fixtures";
  // An LSTM (old style, 1.6.1): everything before it imports (Transpose, StridedSlice with masks, ExpandDims, Load,
  // Reshape, Add, MakeTuple, Concat), the LSTM itself is one error naming the primitive and its full scope.
  std::string path = testing::kMindSporeFixtures + "old_version_mindir_2.mindir";
  try {
    frontend::importMindIrFile(path);
    FAIL() << "imported an LSTM";
  } catch (const ir::Unsupported& e) {
    std::string m = e.what();
    EXPECT_EQ(m.substr(0, m.find(';')),
              path + ": MindIR node 'Default/lstm-LSTM/rnn-_DynamicLSTMCPUGPU/LSTM-op1': unsupported primitive LSTM");
    EXPECT_NE(m.find("supported: Abs, Add, AllGather, AllReduce, AlltoAll, AvgPool, BatchMatMul, BiasAdd,"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos);
  }
}

TEST_F(MindIrImport, SamplesAreRecognisedByContent) {
  if (!std::filesystem::exists(testing::kMindSporeFixtures)) GTEST_SKIP() << "no fixtures";
  for (const char* f : {"ori_net", "add_no_encrpty", "relu", "old_version_mindir_2"}) {
    std::string renamed = path(std::string(f) + ".bin");
    testing::writeFile(renamed, testing::readFile(testing::kMindSporeFixtures + f + ".mindir"));
    EXPECT_TRUE(frontend::isMindIrFile(renamed)) << f;
  }
  // An ONNX model (its ir_version varint first) and a MindSpore strategy file are not MindIR.
  ir::Graph onnxModel;
  ir::ValueId in = onnxModel.addInput("x", f32({1, 2}));
  ir::ValueId out = onnxModel.addOp1(ir::OpKind::Relu, {in}, "y");
  onnxModel.value(out).type = f32({1, 2});
  onnxModel.setOutputs({out});
  frontend::writeOnnxModel(onnxModel, path("m.onnx"));
  EXPECT_FALSE(frontend::isMindIrFile(path("m.onnx")));
  EXPECT_FALSE(frontend::isMindIrFile(testing::kMindSporeFixtures + "synthetic_strategy_8dev.ckpt"));
}

// x [2,3] -> MatMul by the stored [4,3] weight (transpose_b) -> BiasAdd -> sub-graph "block" (ReLU, times the
// scalar constant 2) -> Reshape to the constant shape (4, 2).
MindIrWriter denseBlockModel(MindIrWriter::Style style) {
  MindIrWriter w("net", style);
  MindIrWriter::Graph& block = w.function("block");
  std::string h = block.input("h", f32({2, 4}));
  std::string r = block.node("ReLU", {h}, {}, named("r", f32({2, 4}), "Default/block/ReLU-op1"));
  std::string two = block.constant("two", MindIrValue::real(2.0));
  block.output(block.node("Mul", {r, two}, {}, named("twice", f32({2, 4}), "Default/block/Mul-op2")));

  MindIrWriter::Graph& net = w.main();
  std::string x = net.input("x", f32({2, 3}));
  std::string wt = net.parameter("fc.weight", floats({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}));
  std::string b = net.parameter("fc.bias", floats({4}, {0.5, -10, 0, 1}));
  std::string mm = net.node("MatMul", {x, wt},
                            {{"transpose_a", MindIrValue::boolean(false)},
                             {"transpose_b", MindIrValue::boolean(true)},
                             {"in_strategy", MindIrValue::intTuples({{2, 1}, {2, 1}})}},
                            named("fc", f32({2, 4}), "Default/fc-Dense/MatMul-op0"));
  std::string biased = net.node("BiasAdd", {mm, b}, {{"format", MindIrValue::string("NCHW")}},
                                named("fc.add", f32({2, 4}), "Default/fc-Dense/BiasAdd-op3"));
  std::string called = net.call(block, {biased}, named("block", f32({2, 4}), "Default/block-op4"));
  std::string shape = net.constant("shape", MindIrValue::ints({4, 2}));
  net.output(net.node("Reshape", {called, shape}, {}, named("y", f32({4, 2}), "Default/Reshape-op5")));
  return w;
}

const char* kDenseBlockIr = R"(graph @net {
  input %x : f32[2,3]
  param %fc.weight : f32[4,3] = 0x0000803f0000000000000000000000000000803f0000000000000000000000000000803f0000803f0000803f0000803f
  param %fc.bias : f32[4] = 0x0000003f000020c1000000000000803f
  param %block.twice.const : f32[] = 0x00000040
  %fc.transpose = Transpose(%fc.weight) {perm = [1, 0]} loc("Default/fc-Dense/MatMul-op0") : f32[3,4]
  %fc = MatMul(%x, %fc.transpose) {strategy = [2, 1, 1, 2], strategy_ranks = [2, 2]} loc("Default/fc-Dense/MatMul-op0") : f32[2,4]
  %fc.add = Add(%fc, %fc.bias) loc("Default/fc-Dense/BiasAdd-op3") : f32[2,4]
  %block.r = Relu(%fc.add) loc("Default/block/ReLU-op1") : f32[2,4]
  %block.twice = Mul(%block.r, %block.twice.const) loc("Default/block/Mul-op2") : f32[2,4]
  %y = Reshape(%block.twice) {shape = [4, 2]} loc("Default/Reshape-op5") : f32[4,2]
  output %y
}
)";

TEST_F(MindIrImport, NewStyleRefsCallsConstantsAndStrategy) {
  denseBlockModel(MindIrWriter::Style::New).write(path("net.mindir"));
  ir::Graph g = frontend::importMindIrFile(path("net.mindir"));
  // in_strategy ((2,1),(2,1)) splits the stored [4,3] weight's rows; the MatMul reads its transpose [3,4], whose
  // columns that split is: (1,2).
  EXPECT_EQ(ir::printGraph(g), kDenseBlockIr);
  auto out = ir::interpret(g, {floats({2, 3}, {1, 2, 3, -4, -5, -6})});
  // x @ w^T = [[1,2,3,6],[-4,-5,-6,-15]]; + b = [[1.5,-8,3,7],[-3.5,-15,-6,-14]]; ReLU; times 2.
  EXPECT_EQ(valuesOf(out.at(0)), (std::vector<double>{3, 0, 6, 14, 0, 0, 0, 0}));
}

TEST_F(MindIrImport, OldStyleImportsToTheSameGraph) {
  denseBlockModel(MindIrWriter::Style::Old).write(path("old.mindir"));
  EXPECT_EQ(ir::printGraph(frontend::importMindIrFile(path("old.mindir"))), kDenseBlockIr);
}

TEST_F(MindIrImport, WeightsFromTypedFieldsAndExternalData) {
  // The same model with its parameters in an external data file, as MindSpore writes models over 1 GiB.
  MindIrWriter w = denseBlockModel(MindIrWriter::Style::New);
  w.setExternalData("net_variables/data_0");
  w.write(path("ext.mindir"));
  std::string data = testing::readFile(path("net_variables/data_0"));
  ASSERT_EQ(data.size(), 64u + 64u + 16u);  // header, the [4,3] weight (48 bytes, padded to 64), the bias
  EXPECT_EQ(data[0], 1);                     // little-endian
  ir::Graph g = frontend::importMindIrFile(path("ext.mindir"));
  EXPECT_EQ(ir::printGraph(g), kDenseBlockIr);
  EXPECT_EQ(valuesOf(*g.value(*g.findValue("fc.weight")).data),
            (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}));

  // Typed fields (float_data, int64_data), as older exporters and hand-written files hold small tensors.
  shardc::mindir::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(denseBlockModel(MindIrWriter::Style::New).serialize()));
  for (auto& p : *m.mutable_graph()->mutable_parameter()) {
    ir::Tensor t = frontend::mindir_proto::tensorFromMindIr(p, p.name());
    p.clear_raw_data();
    for (double v : valuesOf(t)) p.add_float_data(static_cast<float>(v));
  }
  testing::writeFile(path("typed.mindir"), m.SerializeAsString());
  EXPECT_EQ(ir::printGraph(frontend::importMindIrFile(path("typed.mindir"))), kDenseBlockIr);
}

TEST_F(MindIrImport, InputOptionsApply) {
  MindIrWriter w("g");
  std::string x = w.main().input("x", f32({-1, 4}));
  w.main().output(w.main().node("Softmax", {x}, {{"axis", MindIrValue::ints({-1})}}, named("p", f32({-1, 4}))));
  w.write(path("dyn.mindir"));
  try {
    frontend::importMindIrFile(path("dyn.mindir"));
    FAIL() << "a dynamic batch needs --shape";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()), "input 'x' has an unknown dimension 0 (shape [?,4]); give it with --shape x=1x4");
  }
  frontend::ImportOptions options;
  options.inputShapes["x"] = ir::Shape({6, 4});
  options.batchDivisor = 3;
  ir::Graph g = frontend::importMindIrFile(path("dyn.mindir"), options);
  EXPECT_EQ(g.value(g.inputs()[0]).type.str(), "f32[2,4]");
}

}  // namespace
}  // namespace shardc
