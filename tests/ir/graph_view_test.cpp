#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/graph_view.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace shardc::ir {
namespace {

const char* kDiamond = R"(graph @g {
  input %x : f32[2]
  %a = Relu(%x) : f32[2]
  %b = Neg(%a) : f32[2]
  %c = Exp(%a) : f32[2]
  %d = Add(%b, %c) : f32[2]
  output %d
}
)";

std::vector<std::string> resultNames(const Graph& g) {
  std::vector<std::string> out;
  for (const Op& op : g.ops()) out.push_back(g.value(op.results[0]).name);
  return out;
}

std::string errorOf(const Graph& g) {
  try {
    topologicalOrder(g);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(GraphView, SortsAShuffledDiamond) {
  Graph g = parseGraph(kDiamond);
  g.setOps({g.ops()[3], g.ops()[2], g.ops()[0], g.ops()[1]});  // d, c, a, b
  EXPECT_EQ(topologicalOrder(g), (std::vector<OpId>{2, 1, 3, 0}));
  sortOpsTopologically(g);
  // Among ready ops the earliest in the current order goes first: c (index 1) before b (index 3).
  EXPECT_EQ(resultNames(g), (std::vector<std::string>{"a", "c", "b", "d"}));
  EXPECT_NO_THROW(verifyGraph(g));
}

TEST(GraphView, KeepsAnOrderedGraphAsItIs) {
  Graph g = parseGraph(kDiamond);
  EXPECT_EQ(topologicalOrder(g), (std::vector<OpId>{0, 1, 2, 3}));
  sortOpsTopologically(g);
  EXPECT_EQ(printGraph(g), kDiamond);
  // Independent ops keep their relative order too.
  Graph h = parseGraph("graph @g {\n  input %x : f32[2]\n  %a = Relu(%x) : f32[2]\n  %b = Neg(%x) : f32[2]\n"
                       "  %c = Exp(%x) : f32[2]\n  %d = Add(%c, %a) : f32[2]\n  output %d, %b\n}\n");
  EXPECT_EQ(topologicalOrder(h), (std::vector<OpId>{0, 1, 2, 3}));
}

TEST(GraphView, HandlesAnEmptyGraphAndOpsWithoutOperands) {
  Graph g;
  EXPECT_TRUE(topologicalOrder(g).empty());
  g.addInput("x", {DType::f32, {2}});
  ValueId a = g.addOp1(OpKind::Relu, {g.inputs()[0]}, "a");
  g.addOp1(OpKind::Concat, {}, "c");
  g.addOp1(OpKind::Add, {a, a}, "twice");  // two edges from one producer
  EXPECT_EQ(topologicalOrder(g), (std::vector<OpId>{0, 1, 2}));
}

// A layered graph of 60 ops, shuffled: the sorted order puts every op after its operands' producers and is the
// same whatever the shuffle was (ties go to the lower current index, so only the shuffle decides among ready ops:
// compare against a check rather than a fixed order).
TEST(GraphView, SortsALargerShuffledGraph) {
  Graph g;
  std::vector<ValueId> vals = {g.addInput("x", {DType::f32, {2}})};
  std::mt19937 rng(3);
  for (int i = 0; i < 60; ++i) {
    ValueId a = vals[rng() % vals.size()], b = vals[rng() % vals.size()];
    ValueId r = g.addOp1(OpKind::Add, {a, b}, "v" + std::to_string(i));
    g.value(r).type = {DType::f32, {2}};
    vals.push_back(r);
  }
  g.setOutputs({vals.back()});
  ASSERT_NO_THROW(verifyGraph(g));
  std::string before = printGraph(g);
  for (int round = 0; round < 5; ++round) {
    std::vector<Op> ops = g.ops();
    std::shuffle(ops.begin(), ops.end(), rng);
    g.setOps(ops);
    sortOpsTopologically(g);
    EXPECT_NO_THROW(verifyGraph(g));
    EXPECT_EQ(g.ops().size(), 60u);
  }
  // Sorting the original order changes nothing.
  Graph fresh = parseGraph(before);
  sortOpsTopologically(fresh);
  EXPECT_EQ(printGraph(fresh), before);
}

TEST(GraphView, NamesAnOpOnACycle) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  OpId a = g.addOp(OpKind::Add, {x, x}, {"a"}, {}, "first");
  OpId b = g.addOp(OpKind::Neg, {g.op(a).results[0]}, {"b"}, {}, "second");
  g.op(a).operands[1] = g.op(b).results[0];
  g.setOutputs({g.op(b).results[0]});
  EXPECT_EQ(errorOf(g), "node 'first' (Add) is on a cycle");
}

TEST(GraphView, NamesAnOpOnTheCycleNotOneDownstreamOfIt) {
  // Op 0 only consumes the cycle's value; the cycle is ops 1 and 2.
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  OpId p = g.addOp(OpKind::Relu, {x}, {"p"});
  OpId c1 = g.addOp(OpKind::Add, {x, x}, {"c1"});
  OpId c2 = g.addOp(OpKind::Neg, {g.op(c1).results[0]}, {"c2"});
  g.op(c1).operands[1] = g.op(c2).results[0];
  g.op(p).operands[0] = g.op(c2).results[0];
  std::string e = errorOf(g);
  EXPECT_TRUE(e == "Add producing %c1 is on a cycle" || e == "Neg producing %c2 is on a cycle") << e;
}

TEST(GraphView, NamesAnOpThatUsesItsOwnResult) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  g.addOp1(OpKind::Relu, {x}, "ok");
  OpId self = g.addOp(OpKind::Add, {x, x}, {"loop"}, {}, "self");
  g.op(self).operands[0] = g.op(self).results[0];
  EXPECT_EQ(errorOf(g), "node 'self' (Add) is on a cycle");
}

TEST(GraphView, RejectsAnOperandThatDoesNotExist) {
  Graph g = parseGraph(kDiamond);
  g.ops()[2].operands[0] = 99;
  EXPECT_EQ(errorOf(g), "Exp producing %c: operand value 99 does not exist");
}

}  // namespace
}  // namespace shardc::ir
