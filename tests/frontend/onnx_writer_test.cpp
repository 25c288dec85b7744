// The ONNX writer: each op as its ONNX node at the opset asked for, and writer -> importer round trips that give
// back the same graph (text and numbers).
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include "frontend/onnx_importer.h"
#include "frontend/onnx_importer_proto.h"
#include "frontend/onnx_tensor.h"
#include "frontend/onnx_writer.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/printer.h"
#include "ir/type_inference.h"

namespace shardc::frontend {
namespace {
namespace fs = std::filesystem;
using ir::DType;
using ir::OpKind;
using ir::ValueId;

ir::Tensor ramp(ir::Shape s, double scale = 1.0, double offset = 0.0) {
  std::vector<double> v(static_cast<size_t>(s.numElements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = offset + scale * static_cast<double>(i);
  return ir::Tensor::fromDoubles(DType::f32, std::move(s), v);
}

ir::Attributes attrs(std::initializer_list<std::pair<const char*, ir::Attribute>> list) {
  ir::Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}
using Ints = std::vector<int64_t>;

// Types every op's result by the ir's rules, as the importer leaves them.
void typeAll(ir::Graph& g) {
  for (ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
}

std::string text(const ir::Graph& g) {
  ir::PrintOptions all;
  all.elideAbove = -1;
  return ir::printGraph(g, all);
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "";
}

onnx::ModelProto written(const ir::Graph& g, int64_t opset) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(serializeOnnxModel(g, opset)));
  return m;
}

const onnx::NodeProto& nodeNamed(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& n : m.graph().node())
    if (n.name() == name) return n;
  throw std::runtime_error("no node " + name);
}

const onnx::TensorProto* initializerNamed(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

const onnx::AttributeProto* attrNamed(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::vector<std::string> inputsOf(const onnx::NodeProto& n) { return {n.input().begin(), n.input().end()}; }

// Every op kind that has an ONNX operator, in forms every opset from 7 expresses: Softmax over the last axis, Gemm
// with C, no Reshape to a 0 dim.
ir::Graph everyOp() {
  ir::Graph g;
  g.name = "every_op";
  ValueId x = g.addInput("x", {DType::f32, {2, 3, 4}});
  ValueId w = g.addParam("fc.weight", ramp({12, 5}, 0.01, -0.2));
  ValueId b = g.addParam("fc.bias", ramp({5}, 0.1));
  ValueId gw = g.addParam("gemm.weight", ramp({4, 5}, -0.03, 0.3));
  ValueId gb = g.addParam("gemm.bias", ramp({4}, 0.2, -0.1));
  ValueId flat = g.addOp1(OpKind::Flatten, {x}, "flat", attrs({{"axis", int64_t{1}}}), "flatten");
  ValueId mm = g.addOp1(OpKind::MatMul, {flat, w}, "mm", {}, "fc.matmul");
  ValueId add = g.addOp1(OpKind::Add, {mm, b}, "add", {}, "fc.add");
  ValueId relu = g.addOp1(OpKind::Relu, {add}, "relu", {}, "relu");
  ValueId gemm = g.addOp1(OpKind::Gemm, {relu, gw, gb}, "gemm",
                          attrs({{"alpha", 0.5}, {"beta", 2.0}, {"transA", int64_t{0}}, {"transB", int64_t{1}}}),
                          "gemm");
  ValueId sig = g.addOp1(OpKind::Sigmoid, {gemm}, "sig", {}, "sigmoid");
  ValueId tanh = g.addOp1(OpKind::Tanh, {sig}, "tanh", {}, "tanh");
  ValueId ex = g.addOp1(OpKind::Exp, {tanh}, "exp", {}, "exp");
  ValueId sq = g.addOp1(OpKind::Sqrt, {ex}, "sqrt", {}, "sqrt");
  ValueId neg = g.addOp1(OpKind::Neg, {sq}, "neg", {}, "neg");
  ValueId sub = g.addOp1(OpKind::Sub, {neg, sig}, "sub", {}, "sub");
  ValueId mul = g.addOp1(OpKind::Mul, {sub, sub}, "mul", {}, "mul");
  ValueId div = g.addOp1(OpKind::Div, {mul, ex}, "div", {}, "div");
  ValueId id = g.addOp1(OpKind::Identity, {div}, "id", {}, "identity");
  ValueId rs = g.addOp1(OpKind::Reshape, {id}, "rs", attrs({{"shape", Ints{1, 2, 4}}}), "reshape");
  ValueId tr = g.addOp1(OpKind::Transpose, {rs}, "tr", attrs({{"perm", Ints{2, 0, 1}}}), "transpose");
  ValueId sm = g.addOp1(OpKind::Softmax, {tr}, "sm", attrs({{"axis", int64_t{2}}}), "softmax");
  ValueId cat = g.addOp1(OpKind::Concat, {sm, tr}, "cat", attrs({{"axis", int64_t{1}}}), "concat");
  ValueId rsum = g.addOp1(OpKind::ReduceSum, {cat}, "rsum", attrs({{"axes", Ints{0, 2}}, {"keepdims", int64_t{1}}}),
                          "reduce_sum");
  ValueId rmean = g.addOp1(OpKind::ReduceMean, {cat}, "rmean", attrs({{"axes", Ints{1}}, {"keepdims", int64_t{0}}}),
                           "reduce_mean");
  ValueId all = g.addOp1(OpKind::ReduceSum, {rmean}, "all", attrs({{"axes", Ints{}}, {"keepdims", int64_t{0}}}),
                         "reduce_all");
  typeAll(g);
  g.setOutputs({rsum, rmean, all});
  return g;
}

// What needs a newer opset: Softmax over another axis (13), Gemm without C (11), a Reshape to a 0 dim (14).
ir::Graph newerForms() {
  ir::Graph g;
  g.name = "newer";
  ValueId x = g.addInput("x", {DType::f32, {3, 4}});
  ValueId e = g.addInput("e", {DType::f32, {0, 3}});
  ValueId sm = g.addOp1(OpKind::Softmax, {x}, "sm", attrs({{"axis", int64_t{0}}}), "softmax");
  ValueId gemm = g.addOp1(OpKind::Gemm, {sm, x}, "gemm",
                          attrs({{"alpha", 1.0}, {"beta", 1.0}, {"transA", int64_t{1}}, {"transB", int64_t{0}}}),
                          "gemm");
  ValueId ze = g.addOp1(OpKind::Reshape, {e}, "ze", attrs({{"shape", Ints{3, 0}}}), "");
  typeAll(g);
  g.setOutputs({gemm, ze});
  return g;
}

// ---------------------------------------------------------------------------------------------------------------

TEST(OnnxWriter, ModelHeaderAndValues) {
  onnx::ModelProto m = written(everyOp(), 17);
  EXPECT_EQ(m.ir_version(), 8);
  EXPECT_EQ(m.producer_name(), "shardc");
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), 17);
  EXPECT_EQ(m.graph().name(), "every_op");
  ASSERT_EQ(m.graph().input_size(), 1);  // initializers are not listed as inputs from IR version 4
  EXPECT_EQ(m.graph().input(0).name(), "x");
  const auto& tt = m.graph().input(0).type().tensor_type();
  EXPECT_EQ(tt.elem_type(), onnx::TensorProto::FLOAT);
  ASSERT_EQ(tt.shape().dim_size(), 3);
  EXPECT_EQ(tt.shape().dim(2).dim_value(), 4);
  ASSERT_EQ(m.graph().output_size(), 3);
  EXPECT_EQ(m.graph().output(1).name(), "rmean");
  EXPECT_EQ(m.graph().output(1).type().tensor_type().shape().dim(0).dim_value(), 4);
  const onnx::TensorProto* w = initializerNamed(m, "fc.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(tensorFromOnnx(*w, "w").type().str(), "f32[12,5]");
  EXPECT_EQ(m.graph().node_size(), 21);
  // Intermediate results carry their types.
  bool found = false;
  for (const auto& vi : m.graph().value_info())
    if (vi.name() == "cat") {
      found = true;
      EXPECT_EQ(vi.type().tensor_type().shape().dim(1).dim_value(), 2);
    }
  EXPECT_TRUE(found);
}

TEST(OnnxWriter, DynamicDimsKeepTheirNames) {
  ir::Graph g;
  ir::Shape s({ir::kDynamicDim, 784, ir::kDynamicDim});
  s.dimNames = {"batch", "", ""};
  ValueId x = g.addInput("x", {DType::f32, s});
  g.setOutputs({g.addOp1(OpKind::Relu, {x}, "y")});
  typeAll(g);
  onnx::ModelProto m = written(g, 17);
  const auto& shape = m.graph().input(0).type().tensor_type().shape();
  EXPECT_EQ(shape.dim(0).dim_param(), "batch");
  EXPECT_EQ(shape.dim(1).dim_value(), 784);
  EXPECT_FALSE(shape.dim(2).has_dim_value());
  EXPECT_FALSE(shape.dim(2).has_dim_param());
  ImportOptions keep;
  keep.allowDynamic = true;
  ir::Graph back = importOnnx(m, "m", keep);
  EXPECT_EQ(back.value(back.inputs()[0]).type.shape.str(), "[batch,784,?]");
}

TEST(OnnxWriter, AttributesAndTheInputsOnnxTakesInsteadOfAttributes) {
  onnx::ModelProto m = written(everyOp(), 17);
  const onnx::NodeProto& reshape = nodeNamed(m, "reshape");
  EXPECT_EQ(reshape.op_type(), "Reshape");
  EXPECT_EQ(inputsOf(reshape), (std::vector<std::string>{"id", "rs.shape"}));
  const onnx::TensorProto* shape = initializerNamed(m, "rs.shape");
  ASSERT_NE(shape, nullptr);
  EXPECT_EQ(shape->data_type(), onnx::TensorProto::INT64);
  EXPECT_EQ(tensorFromOnnx(*shape, "s").toInts(), (Ints{1, 2, 4}));
  EXPECT_EQ(attrNamed(reshape, "allowzero"), nullptr);

  const onnx::NodeProto& gemm = nodeNamed(m, "gemm");
  EXPECT_FLOAT_EQ(attrNamed(gemm, "alpha")->f(), 0.5f);
  EXPECT_FLOAT_EQ(attrNamed(gemm, "beta")->f(), 2.0f);
  EXPECT_EQ(attrNamed(gemm, "transB")->i(), 1);
  EXPECT_EQ(inputsOf(gemm), (std::vector<std::string>{"relu", "gemm.weight", "gemm.bias"}));

  EXPECT_EQ(Ints(attrNamed(nodeNamed(m, "transpose"), "perm")->ints().begin(),
                 attrNamed(nodeNamed(m, "transpose"), "perm")->ints().end()),
            (Ints{2, 0, 1}));
  EXPECT_EQ(attrNamed(nodeNamed(m, "softmax"), "axis")->i(), 2);
  EXPECT_EQ(attrNamed(nodeNamed(m, "concat"), "axis")->i(), 1);
  EXPECT_EQ(attrNamed(nodeNamed(m, "flatten"), "axis")->i(), 1);

  // At 17, ReduceSum takes axes as an input (since 13), ReduceMean as an attribute (until 18).
  const onnx::NodeProto& rsum = nodeNamed(m, "reduce_sum");
  EXPECT_EQ(inputsOf(rsum), (std::vector<std::string>{"cat", "rsum.axes"}));
  EXPECT_EQ(tensorFromOnnx(*initializerNamed(m, "rsum.axes"), "a").toInts(), (Ints{0, 2}));
  EXPECT_EQ(attrNamed(rsum, "axes"), nullptr);
  const onnx::NodeProto& rmean = nodeNamed(m, "reduce_mean");
  EXPECT_EQ(inputsOf(rmean), (std::vector<std::string>{"cat"}));
  EXPECT_EQ(Ints(attrNamed(rmean, "axes")->ints().begin(), attrNamed(rmean, "axes")->ints().end()), (Ints{1}));
  EXPECT_EQ(attrNamed(rmean, "keepdims")->i(), 0);
  // No axes: all of them, without an axes input.
  EXPECT_EQ(inputsOf(nodeNamed(m, "reduce_all")), (std::vector<std::string>{"rmean"}));
  EXPECT_EQ(attrNamed(nodeNamed(m, "reduce_all"), "noop_with_empty_axes"), nullptr);
}

TEST(OnnxWriter, ReductionAxesFollowTheOpset) {
  onnx::ModelProto m11 = written(everyOp(), 11);
  EXPECT_EQ(inputsOf(nodeNamed(m11, "reduce_sum")), (std::vector<std::string>{"cat"}));
  EXPECT_EQ(attrNamed(nodeNamed(m11, "reduce_sum"), "axes")->ints_size(), 2);
  onnx::ModelProto m18 = written(everyOp(), 18);
  EXPECT_EQ(inputsOf(nodeNamed(m18, "reduce_mean")), (std::vector<std::string>{"cat", "rmean.axes"}));
  EXPECT_EQ(attrNamed(nodeNamed(m18, "reduce_mean"), "axes"), nullptr);
}

TEST(OnnxWriter, IrVersionFollowsTheOpset) {
  for (auto [opset, ir] : std::vector<std::pair<int64_t, int64_t>>{
           {7, 3}, {8, 3}, {9, 4}, {10, 5}, {11, 6}, {13, 7}, {14, 7}, {15, 8}, {17, 8}, {18, 8}, {19, 9}, {21, 10}, {23, 11}})
    EXPECT_EQ(written(everyOp(), opset).ir_version(), ir) << opset;
}

// IR version 3 (opsets 7 and 8) requires every initializer among the graph inputs; the importer keeps them params.
TEST(OnnxWriter, IrVersion3ListsInitializersAsInputs) {
  onnx::ModelProto m = written(everyOp(), 7);
  std::vector<std::string> inputs;
  for (const auto& i : m.graph().input()) inputs.push_back(i.name());
  EXPECT_EQ(inputs, (std::vector<std::string>{"x", "fc.weight", "fc.bias", "gemm.weight", "gemm.bias", "rs.shape"}));
  ir::Graph back = importOnnx(m, "m");
  EXPECT_EQ(back.inputs().size(), 1u);
  EXPECT_EQ(text(back), text(everyOp()));
}

TEST(OnnxWriter, GeneratedInitializerNamesAreUnique) {
  ir::Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2, 3}});
  ValueId taken = g.addParam("y.shape", ramp({1}));
  ValueId y = g.addOp1(OpKind::Reshape, {x}, "y", attrs({{"shape", Ints{3, 2}}}), "r");
  ValueId z = g.addOp1(OpKind::Add, {y, taken}, "z");
  typeAll(g);
  g.setOutputs({z});
  onnx::ModelProto m = written(g, 17);
  EXPECT_EQ(inputsOf(nodeNamed(m, "r")), (std::vector<std::string>{"x", "y.shape_1"}));
  EXPECT_EQ(text(importOnnx(m, "m")), text(g));
}

TEST(OnnxWriter, RejectsWhatTheOpsetCannotExpress) {
  ir::Graph g = newerForms();
  EXPECT_EQ(errorOf([&] { serializeOnnxModel(g, 12); }),
            "node 'softmax' (Softmax): cannot be written as ONNX opset 12: Softmax over axis 0 of rank 2 needs opset 13 "
            "or later (before, only the last axis means the same)");
  g.ops().erase(g.ops().begin());  // without the Softmax (the Gemm's operand stays a value of the graph)
  g.ops()[0].operands[0] = g.inputs()[0];
  EXPECT_EQ(errorOf([&] { serializeOnnxModel(g, 10); }),
            "node 'gemm' (Gemm): cannot be written as ONNX opset 10: Gemm without C needs opset 11 or later");
  EXPECT_EQ(errorOf([&] { serializeOnnxModel(g, 13); }),
            "Reshape producing %ze: cannot be written as ONNX opset 13: a Reshape to a 0 dim needs allowzero "
            "(opset 14 or later)");
  EXPECT_NO_THROW(serializeOnnxModel(g, 14));
  onnx::ModelProto m = written(g, 14);
  EXPECT_EQ(attrNamed(m.graph().node(1), "allowzero")->i(), 1);

  EXPECT_EQ(errorOf([] { serializeOnnxModel(everyOp(), 6); }), "the ONNX writer writes opsets 7 to 23, not 6");
  EXPECT_EQ(errorOf([] { serializeOnnxModel(everyOp(), 24); }), "the ONNX writer writes opsets 7 to 23, not 24");

  ir::Graph collective;
  ValueId x = collective.addInput("x", {DType::f32, {4}});
  ValueId r = collective.addOp1(OpKind::AllReduce, {x}, "r",
                                attrs({{"axes", Ints{0}}, {"group_size", int64_t{2}}}), "ar");
  typeAll(collective);
  collective.setOutputs({r});
  EXPECT_EQ(errorOf([&] { serializeOnnxModel(collective, 17); }),
            "node 'ar' (AllReduce): cannot be written as ONNX opset 17: collectives have no ONNX operator");

  ir::Graph noData;
  ValueId in = noData.addInput("x", {DType::f32, {2}});
  ValueId p = noData.addParam("w", ir::TensorType{DType::f32, {2}});
  ValueId s = noData.addOp1(OpKind::Add, {in, p}, "s");
  typeAll(noData);
  noData.setOutputs({s});
  EXPECT_EQ(errorOf([&] { serializeOnnxModel(noData, 17); }), "parameter 'w' has no data to write");
}

TEST(OnnxWriter, WritesFilesAtomically) {
  fs::path dir = fs::path(::testing::TempDir()) / ("shardc_writer_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "m.onnx").string();
  writeOnnxModel(everyOp(), path, 13);
  EXPECT_EQ(text(importOnnxFile(path)), text(everyOp()));
  // A failed write leaves the old file and nothing else.
  EXPECT_EQ(errorOf([&] { writeOnnxModel(newerForms(), path, 11); }).rfind(path + ": node 'softmax'", 0), 0u);
  EXPECT_EQ(text(importOnnxFile(path)), text(everyOp()));
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);
  std::string missing = (dir / "no" / "such" / "m.onnx").string();
  EXPECT_EQ(errorOf([&] { writeOnnxModel(everyOp(), missing); }).rfind(missing + ": cannot write", 0), 0u);
  fs::remove_all(dir);
}

// Writer then importer gives the graph back, op for op, at every opset the writer writes.
class OnnxRoundTrip : public ::testing::TestWithParam<int64_t> {};

TEST_P(OnnxRoundTrip, GivesTheSameGraphAndNumbers) {
  int64_t opset = GetParam();
  std::vector<ir::Graph> graphs;
  graphs.push_back(everyOp());
  if (opset >= 14) graphs.push_back(newerForms());
  for (const ir::Graph& g : graphs) {
    ir::Graph back = importOnnx(written(g, opset), "m");
    EXPECT_EQ(text(back), text(g)) << "opset " << opset;
    std::vector<ir::Tensor> inputs;
    for (ValueId v : g.inputs()) inputs.push_back(ramp(g.value(v).type.shape, 0.05, -0.3));
    std::vector<ir::Tensor> want = ir::interpret(g, inputs), got = ir::interpret(back, inputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].type(), want[i].type());
      // An empty output has no buffer: memcmp may not be given its null pointer.
      EXPECT_TRUE(want[i].byteSize() == 0 || std::memcmp(got[i].bytes(), want[i].bytes(), want[i].byteSize()) == 0)
          << "output " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Opsets, OnnxRoundTrip, ::testing::Values(7, 8, 9, 11, 12, 13, 14, 17, 18, 21, 23),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return "opset" + std::to_string(info.param);
                         });

// A graph the importer made (Softmax < 13 expanded, legacy broadcasting resolved) survives write + import.
TEST(OnnxWriter, ImportedGraphsRoundTrip) {
  onnx::ModelProto m;
  m.set_ir_version(3);
  auto* os = m.add_opset_import();
  os->set_version(6);
  auto* graph = m.mutable_graph();
  graph->set_name("old");
  auto addInput = [&](const std::string& name, Ints dims) {
    auto* in = graph->add_input();
    in->set_name(name);
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  };
  addInput("x", {2, 3, 4});
  addInput("b", {3});
  auto* add = graph->add_node();
  add->set_op_type("Add");
  add->add_input("x");
  add->add_input("b");
  add->add_output("s");
  for (auto [name, value] : {std::pair{"broadcast", 1}, std::pair{"axis", 1}}) {
    auto* a = add->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  auto* sm = graph->add_node();
  sm->set_op_type("Softmax");
  sm->add_input("s");
  sm->add_output("y");
  graph->add_output()->set_name("y");
  ir::Graph imported = importOnnx(m, "old");
  EXPECT_EQ(imported.ops().size(), 5u);  // Reshape + Add, Reshape + Softmax + Reshape
  for (int64_t opset : {7, 13, 23}) EXPECT_EQ(text(importOnnx(written(imported, opset), "m")), text(imported));
}

}  // namespace
}  // namespace shardc::frontend
