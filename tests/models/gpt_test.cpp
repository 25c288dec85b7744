// A small GPT in ONNX: token embedding plus positions, one pre-norm block (layer norm, causal self-attention over
// 8 heads, layer norm, GELU MLP, residuals), a final layer norm and the output projection tied to the embedding.
// Compiled for 1, 2, 4 and 8 ranks, data parallel and Megatron-style: vocabulary-split embedding, column-parallel
// Q/K/V and first MLP layer, head-split attention, row-parallel output and second MLP layer.
#include <cmath>

#include <gtest/gtest.h>

#include "model_test_util.h"

namespace shardc {
namespace {
using testing::OnnxModelBuilder;

constexpr int64_t kBatch = 8, kSeq = 8, kVocab = 64, kModel = 32, kHeads = 8, kHead = kModel / kHeads, kMlp = 4 * kModel;

class GptBuilder {
 public:
  GptBuilder() : m_(20) {}

  std::string build() {
    m_.input("ids", {kBatch, kSeq}, onnx::TensorProto::INT64);
    m_.initializer("wte", testing::weights({kVocab, kModel}, 1, 0.5));
    m_.initializer("wpe", testing::weights({kSeq, kModel}, 2, 0.1));
    m_.node("Gather", {"wte", "ids"}, {"tok"}, "embed");
    m_.node("Add", {"tok", "wpe"}, {"x0"}, "add_pos");
    // Shapes and constants of the attention.
    m_.initializer("heads_shape", testing::ints64({4}, {kBatch, kSeq, kHeads, kHead}));
    m_.initializer("model_shape", testing::ints64({3}, {kBatch, kSeq, kModel}));
    m_.initializer("scale", ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape{}, {1.0 / std::sqrt(double(kHead))}));
    m_.initializer("masked", ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape{}, {-1e9}));
    std::vector<int64_t> causal;
    for (int64_t i = 0; i < kSeq; ++i)
      for (int64_t j = 0; j < kSeq; ++j) causal.push_back(j <= i);
    m_.initializer("causal", ir::Tensor::fromInts(ir::DType::boolean, ir::Shape({kSeq, kSeq}), causal));

    std::string x = block("x0", "h0");
    std::string y = layerNorm(x, "ln_f");
    // The output projection reuses the embedding, transposed.
    auto& t = m_.node("Transpose", {"wte"}, {"wte_t"}, "tie");
    OnnxModelBuilder::intsAttr(t, "perm", {1, 0});
    m_.node("MatMul", {y, "wte_t"}, {"logits"}, "lm_head");
    m_.output("logits");
    return m_.write("gpt");
  }

 private:
  std::string layerNorm(const std::string& x, const std::string& name) {
    std::vector<double> ones(kModel, 1.0);
    m_.initializer(name + ".g", testing::weights({kModel}, seed_++, 0.2));
    m_.initializer(name + ".b", testing::weights({kModel}, seed_++, 0.1));
    auto& n = m_.node("LayerNormalization", {x, name + ".g", name + ".b"}, {name}, name);
    OnnxModelBuilder::intAttr(n, "axis", -1);
    return name;
  }

  std::string linear(const std::string& x, int64_t in, int64_t out, const std::string& name) {
    m_.initializer(name + ".w", testing::weights({in, out}, seed_++, 1.0 / std::sqrt(double(in))));
    m_.initializer(name + ".b", testing::weights({out}, seed_++, 0.1));
    m_.node("MatMul", {x, name + ".w"}, {name + ".mm"}, name);
    m_.node("Add", {name + ".mm", name + ".b"}, {name + ".out"}, name + ".bias");
    return name + ".out";
  }

  // [B, S, D] -> [B, H, S, Dh] (or [B, H, Dh, S] for keys).
  std::string splitHeads(const std::string& x, std::vector<int64_t> perm) {
    m_.node("Reshape", {x, "heads_shape"}, {x + ".heads"});
    auto& t = m_.node("Transpose", {x + ".heads"}, {x + ".t"});
    OnnxModelBuilder::intsAttr(t, "perm", perm);
    return x + ".t";
  }

  std::string block(const std::string& x, const std::string& p) {
    std::string h = layerNorm(x, p + ".ln1");
    std::string q = splitHeads(linear(h, kModel, kModel, p + ".q"), {0, 2, 1, 3});
    std::string k = splitHeads(linear(h, kModel, kModel, p + ".k"), {0, 2, 3, 1});
    std::string v = splitHeads(linear(h, kModel, kModel, p + ".v"), {0, 2, 1, 3});
    m_.node("MatMul", {q, k}, {p + ".scores"}, p + ".qk");
    m_.node("Mul", {p + ".scores", "scale"}, {p + ".scaled"});
    m_.node("Where", {"causal", p + ".scaled", "masked"}, {p + ".masked"}, p + ".mask");
    auto& sm = m_.node("Softmax", {p + ".masked"}, {p + ".att"}, p + ".softmax");
    OnnxModelBuilder::intAttr(sm, "axis", -1);
    m_.node("MatMul", {p + ".att", v}, {p + ".ctx"}, p + ".av");
    auto& t = m_.node("Transpose", {p + ".ctx"}, {p + ".ctx.t"});
    OnnxModelBuilder::intsAttr(t, "perm", {0, 2, 1, 3});
    m_.node("Reshape", {p + ".ctx.t", "model_shape"}, {p + ".merged"});
    std::string attn = linear(p + ".merged", kModel, kModel, p + ".o");
    m_.node("Add", {x, attn}, {p + ".x1"});
    std::string h2 = layerNorm(p + ".x1", p + ".ln2");
    std::string up = linear(h2, kModel, kMlp, p + ".fc1");
    m_.node("Gelu", {up}, {p + ".gelu"}, p + ".gelu");
    std::string down = linear(p + ".gelu", kMlp, kModel, p + ".fc2");
    m_.node("Add", {p + ".x1", down}, {p + ".x2"});
    return p + ".x2";
  }

  OnnxModelBuilder m_;
  uint32_t seed_ = 10;
};

std::vector<ir::Tensor> tokens() {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < kBatch * kSeq; ++i) ids.push_back((i * 37 + 11) % kVocab);
  return {testing::ints64({kBatch, kSeq}, ids)};
}

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
