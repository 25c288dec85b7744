// The search's solvers on random problems: branch and bound against brute force; graph elimination against branch
// and bound, equal on series-parallel graphs and within a reported gap elsewhere; propagation, greedy, with its gap. Candidate counts follow what a
// mesh of 2, 4 or 8 ranks gives an op (one per way of laying the mesh over its dims, repeated calculation included).
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "passes/cost_graph.h"

namespace shardc::passes {
namespace {

struct Random {
  std::mt19937 rng;
  explicit Random(uint32_t seed) : rng(seed) {}
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
  double cost() { return std::uniform_real_distribution<double>(0, 10)(rng); }
};

// Candidates of an op over a mesh of `ranks`: between 2 and 2 * log2(ranks) + 2.
size_t candidates(Random& r, int ranks) { return 2 + r.below(size_t(2 * std::log2(ranks) + 1)); }

std::vector<std::vector<double>> matrix(Random& r, size_t a, size_t b, bool sparseInfeasible) {
  std::vector<std::vector<double>> m(a, std::vector<double>(b));
  for (auto& row : m)
    for (auto& x : row) x = sparseInfeasible && r.below(10) == 0 ? kInfeasible : r.cost();
  return m;
}

// A random series-parallel graph of n nodes: start from one edge, then repeatedly put a node on an edge (series)
// or beside it (parallel: a second path through a new node).
CostGraph seriesParallel(Random& r, size_t n, int ranks) {
  CostGraph g;
  g.addNode(std::vector<double>(candidates(r, ranks)));
  g.addNode(std::vector<double>(candidates(r, ranks)));
  std::vector<std::pair<size_t, size_t>> links{{0, 1}};
  while (g.numNodes() < n) {
    size_t at = r.below(links.size());
    auto [u, v] = links[at];
    size_t x = g.addNode(std::vector<double>(candidates(r, ranks)));
    if (r.below(2) == 0) links.erase(links.begin() + long(at));  // series: u-x-v replaces u-v
    links.push_back({u, x});
    links.push_back({x, v});
  }
  for (auto& c : g.nodeCost)
    for (auto& x : c) x = r.cost();
  for (auto [u, v] : links) g.addEdge(u, v, matrix(r, g.nodeCost[u].size(), g.nodeCost[v].size(), true));
  return g;
}

CostGraph general(Random& r, size_t n, size_t extraEdges, int ranks) {
  CostGraph g = seriesParallel(r, n, ranks);
  for (size_t i = 0; i < extraEdges; ++i) {
    size_t u = r.below(n), v = r.below(n);
    if (u == v) continue;
    g.addEdge(u, v, matrix(r, g.nodeCost[u].size(), g.nodeCost[v].size(), false));
  }
  return g;
}

double bruteForce(const CostGraph& g) {
  Assignment a(g.numNodes(), 0);
  double best = kInfeasible;
  std::function<void(size_t)> go = [&](size_t k) {
    if (k == g.numNodes()) {
      best = std::min(best, totalCost(g, a));
      return;
    }
    for (size_t c = 0; c < g.nodeCost[k].size(); ++c) {
      a[k] = c;
      go(k + 1);
    }
  };
  go(0);
  return best;
}

TEST(CostGraph, BranchAndBoundFindsTheBruteForceOptimum) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    Random r(seed);
    CostGraph g = general(r, 3 + r.below(5), 4, 4);
    EXPECT_DOUBLE_EQ(totalCost(g, solveExact(g)), bruteForce(g)) << "seed " << seed;
  }
}

TEST(CostGraph, EliminationIsExactOnSeriesParallelGraphs) {
  int cases = 0;
  for (int ranks : {2, 4, 8})
    for (uint32_t seed = 1; seed <= 60; ++seed) {
      Random r(seed * 31 + uint32_t(ranks));
      CostGraph g = seriesParallel(r, 2 + r.below(11), ranks);  // up to 12 ops
      EliminationStats stats;
      double dp = totalCost(g, solveByElimination(g, &stats));
      double automatic = totalCost(g, solve(g, SearchAlgorithm::Auto));
      double exact = totalCost(g, solveExact(g));
      EXPECT_EQ(stats.fixed, 0u) << "seed " << seed;
      if (std::isinf(exact)) {
        EXPECT_TRUE(std::isinf(dp));
        EXPECT_TRUE(std::isinf(automatic));
      } else {
        EXPECT_NEAR(dp, exact, 1e-9 * exact) << "ranks " << ranks << " seed " << seed;
        EXPECT_NEAR(automatic, exact, 1e-9 * exact) << "ranks " << ranks << " seed " << seed;
      }
      ++cases;
    }
  EXPECT_EQ(cases, 180);
}

TEST(CostGraph, EliminationOnGeneralGraphsStaysCloseAndReportsItsGap) {
  double worst = 0, sum = 0;
  int n = 0;
  for (int ranks : {2, 4, 8})
    for (uint32_t seed = 1; seed <= 40; ++seed) {
      Random r(seed * 97 + uint32_t(ranks));
      CostGraph g = general(r, 6 + r.below(7), 3 + r.below(4), ranks);
      double dp = totalCost(g, solveByElimination(g)), exact = totalCost(g, solveExact(g));
      ASSERT_GE(dp, exact - 1e-9);
      double gap = (dp - exact) / exact;
      worst = std::max(worst, gap);
      sum += gap;
      ++n;
    }
  std::printf("elimination on general graphs: mean gap %.2f%%, worst %.2f%% over %d graphs\n", 100 * sum / n, 100 * worst, n);
  EXPECT_LT(sum / n, 0.05);
}

TEST(CostGraph, AutoIsExactOnGeneralGraphsOfSearchableSize) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    Random r(seed * 13);
    CostGraph g = general(r, 8 + r.below(5), 5, 8);
    EXPECT_NEAR(totalCost(g, solve(g, SearchAlgorithm::Auto)), totalCost(g, solveExact(g)), 1e-9) << "seed " << seed;
  }
}

TEST(CostGraph, InfeasiblePicksAreAvoided) {
  CostGraph g;
  g.addNode({1, 2});
  g.addNode({1, 5});
  g.addEdge(0, 1, {{kInfeasible, 3}, {0, kInfeasible}});
  // (0,1) costs 1 + 5 + 3 = 9, (1,0) costs 2 + 1 + 0 = 3.
  EXPECT_EQ(solveExact(g), (Assignment{1, 0}));
  EXPECT_EQ(solveByElimination(g), (Assignment{1, 0}));
  // Greedy: node 0 starts at its cheapest pick and node 1 avoids the infeasible pair, at 9.
  EXPECT_EQ(solveByPropagation(g), (Assignment{0, 1}));
}

// Propagation starts at the fixed node (one feasible pick) and goes outward along the chain 0 - 1 - 2, each node
// matching its decided neighbour, although node 2 alone would rather take pick 0.
TEST(CostGraph, PropagationGoesOutFromTheFixedNode) {
  CostGraph g;
  g.addNode({kInfeasible, 0});
  g.addNode({0, 0});
  g.addNode({0, 3});
  CostMatrix same{{0, 5}, {5, 0}};
  g.addEdge(0, 1, same);
  g.addEdge(2, 1, same);
  EXPECT_EQ(solveByPropagation(g), (Assignment{1, 1, 1}));
  EXPECT_EQ(solve(g, SearchAlgorithm::Propagate), (Assignment{1, 1, 1}));
}

// Greedy, it never trades a costlier pick now for a saving later: with nothing fixed it starts at node 0's cheapest
// pick (0) and node 1 follows at cost 5, where (1, 1) would cost 1 in all.
TEST(CostGraph, PropagationIsGreedy) {
  CostGraph g;
  g.addNode({0, 1});
  g.addNode({5, 0});
  g.addEdge(0, 1, CostMatrix{{0, 10}, {10, 0}});
  EXPECT_EQ(solveByPropagation(g), (Assignment{0, 0}));
  EXPECT_EQ(solveExact(g), (Assignment{1, 1}));
}

// On random graphs propagation decides every node, keeps fixed picks, finds a feasible answer where one is easy to
// reach and reports how far it is from the optimum; elimination does at least as well on every graph.
TEST(CostGraph, PropagationOnRandomGraphsReportsItsGap) {
  double sumProp = 0, sumDp = 0;
  int n = 0, dpWins = 0;
  for (int ranks : {2, 4, 8})
    for (uint32_t seed = 1; seed <= 40; ++seed) {
      Random r(seed * 53 + uint32_t(ranks));
      CostGraph g = seriesParallel(r, 4 + r.below(9), ranks);
      // Fix node 0 to its last pick.
      for (size_t c = 0; c + 1 < g.nodeCost[0].size(); ++c) g.nodeCost[0][c] = kInfeasible;
      Assignment a = solveByPropagation(g);
      ASSERT_EQ(a.size(), g.numNodes());
      EXPECT_EQ(a[0], g.nodeCost[0].size() - 1);
      double exact = totalCost(g, solveExact(g)), prop = totalCost(g, a), dp = totalCost(g, solveByElimination(g));
      if (std::isinf(exact)) continue;
      ASSERT_GE(prop, exact - 1e-9);
      EXPECT_NEAR(dp, exact, 1e-9 * exact);
      if (std::isinf(prop)) continue;
      sumProp += (prop - exact) / exact;
      sumDp += (dp - exact) / exact;
      dpWins += dp < prop - 1e-9;
      ++n;
    }
  std::printf("propagation on series-parallel graphs: mean gap %.2f%% over %d graphs (elimination 0%%, better on %d)\n",
              100 * sumProp / n, n, dpWins);
  EXPECT_GT(n, 60);
  EXPECT_GT(dpWins, 0);
}

}  // namespace
}  // namespace shardc::passes
