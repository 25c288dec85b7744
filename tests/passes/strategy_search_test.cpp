// The strategy search on a transformer block (attention + MLP): with weights that dominate it finds the tensor
// split by itself — column-parallel Q/K/V and first MLP matmul, head-parallel attention, row-parallel output
// projection and second MLP matmul (one all-reduce each), every weight sliced over all ranks — and with a large batch and small weights, data parallel. Variants (renamed parameters, another node order, 8 and 16 heads) get the same answer, and every
// answer's cost is the exact solver's.
#include <map>

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

ir::ValueId addLayer(ir::Graph& g, ir::ValueId x, int64_t B, int64_t S, int64_t D, int64_t H,
                     const std::string& prefix, bool kFirst, int layer) {
  std::string tag = layer == 0 ? "" : "l" + std::to_string(layer) + ".";
  auto param = [&](const std::string& n, std::vector<int64_t> dims) {
    return g.addParam(tag + prefix + n, ir::Tensor(ir::DType::f32, ir::Shape(std::move(dims))));
  };
  auto node = [&](ir::OpKind k, std::vector<ir::ValueId> in, const std::string& name, ir::Attributes a = {}) {
    return op(g, k, std::move(in), tag + name, std::move(a));
  };
  int64_t dh = D / H;
  auto heads = [&](ir::ValueId v, const std::string& n, std::vector<int64_t> perm) {
    ir::ValueId r = node(ir::OpKind::Reshape, {v}, n + ".r", attr("shape", {B, S, H, dh}));
    return node(ir::OpKind::Transpose, {r}, n + ".t", attr("perm", perm));
  };
  ir::ValueId q = 0, k = 0;
  if (kFirst) k = heads(node(ir::OpKind::MatMul, {x, param("wk", {D, D})}, "k"), "k", {0, 2, 3, 1});
  q = heads(node(ir::OpKind::MatMul, {x, param("wq", {D, D})}, "q"), "q", {0, 2, 1, 3});
  if (!kFirst) k = heads(node(ir::OpKind::MatMul, {x, param("wk", {D, D})}, "k"), "k", {0, 2, 3, 1});
  ir::ValueId v = heads(node(ir::OpKind::MatMul, {x, param("wv", {D, D})}, "v"), "v", {0, 2, 1, 3});
  ir::ValueId s = node(ir::OpKind::MatMul, {q, k}, "scores");
  ir::Attributes ax;
  ax.set("axis", int64_t{-1});
  ir::ValueId p = node(ir::OpKind::Softmax, {s}, "att", ax);
  ir::ValueId c = node(ir::OpKind::MatMul, {p, v}, "ctx");
  ir::ValueId ct = node(ir::OpKind::Transpose, {c}, "ctx.t", attr("perm", {0, 2, 1, 3}));
  ir::ValueId m = node(ir::OpKind::Reshape, {ct}, "merged", attr("shape", {B, S, D}));
  ir::ValueId o = node(ir::OpKind::MatMul, {m, param("wo", {D, D})}, "o");
  ir::ValueId r1 = node(ir::OpKind::Add, {x, o}, "r1");
  ir::ValueId h = node(ir::OpKind::Relu, {node(ir::OpKind::MatMul, {r1, param("w1", {D, 4 * D})}, "up")}, "act");
  ir::ValueId dn = node(ir::OpKind::MatMul, {h, param("w2", {4 * D, D})}, "down");
  return node(ir::OpKind::Add, {r1, dn}, "y");
}

// x [B, S, D]; heads H; the MLP 4D wide. `prefix` renames every parameter; `kFirst` builds K before Q. `layers`
// stacks that many blocks, each after the last; Block names the first one's weights, and later ones' ops and
// weights are prefixed "l<layer>.".
Block block(int64_t B, int64_t S, int64_t D, int64_t H, const std::string& prefix = "", bool kFirst = false,
            int layers = 1) {
  Block b;
  ir::Graph& g = b.g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {B, S, D}});
  b.wq = prefix + "wq", b.wk = prefix + "wk", b.wv = prefix + "wv", b.wo = prefix + "wo", b.w1 = prefix + "w1",
  b.w2 = prefix + "w2";
  for (int layer = 0; layer < layers; ++layer) x = addLayer(g, x, B, S, D, H, prefix, kFirst, layer);
  g.setOutputs({x});
  return b;
}

// The machine the tests price on, fixed so that recalibrating the defaults does not move them: arithmetic slow
// against the links (50 GFLOP/s; 8 GB/s and 5 us a step between ranks), a MatMul kernel that streams a large
// weight once per row.
SearchOptions testOptions() {
  SearchOptions o;
  o.machine.peakFlops = 50e9;
  o.machine.comm = {5e-6, 8e9, 40e9};
  o.machine.matmulRowBlock = 1;
  return o;
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
  SearchOptions exact = testOptions();
  exact.devices = ranks;
  exact.algorithm = SearchAlgorithm::Exact;
  EXPECT_NEAR(r.totalCost, searchStrategies(g, exact).totalCost, 1e-12);
}

TEST(StrategySearch, WeightBoundBlockGetsATensorSplit) {
  for (int64_t ranks : {2, 4, 8})
    for (int variant = 0; variant < 4; ++variant) {
      int64_t heads = variant == 3 ? 16 : 8;
      Block b = block(1, 8, 512, heads, variant == 1 ? "layer7." : "", variant == 2);
      SearchOptions o = testOptions();
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
    SearchOptions o = testOptions();
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

// Four stacked blocks: the layers after the second are copies (a layer after a layer), their ops priced by
// repeating the second's costs; the cost graph, the answer and its cost are those of pricing every op.
TEST(StrategySearch, RepeatedLayersArePricedOnceWithTheSameAnswer) {
  Block b = block(1, 8, 512, 8, "", false, 4);
  for (int64_t ranks : {2, 8}) {
    SearchOptions o = testOptions();
    o.devices = ranks;
    SearchResult reused = searchStrategies(b.g, o);
    o.reuseRepeatedBlocks = false;
    SearchResult priced = searchStrategies(b.g, o);
    // 20 ops per layer; the third and fourth layers repeat the second (the first reads the graph input, which
    // holds no cut, so it is cut differently).
    EXPECT_EQ(reused.repeatedOps, 2u * 20u) << ranks;
    EXPECT_EQ(priced.repeatedOps, 0u);
    EXPECT_EQ(reused.blockClasses, priced.blockClasses);
    EXPECT_EQ(reused.edges, priced.edges);
    EXPECT_EQ(reused.totalCost, priced.totalCost);
    EXPECT_EQ(reused.strategies.ops, priced.strategies.ops);
    EXPECT_EQ(reused.strategies.ops.at("MatMul_l3.w2").inputSplits, (Splits{{1, 1, ranks}, {ranks, 1}}));
  }
}

TEST(StrategySearch, FixedOpsKeepTheirStrategy) {
  Block b = block(1, 8, 512, 8);
  ir::StrategyMap fixed;
  fixed.ops["MatMul_wq"] = {Splits{{1, 4, 1}, {1, 1}}, 0};
  assignStrategies(b.g, fixed);
  SearchOptions o = testOptions();
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

// x [512, 256] through w1 [256, 1024] and w2 [1024, 256] on 4 ranks. Unlimited, the cheapest strategy needs
// 2 MiB per rank; under a 2,000,000-byte limit the search finds the cheapest strategy that fits (every one is
// listed to check it).
TEST(StrategySearch, AMemoryLimitPicksTheCheapestStrategyThatFits) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {512, 256}});
  ir::ValueId w1 = g.addParam("w1", ir::Tensor(ir::DType::f32, ir::Shape({256, 1024})));
  ir::ValueId w2 = g.addParam("w2", ir::Tensor(ir::DType::f32, ir::Shape({1024, 256})));
  ir::ValueId h = op(g, ir::OpKind::Relu, {op(g, ir::OpKind::MatMul, {x, w1}, "up")}, "act");
  g.setOutputs({op(g, ir::OpKind::MatMul, {h, w2}, "down")});
  SearchOptions o = testOptions();
  o.devices = 4;
  SearchResult free = searchStrategies(g, o);
  // Rows over 2 and columns over 2: half of each weight (1 MiB) and 1 MiB of activations (the first product).
  EXPECT_EQ(free.strategies.ops.at("MatMul_w1").inputSplits, (Splits{{2, 1}, {1, 2}}));
  EXPECT_EQ(free.paramBytesPerRank, 1048576);
  EXPECT_EQ(free.activationBytesPerRank, 1048576);
  o.memoryLimit = 2000000;
  SearchResult limited = searchStrategies(g, o);
  // Megatron's split: a quarter of each weight; the largest working set is the second product's input slice and
  // its whole partial-sum output.
  EXPECT_EQ(limited.strategies.ops.at("MatMul_w1").inputSplits, (Splits{{1, 1}, {1, 4}}));
  EXPECT_EQ(limited.strategies.ops.at("MatMul_w2").inputSplits, (Splits{{1, 4}, {4, 1}}));
  EXPECT_EQ(limited.paramBytesPerRank, 524288);
  EXPECT_EQ(limited.activationBytesPerRank, 1048576);
  EXPECT_GT(limited.totalCost, free.totalCost);
  o.memoryLimit = 0;
  double best = kInfeasible;
  for (const RankedStrategy& s : enumerateStrategies(g, o, 1e9))
    if (s.memoryBytes <= 2000000) best = std::min(best, s.estimatedCost);
  EXPECT_NEAR(limited.totalCost, best, 1e-12);
}

// x [64, 784] · w [784, 512] on 2 ranks. Split by rows, each rank's whole w (1.6 MB) is larger than the 1 MiB
// cache: the kernel streams it again for each of its other 31 rows, from the last-level cache, which costs where
// it is slower than the arithmetic. Split by columns, a rank's half (0.8 MB) stays in the cache.
TEST(StrategySearch, AWeightLargerThanTheCacheIsStreamedPerRow) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {64, 784}});
  g.setOutputs({op(g, ir::OpKind::MatMul, {x, g.addParam("w", ir::Tensor(ir::DType::f32, ir::Shape({784, 512})))}, "y")});
  auto costs = [&](double cacheBytes) {
    SearchOptions o = testOptions();
    o.devices = 2;
    o.machine.cacheBytes = cacheBytes;
    std::map<Splits, double> c;
    for (const RankedStrategy& s : enumerateStrategies(g, o, 1e9)) c[s.strategies.ops.at("MatMul_w").inputSplits] = s.estimatedCost;
    return c;
  };
  std::map<Splits, double> small = costs(1 << 20), large = costs(1e9);
  double flops = 2.0 * 32 * 784 * 512 / 50e9, restream = 31.0 * 784 * 512 * 4 / 80e9;
  EXPECT_NEAR(small.at({{2, 1}, {1, 1}}) - large.at({{2, 1}, {1, 1}}), restream - flops, 1e-12);
  EXPECT_DOUBLE_EQ(small.at({{1, 1}, {1, 2}}), large.at({{1, 1}, {1, 2}}));
  EXPECT_LT(small.at({{1, 1}, {1, 2}}), small.at({{2, 1}, {1, 1}}));
}

TEST(StrategySearch, AnImpossibleMemoryLimitSaysTheSmallestReachable) {
  Block b = block(1, 8, 64, 8);
  SearchOptions o = testOptions();
  o.devices = 4;
  o.memoryLimit = 1000;
  // Parameters: 4 of 64x64 and 2 of 64x256 f32 = 196608 bytes; split over 4 ranks at best: 49152. Activations: the
  // largest working set of one op (a residual add's or the attention context's) under that strategy.
  try {
    searchStrategies(b.g, o);
    FAIL() << "expected an error";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "no strategy fits the memory limit of 1000 bytes per rank: the least any strategy needs is 53760 bytes "
              "per rank (49152 of parameters, 4608 of activations)");
  }
}

}  // namespace
}  // namespace shardc::passes
