// The strategy search's abstract problem: every node (an op) picks one of its candidate strategies; a node's own
// cost depends on its pick (compute time, its inputs' local copies), an edge's on both ends' picks (the
// redistribution between a producer's layout and its consumer's). Infinite costs mark infeasible picks. Solvers
// minimise the sum; they know nothing of ops or layouts, so they are tested on random graphs against each other.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace shardc::passes {

inline constexpr double kInfeasible = std::numeric_limits<double>::infinity();

using CostMatrix = std::vector<std::vector<double>>;  // [pick of u][pick of v]

struct CostGraph {
  struct Edge {
    size_t u, v;
    // Shared: identical layers give identical matrices, stored once.
    std::shared_ptr<const CostMatrix> matrix;
    double cost(size_t cu, size_t cv) const { return (*matrix)[cu][cv]; }
  };
  std::vector<std::vector<double>> nodeCost;  // per node, per candidate
  std::vector<Edge> edges;

  size_t addNode(std::vector<double> costs);
  void addEdge(size_t u, size_t v, CostMatrix cost);
  void addEdge(size_t u, size_t v, std::shared_ptr<const CostMatrix> cost);
  size_t numNodes() const { return nodeCost.size(); }
  // Product of the candidate counts (saturating): the exact solver's worst case.
  double searchSpace() const;
};

using Assignment = std::vector<size_t>;  // per node, the chosen candidate

double totalCost(const CostGraph& g, const Assignment& a);

// Branch and bound over every assignment: the optimum, for graphs small enough.
Assignment solveExact(const CostGraph& g);

// Graph elimination, as MindSpore's dynamic programming: parallel edges merge, a node with one neighbour folds
// into it, a node with two becomes an edge between them (the best pick for every pair of theirs). Exact on
// series-parallel graphs (every such graph keeps a node of degree <= 2); elsewhere, when every node has degree 3 or
// more, the node of smallest degree is fixed to its best pick given its neighbours' cheapest ones and the
// elimination goes on; the answer is then improved node by node. A bounded heuristic.
struct EliminationStats {
  size_t leaves = 0, series = 0, fixed = 0;  // nodes eliminated each way
};
Assignment solveByElimination(const CostGraph& g, EliminationStats* stats = nullptr);

// Sharding propagation: fixed nodes (one feasible pick) first, then outward, each node taking its cheapest pick
// given its decided neighbours. One greedy pass; a baseline, not optimal.
Assignment solveByPropagation(const CostGraph& g);

// --search propagate|exact|dp|auto. Auto: elimination when it is exact (no node had to be fixed) or the graph is too large
// for the exact search (more than kExactSearchLimit assignments); the exact search otherwise.
enum class SearchAlgorithm { Propagate, Exact, Elimination, Auto };
inline constexpr double kExactSearchLimit = 1e9;
Assignment solve(const CostGraph& g, SearchAlgorithm algorithm);

}  // namespace shardc::passes
