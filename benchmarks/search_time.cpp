// Search time against graph size and mesh size: transformer stacks of L layers (attention + MLP, built in the ir
// as the tests build one block) on meshes of R ranks; prints one row per case: deciding ops, candidate
// assignments, time of propagation, graph elimination (dp) and auto, of auto pricing every op (no repeated-layer
// reuse), and the estimated costs. A case that exceeds the time cap stops the larger meshes of its stack. Then
// the exact solver against dp and propagation on stacks small enough for it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "benchmarks/typed_graph.h"
#include "passes/strategy_search.h"

using namespace shardc;

namespace {

ir::ValueId op(ir::Graph& g, ir::OpKind k, std::vector<ir::ValueId> in, const std::string& name, ir::Attributes a = {}) {
  return bench::typedOp(g, k, std::move(in), name, std::move(a));
}
using bench::intsAttr;

ir::Graph stack(int layers, int64_t B, int64_t S, int64_t D, int64_t H) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {B, S, D}});
  int64_t dh = D / H;
  for (int l = 0; l < layers; ++l) {
    std::string p = "l" + std::to_string(l) + ".";
    auto w = [&](const std::string& n, std::vector<int64_t> d) {
      // Shapes only: the search reads types, never weight values.
      return g.addParam(p + n, ir::TensorType{ir::DType::f32, ir::Shape(std::move(d))});
    };
    auto heads = [&](ir::ValueId v, const std::string& n, std::vector<int64_t> perm) {
      ir::ValueId r = op(g, ir::OpKind::Reshape, {v}, p + n + ".r", intsAttr("shape", {B, S, H, dh}));
      return op(g, ir::OpKind::Transpose, {r}, p + n + ".t", intsAttr("perm", perm));
    };
    ir::ValueId q = heads(op(g, ir::OpKind::MatMul, {x, w("wq", {D, D})}, p + "q"), "q", {0, 2, 1, 3});
    ir::ValueId k = heads(op(g, ir::OpKind::MatMul, {x, w("wk", {D, D})}, p + "k"), "k", {0, 2, 3, 1});
    ir::ValueId v = heads(op(g, ir::OpKind::MatMul, {x, w("wv", {D, D})}, p + "v"), "v", {0, 2, 1, 3});
    ir::Attributes ax;
    ax.set("axis", int64_t{-1});
    ir::ValueId att = op(g, ir::OpKind::Softmax, {op(g, ir::OpKind::MatMul, {q, k}, p + "scores")}, p + "att", ax);
    ir::ValueId c = op(g, ir::OpKind::MatMul, {att, v}, p + "ctx");
    ir::ValueId ct = op(g, ir::OpKind::Transpose, {c}, p + "ctx.t", intsAttr("perm", {0, 2, 1, 3}));
    ir::ValueId m = op(g, ir::OpKind::Reshape, {ct}, p + "merged", intsAttr("shape", {B, S, D}));
    ir::ValueId r1 = op(g, ir::OpKind::Add, {x, op(g, ir::OpKind::MatMul, {m, w("wo", {D, D})}, p + "o")}, p + "r1");
    ir::ValueId h = op(g, ir::OpKind::Relu, {op(g, ir::OpKind::MatMul, {r1, w("w1", {D, 4 * D})}, p + "up")}, p + "act");
    x = op(g, ir::OpKind::Add, {r1, op(g, ir::OpKind::MatMul, {h, w("w2", {4 * D, D})}, p + "down")}, p + "y");
  }
  g.setOutputs({x});
  return g;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

struct Timed {
  passes::SearchResult result;
  double seconds = 0;
};

Timed timedSearch(const ir::Graph& g, int64_t ranks, passes::SearchAlgorithm algorithm, bool reuse = true) {
  passes::SearchOptions o;
  o.devices = ranks;
  o.algorithm = algorithm;
  o.reuseRepeatedBlocks = reuse;
  auto t0 = std::chrono::steady_clock::now();
  passes::SearchResult r = passes::searchStrategies(g, o);
  return {std::move(r), seconds(t0)};
}

// The exact solver on small stacks, against elimination; it runs on its own thread so that a case past the cap
// is reported as such (the process exits without waiting for it).
void exactTable(double cap) {
  std::printf("\n| layers | ranks | assignments | exact s | exact ms | dp s | dp ms | propagate ms |\n"
              "|---|---|---|---|---|---|---|---|\n");
  for (int layers : {1, 2, 4})
    for (int64_t ranks : {2, 8}) {
      ir::Graph g = stack(layers, 8, 128, 1024, 16);
      auto [dp, sdp] = timedSearch(g, ranks, passes::SearchAlgorithm::Elimination);
      passes::SearchResult pr = timedSearch(g, ranks, passes::SearchAlgorithm::Propagate).result;
      passes::SearchOptions o;
      o.devices = ranks;
      o.algorithm = passes::SearchAlgorithm::Exact;
      auto t0 = std::chrono::steady_clock::now();
      auto exact = std::async(std::launch::async, [g, o] { return passes::searchStrategies(g, o); });
      if (exact.wait_for(std::chrono::duration<double>(cap)) != std::future_status::ready) {
        std::printf("| %d | %lld | %.3g | > %.0f | - | %.3f | %.3f | %.3f |\n", layers, (long long)ranks, dp.searchSpace,
                    cap, sdp, dp.totalCost * 1e3, pr.totalCost * 1e3);
        std::fflush(stdout);
        std::_Exit(0);
      }
      passes::SearchResult ex = exact.get();
      std::printf("| %d | %lld | %.3g | %.3f | %.3f | %.3f | %.3f | %.3f |\n", layers, (long long)ranks, dp.searchSpace,
                  seconds(t0), ex.totalCost * 1e3, sdp, dp.totalCost * 1e3, pr.totalCost * 1e3);
      std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
  // shardc-bench-search-time [CAP_SECONDS [LAYERS RANKS]]: the whole table, or one case.
  double cap = argc > 1 ? std::atof(argv[1]) : 60.0;
  std::vector<int> layerList{24, 96};
  std::vector<int64_t> rankList{8, 64, 1024, 4096};
  if (argc > 3) {
    layerList = {std::atoi(argv[2])};
    rankList = {std::atoll(argv[3])};
  }
  std::printf("| layers | ranks | deciding ops | assignments | propagate s | dp s | auto s | auto, every op priced s | "
              "estimated ms (propagate) | estimated ms (auto) |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (int layers : layerList) {
    ir::Graph g = stack(layers, 8, 128, 1024, 16);
    for (int64_t ranks : rankList) {
      auto [pr, spr] = timedSearch(g, ranks, passes::SearchAlgorithm::Propagate);
      auto [dp, sdp] = timedSearch(g, ranks, passes::SearchAlgorithm::Elimination);
      auto [au, sau] = timedSearch(g, ranks, passes::SearchAlgorithm::Auto);
      // Pricing every op again is the cost of not finding the repeated layers; only where it stays within the cap.
      std::string every = "-";
      if (sau * double(layers) < cap)
        every = fmt::format("{:.3f}", timedSearch(g, ranks, passes::SearchAlgorithm::Auto, false).seconds);
      std::printf("| %d | %lld | %zu | %.3g | %.3f | %.3f | %.3f | %s | %.3f | %.3f |\n", layers, (long long)ranks,
                  dp.nodes, dp.searchSpace, spr, sdp, sau, every.c_str(), pr.totalCost * 1e3, au.totalCost * 1e3);
      std::fflush(stdout);
      if (spr + sdp + sau > cap) break;
    }
  }
  if (argc <= 3) exactTable(cap);
}
