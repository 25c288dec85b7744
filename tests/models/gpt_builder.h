// A small GPT in ONNX, built node by node: token embedding plus positions, one pre-norm block (layer norm, causal
// self-attention over 8 heads, layer norm, GELU MLP, residuals), a final layer norm and the output projection tied
// to the embedding. Used by the tensor-parallel and the pipeline tests.
#pragma once

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "model_test_util.h"

namespace shardc::testing::gpt {
using testing::OnnxModelBuilder;

constexpr int64_t kBatch = 8, kSeq = 8, kVocab = 64, kModel = 32, kHeads = 8, kHead = kModel / kHeads, kMlp = 4 * kModel;

// The sizes of a GPT; the defaults are the tests' small one.
struct GptShape {
  int64_t batch = kBatch, seq = kSeq, vocab = kVocab, model = kModel, heads = kHeads, layers = 1;
  int64_t head() const { return model / heads; }
};

class GptBuilder {
 public:
  // batchFromInput: the Reshape targets copy the batch from their input (a 0, as exporters with a dynamic batch
  // write them), so the model takes any batch (pipeline micro-batches); otherwise they fix it.
  explicit GptBuilder(bool batchFromInput = false, GptShape shape = {})
      : c_(shape), m_(20), batch_(batchFromInput ? 0 : shape.batch) {}

  // Writes the model to a temporary file and returns its path.
  std::string build() {
    assemble();
    return m_.write("gpt");
  }

  // Writes the model to `path`.
  void writeTo(const std::string& path) {
    assemble();
    std::ofstream(path, std::ios::binary) << m_.model().SerializeAsString();
  }

 private:
  void assemble() {
    m_.input("ids", {c_.batch, c_.seq}, onnx::TensorProto::INT64);
    m_.initializer("wte", testing::weights({c_.vocab, c_.model}, 1, 0.5));
    m_.initializer("wpe", testing::weights({c_.seq, c_.model}, 2, 0.1));
    m_.node("Gather", {"wte", "ids"}, {"tok"}, "embed");
    m_.node("Add", {"tok", "wpe"}, {"x0"}, "add_pos");
    // Shapes and constants of the attention.
    m_.initializer("heads_shape", testing::ints64({4}, {batch_, c_.seq, c_.heads, c_.head()}));
    m_.initializer("model_shape", testing::ints64({3}, {batch_, c_.seq, c_.model}));
    m_.initializer("scale", ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape{}, {1.0 / std::sqrt(double(c_.head()))}));
    m_.initializer("masked", ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape{}, {-1e9}));
    std::vector<int64_t> causal;
    for (int64_t i = 0; i < c_.seq; ++i)
      for (int64_t j = 0; j < c_.seq; ++j) causal.push_back(j <= i);
    m_.initializer("causal", ir::Tensor::fromInts(ir::DType::boolean, ir::Shape({c_.seq, c_.seq}), causal));

    std::string x = "x0";
    for (int64_t l = 0; l < c_.layers; ++l) x = block(x, "h" + std::to_string(l));
    std::string y = layerNorm(x, "ln_f");
    // The output projection reuses the embedding, transposed.
    auto& t = m_.node("Transpose", {"wte"}, {"wte_t"}, "tie");
    OnnxModelBuilder::intsAttr(t, "perm", {1, 0});
    m_.node("MatMul", {y, "wte_t"}, {"logits"}, "lm_head");
    m_.output("logits");
  }

  std::string layerNorm(const std::string& x, const std::string& name) {
    m_.initializer(name + ".g", testing::weights({c_.model}, seed_++, 0.2));
    m_.initializer(name + ".b", testing::weights({c_.model}, seed_++, 0.1));
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
    std::string q = splitHeads(linear(h, c_.model, c_.model, p + ".q"), {0, 2, 1, 3});
    std::string k = splitHeads(linear(h, c_.model, c_.model, p + ".k"), {0, 2, 3, 1});
    std::string v = splitHeads(linear(h, c_.model, c_.model, p + ".v"), {0, 2, 1, 3});
    m_.node("MatMul", {q, k}, {p + ".scores"}, p + ".qk");
    m_.node("Mul", {p + ".scores", "scale"}, {p + ".scaled"});
    m_.node("Where", {"causal", p + ".scaled", "masked"}, {p + ".masked"}, p + ".mask");
    auto& sm = m_.node("Softmax", {p + ".masked"}, {p + ".att"}, p + ".softmax");
    OnnxModelBuilder::intAttr(sm, "axis", -1);
    m_.node("MatMul", {p + ".att", v}, {p + ".ctx"}, p + ".av");
    auto& t = m_.node("Transpose", {p + ".ctx"}, {p + ".ctx.t"});
    OnnxModelBuilder::intsAttr(t, "perm", {0, 2, 1, 3});
    m_.node("Reshape", {p + ".ctx.t", "model_shape"}, {p + ".merged"});
    std::string attn = linear(p + ".merged", c_.model, c_.model, p + ".o");
    m_.node("Add", {x, attn}, {p + ".x1"});
    std::string h2 = layerNorm(p + ".x1", p + ".ln2");
    std::string up = linear(h2, c_.model, 4 * c_.model, p + ".fc1");
    m_.node("Gelu", {up}, {p + ".gelu"}, p + ".gelu");
    std::string down = linear(p + ".gelu", 4 * c_.model, c_.model, p + ".fc2");
    m_.node("Add", {p + ".x1", down}, {p + ".x2"});
    return p + ".x2";
  }

  GptShape c_;
  OnnxModelBuilder m_;
  int64_t batch_;
  uint32_t seed_ = 10;
};

inline std::vector<ir::Tensor> tokens() {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < kBatch * kSeq; ++i) ids.push_back((i * 37 + 11) % kVocab);
  return {testing::ints64({kBatch, kSeq}, ids)};
}

// Megatron's split of the one-block GPT over n ranks as shardc's strategy JSON: the vocabulary-split embedding,
// column-parallel Q/K/V and first MLP layer, row-parallel output and second MLP layer, head-split attention, and
// (with `logits`) the tied output projection split on the vocabulary.
inline std::string megatronStrategyJson(int n, bool logits = true) {
  std::string k = std::to_string(n);
  std::string s = R"({"format": "shardc-strategy", "version": 1, "ops": {"Gather_wte": {"strategy": [[)" + k + R"(, 1], [1, 1]]})";
  for (const char* w : {"h0.q.w", "h0.k.w", "h0.v.w", "h0.fc1.w"})
    s += std::string(", \"MatMul_") + w + R"(": {"strategy": [[1, 1, 1], [1, )" + k + "]]}";
  for (const char* w : {"h0.o.w", "h0.fc2.w"})
    s += std::string(", \"MatMul_") + w + R"(": {"strategy": [[1, 1, )" + k + "], [" + k + ", 1]]}";
  for (const char* m : {"h0.qk", "h0.av"})
    s += std::string(", \"") + m + R"(": {"strategy": [[1, )" + k + ", 1, 1], [1, " + k + ", 1, 1]]}";
  if (logits) s += R"(, "MatMul_wte_t": {"strategy": [[1, 1, 1], [1, )" + k + "]]}";
  return s + "}}";
}

}  // namespace shardc::testing::gpt
