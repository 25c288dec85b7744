// --search propagate: sharding propagation as GSPMD and MindSpore's sharding-propagation mode do it, on the cost
// graph. The nodes with one feasible pick (fixed by the user or the training strategy) are decided first; then,
// repeatedly, the undecided node with the most decided neighbours takes the pick cheapest given its own cost and
// its edges to them. A part of the graph no decided node reaches starts from its node with the cheapest own pick.
// One pass, no backtracking: fast and predictable, but it never trades a costlier pick here for a saving further
// on, which elimination does.
#include <algorithm>
#include <queue>
#include <vector>

#include "passes/cost_graph.h"

namespace shardc::passes {

Assignment solveByPropagation(const CostGraph& g) {
  size_t n = g.numNodes();
  // Edges by node: (edge, this node is its u).
  std::vector<std::vector<std::pair<size_t, bool>>> incident(n);
  for (size_t e = 0; e < g.edges.size(); ++e) {
    incident[g.edges[e].u].push_back({e, true});
    incident[g.edges[e].v].push_back({e, false});
  }
  Assignment a(n, 0);
  std::vector<bool> decided(n, false);
  std::vector<size_t> decidedNeighbours(n, 0);
  // Most decided neighbours first, then the lowest index, so the order does not depend on the heap's ties.
  using Entry = std::pair<size_t, size_t>;  // (decided neighbours, ~index)
  std::priority_queue<Entry> frontier;
  auto decide = [&](size_t node) {
    const std::vector<double>& own = g.nodeCost[node];
    double best = kInfeasible;
    size_t pick = 0;
    for (size_t c = 0; c < own.size(); ++c) {
      double cost = own[c];
      for (auto [e, isU] : incident[node]) {
        const CostGraph::Edge& edge = g.edges[e];
        size_t other = isU ? edge.v : edge.u;
        if (decided[other]) cost += isU ? edge.cost(c, a[other]) : edge.cost(a[other], c);
      }
      if (cost < best || c == 0) best = cost, pick = c;
    }
    a[node] = pick;
    decided[node] = true;
    for (auto [e, isU] : incident[node]) {
      size_t other = isU ? g.edges[e].v : g.edges[e].u;
      if (!decided[other]) frontier.push({++decidedNeighbours[other], ~other});
    }
  };
  auto drain = [&] {
    while (!frontier.empty()) {
      auto [count, inverted] = frontier.top();
      frontier.pop();
      size_t node = ~inverted;
      if (!decided[node] && count == decidedNeighbours[node]) decide(node);
    }
  };
  for (size_t node = 0; node < n; ++node) {
    const auto& own = g.nodeCost[node];
    if (std::count_if(own.begin(), own.end(), [](double c) { return c < kInfeasible; }) == 1) decide(node);
  }
  drain();
  for (;;) {
    size_t seed = n;
    double cheapest = kInfeasible;
    for (size_t node = 0; node < n; ++node) {
      if (decided[node]) continue;
      double own = *std::min_element(g.nodeCost[node].begin(), g.nodeCost[node].end());
      if (seed == n || own < cheapest) seed = node, cheapest = own;
    }
    if (seed == n) break;
    decide(seed);
    drain();
  }
  return a;
}

}  // namespace shardc::passes
