// The strategy search on a transformer block (attention + MLP): with weights that dominate it finds the tensor
// split by itself — column-parallel Q/K/V and first MLP matmul, head-parallel attention, row-parallel output
// projection and second MLP matmul (one all-reduce each), every weight sliced over all ranks — and with a large batch and small weights, data parallel. Variants (renamed parameters, another node order, 8 and 16 heads) get the same answer, and every
// answer's cost is the exact solver's.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/assign_strategies.h"
#include "passes/parallel_plan.h"
#include "passes/strategy_search.h"

namespace shardc::passes {
namespace {

using Splits = std::vector<std::vector<int64_t>>;

struct Block {
  ir::Graph g;
  std::string wq, wk, wv, wo, w1, w2;
};

ir::ValueId op(ir::Graph& g, ir::OpKind k, std::vector<ir::ValueId> in, const std::string& name, ir::Attributes a = {}) {
  ir::ValueId r = g.addOp1(k, std::move(in), name, std::move(a), name);
  g.value(r).type = ir::inferResultTypes(g, g.ops().back())[0];
  return r;
}

ir::Attributes attr(const char* n, std::vector<int64_t> v) {
  ir::Attributes a;
  a.set(n, std::move(v));
  return a;
}

// x [B, S, D]; heads H; the MLP 4D wide. `prefix` renames every parameter; `kFirst` builds K before Q.
Block block(int64_t B, int64_t S, int64_t D, int64_t H, const std::string& prefix = "", bool kFirst = false) {
  Block b;
  ir::Graph& g = b.g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {B, S, D}});
  auto param = [&](const std::string& n, std::vector<int64_t> dims) {
    return g.addParam(prefix + n, ir::Tensor(ir::DType::f32, ir::Shape(std::move(dims))));
  };
  b.wq = prefix + "wq", b.wk = prefix + "wk", b.wv = prefix + "wv", b.wo = prefix + "wo", b.w1 = prefix + "w1",
  b.w2 = prefix + "w2";
  int64_t dh = D / H;
  auto heads = [&](ir::ValueId v, const std::string& n, std::vector<int64_t> perm) {
    ir::ValueId r = op(g, ir::OpKind::Reshape, {v}, n + ".r", attr("shape", {B, S, H, dh}));
    return op(g, ir::OpKind::Transpose, {r}, n + ".t", attr("perm", perm));
  };
  ir::ValueId q = 0, k = 0;
  if (kFirst) k = heads(op(g, ir::OpKind::MatMul, {x, param("wk", {D, D})}, "k"), "k", {0, 2, 3, 1});
  q = heads(op(g, ir::OpKind::MatMul, {x, param("wq", {D, D})}, "q"), "q", {0, 2, 1, 3});
  if (!kFirst) k = heads(op(g, ir::OpKind::MatMul, {x, param("wk", {D, D})}, "k"), "k", {0, 2, 3, 1});
  ir::ValueId v = heads(op(g, ir::OpKind::MatMul, {x, param("wv", {D, D})}, "v"), "v", {0, 2, 1, 3});
  ir::ValueId s = op(g, ir::OpKind::MatMul, {q, k}, "scores");
  ir::Attributes ax;
  ax.set("axis", int64_t{-1});
  ir::ValueId p = op(g, ir::OpKind::Softmax, {s}, "att", ax);
  ir::ValueId c = op(g, ir::OpKind::MatMul, {p, v}, "ctx");
  ir::ValueId ct = op(g, ir::OpKind::Transpose, {c}, "ctx.t", attr("perm", {0, 2, 1, 3}));
  ir::ValueId m = op(g, ir::OpKind::Reshape, {ct}, "merged", attr("shape", {B, S, D}));
  ir::ValueId o = op(g, ir::OpKind::MatMul, {m, param("wo", {D, D})}, "o");
  ir::ValueId r1 = op(g, ir::OpKind::Add, {x, o}, "r1");
  ir::ValueId h = op(g, ir::OpKind::Relu, {op(g, ir::OpKind::MatMul, {r1, param("w1", {D, 4 * D})}, "up")}, "act");
  ir::ValueId dn = op(g, ir::OpKind::MatMul, {h, param("w2", {4 * D, D})}, "down");
  g.setOutputs({op(g, ir::OpKind::Add, {r1, dn}, "y")});
  return b;
}

int64_t allReduces(const ir::Graph& g0, const ir::StrategyMap& s, int64_t ranks) {
  ir::Graph g = g0;
  assignStrategies(g, s);
  ParallelPlan plan = propagateLayouts(g, ranks);
  lowerSplitReductions(g, plan);
  insertRedistribution(g, plan);
  int64_t n = 0;
  for (const auto& o : g.ops()) n += o.kind == ir::OpKind::AllReduce;
  return n;
}

void expectExact(const ir::Graph& g, int64_t ranks, const SearchResult& r) {
  SearchOptions exact;
  exact.devices = ranks;
  exact.algorithm = SearchAlgorithm::Exact;
  EXPECT_NEAR(r.totalCost, searchStrategies(g, exact).totalCost, 1e-12);
}

TEST(StrategySearch, WeightBoundBlockGetsATensorSplit) {
  for (int64_t ranks : {2, 4, 8})
    for (int variant = 0; variant < 4; ++variant) {
      int64_t heads = variant == 3 ? 16 : 8;
      Block b = block(1, 8, 512, heads, variant == 1 ? "layer7." : "", variant == 2);
      SearchOptions o;
      o.devices = ranks;
      SearchResult r = searchStrategies(b.g, o);
      std::string what = "ranks " + std::to_string(ranks) + " variant " + std::to_string(variant);
      for (const auto& w : {b.wq, b.wk, b.wv, b.w1})
        EXPECT_EQ(r.strategies.ops.at("MatMul_" + w).inputSplits, (Splits{{1, 1, 1}, {1, ranks}})) << what << " " << w;
      EXPECT_EQ(r.strategies.ops.at("MatMul_" + b.w2).inputSplits, (Splits{{1, 1, ranks}, {ranks, 1}})) << what;
      EXPECT_EQ(r.strategies.ops.at("scores").inputSplits, (Splits{{1, ranks, 1, 1}, {1, ranks, 1, 1}})) << what;
      EXPECT_EQ(r.strategies.ops.at("MatMul_" + b.wo).inputSplits, (Splits{{1, 1, ranks}, {ranks, 1}})) << what;
      // Megatron's one all-reduce per attention (after the output projection) and one per MLP.
      EXPECT_EQ(allReduces(b.g, r.strategies, ranks), 2) << what;
      expectExact(b.g, ranks, r);
    }
}

TEST(StrategySearch, ActivationBoundBlockGetsDataParallel) {
  for (int64_t ranks : {2, 4, 8}) {
    Block b = block(64, 64, 32, 8);
    SearchOptions o;
    o.devices = ranks;
    SearchResult r = searchStrategies(b.g, o);
    // Rows (batch or sequence positions) over all ranks, every weight whole.
    for (const auto& w : {b.wq, b.wk, b.wv, b.wo, b.w1, b.w2}) {
      const Splits& sp = r.strategies.ops.at("MatMul_" + w).inputSplits;
      EXPECT_EQ(sp[1], (std::vector<int64_t>{1, 1})) << ranks << " " << w;
      EXPECT_EQ(sp[0][0] * sp[0][1], ranks) << ranks << " " << w;
      EXPECT_EQ(sp[0][2], 1) << ranks << " " << w;
    }
    EXPECT_EQ(allReduces(b.g, r.strategies, ranks), 0);
    expectExact(b.g, ranks, r);
  }
}

TEST(StrategySearch, FixedOpsKeepTheirStrategy) {
  Block b = block(1, 8, 512, 8);
  ir::StrategyMap fixed;
  fixed.ops["MatMul_wq"] = {Splits{{1, 4, 1}, {1, 1}}, 0};
  assignStrategies(b.g, fixed);
  SearchOptions o;
  o.devices = 4;
  SearchResult r = searchStrategies(b.g, o);
  EXPECT_EQ(r.strategies.ops.count("MatMul_wq"), 0u);
  bool seen = false;
  for (const auto& c : r.choices)
    if (c.key == "MatMul_wq") {
      seen = true;
      EXPECT_TRUE(c.fixed);
      EXPECT_EQ(c.chosen.inputSplits, (Splits{{1, 4, 1}, {1, 1}}));
    }
  EXPECT_TRUE(seen);
}

TEST(StrategySearch, AnImpossibleMemoryLimitSaysTheSmallestReachable) {
  Block b = block(1, 8, 64, 8);
  SearchOptions o;
  o.devices = 4;
  o.memoryLimit = 1000;
  // Parameters: 4 of 64x64 and 2 of 64x256 f32 = 196608 bytes; split over 4 ranks at best: 49152.
  try {
    searchStrategies(b.g, o);
    FAIL() << "expected an error";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "no strategy fits the memory limit of 1000 bytes per rank: the smallest parameter share any strategy "
              "reaches is 49152 bytes per rank");
  }
}

}  // namespace
}  // namespace shardc::passes
