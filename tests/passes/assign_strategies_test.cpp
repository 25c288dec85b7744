#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/printer.h"
#include "passes/assign_strategies.h"
#include "passes/pass.h"
#include "tools/shardc/demo_model.h"

namespace shardc::passes {
namespace {

ir::Graph mlp() {
  ir::Graph g = tools::buildDemoMlp(1);
  g.value(g.inputs()[0]).type.shape = ir::Shape({8, 28, 28});
  runShapeInference(g);
  runCanonicalize(g);
  return g;
}

// The seed's strategy file keys ops as MindSpore saves them: MatMul_layer1.weight is the MatMul that reads
// parameter layer1.weight.
TEST(AssignStrategies, MindSporeKeysFindTheOpThatConsumesTheParameter) {
  ir::Graph g = mlp();
  ir::StrategyMap s;
  s.ops["MatMul_layer1.weight"] = {{{2, 1}, {1, 2}}, 0};
  s.ops["MatMul_layer3.weight"] = {{{2, 2}, {2, 1}}, 0};
  assignStrategies(g, s);
  std::string text = ir::printGraph(g);
  EXPECT_NE(text.find("%layer1.matmul = MatMul(%flat, %layer1.weight) {strategy = [2, 1, 1, 2], strategy_ranks = [2, 2]}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("%layer3.matmul = MatMul(%relu2, %layer3.weight) {strategy = [2, 2, 2, 1], strategy_ranks = [2, 2]}"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("%layer2.matmul = MatMul(%relu1, %layer2.weight) {"), std::string::npos) << text;
  for (const auto& op : g.ops())
    if (op.name == "layer3.matmul") EXPECT_EQ(assignedStrategy(op)->inputSplits, (std::vector<std::vector<int64_t>>{{2, 2}, {2, 1}}));
}

TEST(AssignStrategies, NodeNamesAndGlobs) {
  ir::Graph g = mlp();
  ir::StrategyMap s;
  s.ops["relu*"] = {{{8, 1}}, 0};
  s.ops["layer2.add"] = {{{4, 2}, {2}}, 1};
  assignStrategies(g, s);
  int relus = 0;
  for (const auto& op : g.ops()) {
    if (op.kind == ir::OpKind::Relu) {
      ++relus;
      EXPECT_EQ(assignedStrategy(op)->inputSplits, (std::vector<std::vector<int64_t>>{{8, 1}}));
    }
    if (op.name == "layer2.add") EXPECT_EQ(assignedStrategy(op)->stage, 1);
  }
  EXPECT_EQ(relus, 2);
}

TEST(AssignStrategies, EntriesForOpsTheModelLacksAreErrors) {
  ir::Graph g = mlp();
  ir::StrategyMap s;
  s.ops["MatMul_layer9.weight"] = {{{2, 1}, {1, 2}}, 0};
  try {
    assignStrategies(g, s);
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "strategy entry 'MatMul_layer9.weight': the model has no MatMul consuming a parameter 'layer9.weight'");
  }
  ir::StrategyMap t;
  t.ops["conv7"] = {{{2}}, 0};
  EXPECT_THROW(assignStrategies(g, t), ir::Error);
  ir::StrategyMap u;
  u.params["layer9.weight"] = {};
  try {
    assignStrategies(g, u);
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "strategy entry for parameter 'layer9.weight': the model has no parameter of that name");
  }
}

}  // namespace
}  // namespace shardc::passes

namespace shardc::passes {
namespace {

TEST(AssignStrategies, KeysAreWhatMindSporeSaves) {
  ir::Graph g = mlp();
  std::vector<std::string> keys;
  for (const auto& op : g.ops()) keys.push_back(strategyKey(g, op));
  EXPECT_EQ(keys, (std::vector<std::string>{"flatten", "MatMul_layer1.weight", "Add_layer1.bias", "relu1",
                                            "MatMul_layer2.weight", "Add_layer2.bias", "relu2", "MatMul_layer3.weight",
                                            "Add_layer3.bias"}));
}

}  // namespace
}  // namespace shardc::passes
