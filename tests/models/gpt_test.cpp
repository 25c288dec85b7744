// A small GPT in ONNX: token embedding plus positions, one pre-norm block (layer norm, causal self-attention over
// 8 heads, layer norm, GELU MLP, residuals), a final layer norm and the output projection tied to the embedding.
// Compiled for 1, 2, 4 and 8 ranks, data parallel and Megatron-style: vocabulary-split embedding, column-parallel
// Q/K/V and first MLP layer, head-split attention, row-parallel output and second MLP layer.
#include <cmath>

#include <gtest/gtest.h>

#include "gpt_builder.h"

namespace shardc {
namespace {
using namespace testing::gpt;

using Splits = std::vector<std::vector<int64_t>>;

TEST(Gpt, DataParallelOnEveryRankCount) {
  std::string path = GptBuilder().build();
  auto strategy = [](int n) {
    ir::StrategyMap s;
    s.ops["Gather_wte"] = {Splits{{1, 1}, {n, 1}}, 0};
    for (const char* w : {"h0.q.w", "h0.k.w", "h0.v.w", "h0.o.w", "h0.fc1.w", "h0.fc2.w", "wte_t"})
      s.ops[std::string("MatMul_") + w] = {Splits{{n, 1, 1}, {1, 1}}, 0};
    for (const char* mm : {"h0.qk", "h0.av"}) s.ops[mm] = {Splits{{n, 1, 1, 1}, {n, 1, 1, 1}}, 0};
    return s;
  };
  auto programs = testing::checkModelAcrossRanks(path, strategy, tokens(), "gpt_dp", {1e-4, 1e-4});
  // Each rank runs its sequences alone: the logits' gather is the only collective.
  EXPECT_EQ(testing::countOps(programs[3], "AllReduce"), 0) << programs[3];
  EXPECT_EQ(testing::countOps(programs[3], "AllGather"), 1) << programs[3];
  std::remove(path.c_str());
}

TEST(Gpt, MegatronTensorParallelOnEveryRankCount) {
  std::string path = GptBuilder().build();
  auto strategy = [](int n) {
    ir::StrategyMap s;
    s.ops["Gather_wte"] = {Splits{{n, 1}, {1, 1}}, 0};  // vocabulary-parallel embedding
    for (const char* w : {"h0.q.w", "h0.k.w", "h0.v.w", "h0.fc1.w"})
      s.ops[std::string("MatMul_") + w] = {Splits{{1, 1, 1}, {1, n}}, 0};  // column parallel
    for (const char* w : {"h0.o.w", "h0.fc2.w"})
      s.ops[std::string("MatMul_") + w] = {Splits{{1, 1, n}, {n, 1}}, 0};  // row parallel
    for (const char* mm : {"h0.qk", "h0.av"}) s.ops[mm] = {Splits{{1, n, 1, 1}, {1, n, 1, 1}}, 0};  // heads
    s.ops["MatMul_wte_t"] = {Splits{{1, 1, 1}, {1, n}}, 0};  // logits split on the vocabulary
    return s;
  };
  auto programs = testing::checkModelAcrossRanks(path, strategy, tokens(), "gpt_tp", {1e-4, 1e-4});
  const std::string& p8 = programs[3];
  // Megatron's communication: one all-reduce after the embedding, one after attention, one after the MLP; heads
  // stay on their rank from Q/K/V through the softmax; the vocabulary-split logits are gathered at the end.
  EXPECT_EQ(testing::countOps(p8, "AllReduce"), 3) << p8;
  EXPECT_EQ(testing::countOps(p8, "AllGather"), 1) << p8;
  EXPECT_EQ(testing::countOps(p8, "AllToAll"), 0) << p8;
  EXPECT_NE(p8.find("shard_axes = [0]"), std::string::npos) << p8;
  EXPECT_NE(p8.find("param %wte : f32[8,32]"), std::string::npos) << p8;
  EXPECT_NE(p8.find("%h0.att = Softmax(%h0.masked) {axis = 3} loc(\"h0.softmax\") : f32[8,1,8,8]"), std::string::npos) << p8;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace shardc
