// Each MindSpore primitive's lowering, run through the interpreter on small tensors whose results are worked by
// hand: attribute encodings (4-tuples, pad modes, masks), constant inputs (axes, shapes, dtypes), tuples.
#include <cmath>

#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/mindir_importer.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "mindir_test_util.h"

namespace shardc {
namespace {
using frontend::MindIrAttrs;
using frontend::MindIrValue;
using frontend::MindIrWriter;
using testing::f32;
using testing::floats;
using testing::valuesOf;

ir::Tensor iota(std::vector<int64_t> dims) {
  ir::Tensor t(ir::DType::f32, ir::Shape(std::move(dims)));
  for (int64_t i = 0; i < t.numElements(); ++i) t.data<float>()[i] = float(i);
  return t;
}

ir::Tensor filled(std::vector<int64_t> dims, float v) {
  ir::Tensor t(ir::DType::f32, ir::Shape(std::move(dims)));
  for (int64_t i = 0; i < t.numElements(); ++i) t.data<float>()[i] = v;
  return t;
}

// An argument of the primitive: a graph input (a tensor fed at run time) or a Constant node.
struct Arg {
  std::optional<ir::Tensor> input;
  std::optional<MindIrValue> constant;
};
Arg in(ir::Tensor t) { return {std::move(t), std::nullopt}; }
Arg k(MindIrValue v) { return {std::nullopt, std::move(v)}; }

class MindIrPrimitives : public testing::FileTest {
 protected:
  // One primitive applied to `args` (TupleGetItem `item` of its result when given); returns the result.
  ir::Tensor run(const std::string& primitive, const std::vector<Arg>& args, const MindIrAttrs& attrs = {},
                 std::optional<int64_t> item = std::nullopt) {
    MindIrWriter w("g", style);
    MindIrWriter::Graph& g = w.main();
    std::vector<std::string> names;
    std::vector<ir::Tensor> feeds;
    for (size_t i = 0; i < args.size(); ++i) {
      std::string n = "a" + std::to_string(i);
      if (args[i].input) {
        names.push_back(g.input(n, args[i].input->type()));
        feeds.push_back(*args[i].input);
      } else {
        names.push_back(g.constant(n, *args[i].constant));
      }
    }
    std::string y = g.node(primitive, names, attrs);
    if (item) y = g.node("TupleGetItem", {y, g.constant("index", MindIrValue::integer(*item))});
    g.output(y);
    w.write(path("p.mindir"));
    ir::Graph imported = frontend::importMindIrFile(path("p.mindir"));
    return ir::interpret(imported, feeds).at(0);
  }
  MindIrWriter::Style style = MindIrWriter::Style::New;
};

using V = std::vector<double>;

TEST_F(MindIrPrimitives, LinearAlgebra) {
  // transpose_b: [1,2] @ ([3,2])^T.
  ir::Tensor a = floats({1, 1, 2}, {1, 2}), b = floats({1, 3, 2}, {1, 0, 0, 1, 1, 1});
  EXPECT_EQ(valuesOf(run("BatchMatMul", {in(a), in(b)}, {{"transpose_b", MindIrValue::boolean(true)}})), (V{1, 2, 3}));
  ir::Tensor at = floats({2, 1}, {1, 2});
  EXPECT_EQ(valuesOf(run("MatMul", {in(at), in(floats({2, 2}, {1, 2, 3, 4}))}, {{"transpose_a", MindIrValue::boolean(true)}})),
            (V{7, 10}));
  // BiasAdd along NCHW's channels.
  EXPECT_EQ(valuesOf(run("BiasAdd", {in(filled({1, 2, 1, 2}, 0)), in(floats({2}, {1, 2}))}, {{"format", MindIrValue::string("NCHW")}})),
            (V{1, 1, 2, 2}));
}

TEST_F(MindIrPrimitives, ElementwiseWithScalarConstants) {
  EXPECT_EQ(valuesOf(run("RealDiv", {in(floats({2}, {1, 2})), k(MindIrValue::real(2))})), (V{0.5, 1}));
  EXPECT_EQ(valuesOf(run("Sub", {in(floats({2}, {1, 2})), k(MindIrValue::integer(1))})), (V{0, 1}));
  EXPECT_EQ(valuesOf(run("Mul", {k(MindIrValue::real(3)), in(floats({2}, {1, 2}))})), (V{3, 6}));
  EXPECT_EQ(valuesOf(run("Sigmoid", {in(floats({1}, {0}))})), (V{0.5}));
  EXPECT_EQ(valuesOf(run("Tanh", {in(floats({1}, {0}))})), (V{0}));
  EXPECT_EQ(valuesOf(run("Softmax", {in(floats({1, 2}, {3, 3}))}, {{"axis", MindIrValue::ints({-1})}})), (V{0.5, 0.5}));
  // GeLU: MindSpore's tanh approximation.
  double want = 0.5 * (1 + std::tanh(std::sqrt(2 / M_PI) * (1 + 0.044715)));
  EXPECT_NEAR(run("GeLU", {in(floats({1}, {1}))}).elementAsDouble(0), want, 1e-6);
}

TEST_F(MindIrPrimitives, ConvolutionAndPools) {
  MindIrAttrs same{{"pad_mode", MindIrValue::string("same")}, {"stride", MindIrValue::ints({1, 1, 2, 2})},
                   {"dilation", MindIrValue::ints({1, 1, 1, 1})}, {"group", MindIrValue::integer(1)},
                   {"format", MindIrValue::string("NCHW")}, {"kernel_size", MindIrValue::ints({3, 3})}};
  // 4x4 ones, 3x3 ones, stride 2: "same" pads one row and column at the end.
  EXPECT_EQ(valuesOf(run("Conv2D", {in(filled({1, 1, 4, 4}, 1)), in(filled({1, 1, 3, 3}, 1))}, same)), (V{9, 6, 6, 4}));
  MindIrAttrs pad{{"pad_mode", MindIrValue::integer(0)}, {"pad_list", MindIrValue::ints({1, 1, 1, 1})}};
  EXPECT_EQ(valuesOf(run("Conv2D", {in(filled({1, 1, 2, 2}, 1)), in(filled({1, 1, 3, 3}, 1))}, pad)), (V{4, 4, 4, 4}));
  MindIrAttrs pool{{"pad_mode", MindIrValue::string("VALID")}, {"kernel_size", MindIrValue::ints({1, 1, 2, 2})},
                   {"strides", MindIrValue::ints({1, 1, 2, 2})}, {"format", MindIrValue::string("NCHW")}};
  EXPECT_EQ(valuesOf(run("AvgPool", {in(iota({1, 1, 2, 4}))}, pool)), (V{2.5, 4.5}));
  EXPECT_EQ(valuesOf(run("MaxPool", {in(iota({1, 1, 2, 4}))}, pool)), (V{5, 7}));
}

TEST_F(MindIrPrimitives, LayerNormThroughTupleGetItem) {
  MindIrAttrs attrs{{"begin_norm_axis", MindIrValue::integer(-1)}, {"begin_params_axis", MindIrValue::integer(-1)},
                    {"epsilon", MindIrValue::real(0)}};
  ir::Tensor y = run("LayerNorm", {in(floats({1, 4}, {1, 2, 3, 4})), in(filled({4}, 1)), in(filled({4}, 0))}, attrs, 0);
  double sd = std::sqrt(1.25);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y.elementAsDouble(i), (i + 1 - 2.5) / sd, 1e-6);
  EXPECT_EQ(valuesOf(run("LayerNorm", {in(floats({1, 4}, {1, 2, 3, 4})), in(filled({4}, 1)), in(filled({4}, 0))}, attrs, 1)),
            (V{2.5}));
}

TEST_F(MindIrPrimitives, ShapesAndSelection) {
  ir::Tensor x = iota({2, 3});
  EXPECT_EQ(valuesOf(run("Transpose", {in(x), k(MindIrValue::ints({1, 0}))})), (V{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(run("Reshape", {in(x), k(MindIrValue::ints({3, -1}))}).type().str(), "f32[3,2]");
  EXPECT_EQ(run("Flatten", {in(iota({2, 2, 2}))}).type().str(), "f32[2,4]");
  EXPECT_EQ(run("Squeeze", {in(iota({1, 2, 1}))}, {{"axis", MindIrValue::ints({0})}}).type().str(), "f32[2,1]");
  EXPECT_EQ(run("ExpandDims", {in(iota({2})), k(MindIrValue::integer(0))}).type().str(), "f32[1,2]");
  ir::Tensor mean = run("ReduceMean", {in(floats({2, 2}, {1, 2, 3, 4})), k(MindIrValue::ints({1}))},
                        {{"keep_dims", MindIrValue::boolean(true)}});
  EXPECT_EQ(mean.type().str(), "f32[2,1]");
  EXPECT_EQ(valuesOf(mean), (V{1.5, 3.5}));
  EXPECT_EQ(valuesOf(run("ReduceSum", {in(floats({2, 2}, {1, 2, 3, 4})), k(MindIrValue::tuple({}))})), (V{10}));
  EXPECT_EQ(valuesOf(run("Gather", {in(iota({3, 2})), in(ir::Tensor::fromInts(ir::DType::i32, ir::Shape({2}), {2, 0})),
                                    k(MindIrValue::integer(0))})),
            (V{4, 5, 0, 1}));
  ir::Tensor cast = run("Cast", {in(floats({2}, {1.7, -1.7})), k(MindIrValue::dtype(ir::DType::i32))});
  EXPECT_EQ(cast.type().str(), "i32[2]");
  EXPECT_EQ(valuesOf(cast), (V{1, -1}));
}

TEST_F(MindIrPrimitives, StridedSliceMasks) {
  ir::Tensor x = iota({2, 3});
  // shrink_axis_mask bit 0: row 0 only, its dim dropped.
  MindIrAttrs shrink{{"shrink_axis_mask", MindIrValue::integer(1)}};
  ir::Tensor row = run("StridedSlice", {in(x), k(MindIrValue::ints({0, 1})), k(MindIrValue::ints({1, 3})), k(MindIrValue::ints({1, 1}))}, shrink);
  EXPECT_EQ(row.type().str(), "f32[2]");
  EXPECT_EQ(valuesOf(row), (V{1, 2}));
  // begin_mask/end_mask bit 1 with stride -1: the whole row, reversed.
  MindIrAttrs masks{{"begin_mask", MindIrValue::integer(2)}, {"end_mask", MindIrValue::integer(2)}};
  EXPECT_EQ(valuesOf(run("StridedSlice", {in(x), k(MindIrValue::ints({1, 0})), k(MindIrValue::ints({2, 0})), k(MindIrValue::ints({1, -1}))}, masks)),
            (V{5, 4, 3}));
}

TEST_F(MindIrPrimitives, SplitIntoEqualPartsThroughTupleGetItem) {
  MindIrAttrs thirds{{"axis", MindIrValue::integer(-1)}, {"output_num", MindIrValue::integer(3)}};
  ir::Tensor middle = run("Split", {in(iota({2, 6}))}, thirds, 1);
  EXPECT_EQ(middle.type().str(), "f32[2,2]");
  EXPECT_EQ(valuesOf(middle), (V{2, 3, 8, 9}));
  EXPECT_EQ(valuesOf(run("Split", {in(iota({2, 6}))}, thirds, 2)), (V{4, 5, 10, 11}));
  // MindSpore's parts are equal: 6 into 4 is an error naming the node, not a smaller last part.
  MindIrAttrs quarters{{"axis", MindIrValue::integer(1)}, {"output_num", MindIrValue::integer(4)}};
  try {
    run("Split", {in(iota({2, 6}))}, quarters, 0);
    ADD_FAILURE() << "a Split into unequal parts imported";
  } catch (const ir::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(Split): output_num 4 does not divide dim 1 of size 6 into equal parts"),
              std::string::npos) << e.what();
  }
}

TEST_F(MindIrPrimitives, ConcatOfATuple) {
  for (auto s : {MindIrWriter::Style::New, MindIrWriter::Style::Old}) {
    MindIrWriter w("g", s);
    MindIrWriter::Graph& g = w.main();
    std::string a = g.input("a", f32({1, 2})), b = g.input("b", f32({1, 2}));
    std::string t = g.node("MakeTuple", {a, b});
    g.output(g.node("Concat", {t}, {{"axis", MindIrValue::integer(1)}}));
    w.write(path("c.mindir"));
    auto out = ir::interpret(frontend::importMindIrFile(path("c.mindir")), {floats({1, 2}, {1, 2}), floats({1, 2}, {3, 4})});
    EXPECT_EQ(valuesOf(out.at(0)), (V{1, 2, 3, 4}));
  }
}

// The same primitives written old style (MindSpore 1.x: attributes on the node, ref_attr_name encodings).
TEST_F(MindIrPrimitives, OldStyleAttributes) {
  style = MindIrWriter::Style::Old;
  MindIrAttrs pool{{"pad_mode", MindIrValue::string("VALID")}, {"kernel_size", MindIrValue::ints({1, 1, 2, 2})},
                   {"strides", MindIrValue::ints({1, 1, 2, 2})}, {"format", MindIrValue::string("NCHW")}};
  EXPECT_EQ(valuesOf(run("AvgPool", {in(iota({1, 1, 2, 4}))}, pool)), (V{2.5, 4.5}));
  EXPECT_EQ(valuesOf(run("Transpose", {in(iota({2, 3})), k(MindIrValue::ints({1, 0}))})), (V{0, 3, 1, 4, 2, 5}));
  ir::Tensor cast = run("Cast", {in(floats({2}, {1.7, -1.7})), k(MindIrValue::dtype(ir::DType::i32))});
  EXPECT_EQ(valuesOf(cast), (V{1, -1}));
}

}  // namespace
}  // namespace shardc
