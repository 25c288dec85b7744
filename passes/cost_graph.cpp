#include "passes/cost_graph.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "ir/error.h"

namespace shardc::passes {

size_t CostGraph::addNode(std::vector<double> costs) {
  if (costs.empty()) ir::fail("internal error: a search node without candidates");
  nodeCost.push_back(std::move(costs));
  return nodeCost.size() - 1;
}

void CostGraph::addEdge(size_t u, size_t v, CostMatrix cost) {
  addEdge(u, v, std::make_shared<const CostMatrix>(std::move(cost)));
}

void CostGraph::addEdge(size_t u, size_t v, std::shared_ptr<const CostMatrix> cost) {
  if (u >= numNodes() || v >= numNodes() || u == v || !cost || cost->size() != nodeCost[u].size())
    ir::fail("internal error: a malformed search edge {} -> {}", u, v);
  for (const auto& row : *cost)
    if (row.size() != nodeCost[v].size()) ir::fail("internal error: a malformed search edge {} -> {}", u, v);
  edges.push_back({u, v, std::move(cost)});
}

double CostGraph::searchSpace() const {
  double s = 1;
  for (const auto& c : nodeCost) s = std::min(s * double(c.size()), 1e300);
  return s;
}

double totalCost(const CostGraph& g, const Assignment& a) {
  double c = 0;
  for (size_t n = 0; n < g.numNodes(); ++n) c += g.nodeCost[n][a[n]];
  for (const auto& e : g.edges) c += e.cost(a[e.u], a[e.v]);
  return c;
}

Assignment solveExact(const CostGraph& g) {
  size_t n = g.numNodes();
  // Nodes in an order where each has many earlier neighbours (tight bounds early): by descending degree.
  std::vector<std::vector<std::pair<size_t, size_t>>> incident(n);  // node -> (edge index, other node)
  for (size_t i = 0; i < g.edges.size(); ++i) {
    incident[g.edges[i].u].push_back({i, g.edges[i].v});
    incident[g.edges[i].v].push_back({i, g.edges[i].u});
  }
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return incident[a].size() > incident[b].size(); });
  std::vector<size_t> position(n);
  for (size_t i = 0; i < n; ++i) position[order[i]] = i;
  // Lower bound of what nodes from position k on add: their cheapest pick plus each later edge's cheapest entry.
  std::vector<double> tail(n + 1, 0);
  for (size_t k = n; k-- > 0;) {
    size_t node = order[k];
    double extra = *std::min_element(g.nodeCost[node].begin(), g.nodeCost[node].end());
    for (auto [e, other] : incident[node])
      if (position[other] > k) {
        double m = kInfeasible;
        for (const auto& row : *g.edges[e].matrix) m = std::min(m, *std::min_element(row.begin(), row.end()));
        extra += m;
      }
    tail[k] = tail[k + 1] + extra;
  }
  Assignment best(n, 0), cur(n, 0);
  double bestCost = kInfeasible;
  bool found = false;
  std::function<void(size_t, double)> go = [&](size_t k, double sofar) {
    if (sofar + tail[k] >= bestCost && found) return;
    if (k == n) {
      bestCost = sofar;
      best = cur;
      found = true;
      return;
    }
    size_t node = order[k];
    // Candidates cheapest-first given the picks so far.
    std::vector<std::pair<double, size_t>> options;
    for (size_t c = 0; c < g.nodeCost[node].size(); ++c) {
      double add = g.nodeCost[node][c];
      for (auto [e, other] : incident[node])
        if (position[other] < k) {
          const auto& edge = g.edges[e];
          add += edge.u == node ? edge.cost(c, cur[other]) : edge.cost(cur[other], c);
        }
      options.push_back({add, c});
    }
    std::sort(options.begin(), options.end());
    for (auto [add, c] : options) {
      if (add == kInfeasible) break;
      cur[node] = c;
      go(k + 1, sofar + add);
    }
  };
  go(0, 0.0);
  if (!found) {
    // Every assignment is infeasible: return the cheapest-per-node one; the caller reports the cost.
    for (size_t i = 0; i < n; ++i)
      best[i] = size_t(std::min_element(g.nodeCost[i].begin(), g.nodeCost[i].end()) - g.nodeCost[i].begin());
  }
  return best;
}

namespace {

using Matrix = CostMatrix;

// The working graph of the elimination: one edge per pair of nodes, keyed (low node, high node). A matrix is
// shared with the input graph until two edges merge; `flipped` says it is stored high -> low.
struct Work {
  struct Stored {
    std::shared_ptr<const Matrix> m;
    bool flipped;
  };
  std::vector<std::vector<double>> unary;
  std::map<std::pair<size_t, size_t>, Stored> edges;
  std::vector<std::set<size_t>> adj;
  std::vector<bool> alive;
  using SumKey = std::tuple<std::shared_ptr<const Matrix>, bool, std::shared_ptr<const Matrix>, bool>;
  std::map<SumKey, std::shared_ptr<const Matrix>> sums;

  // The cost of picks (ca, cb) on the edge between a and b, whichever way it is stored.
  struct View {
    const Matrix* m;
    bool flipped;
    double operator()(size_t ca, size_t cb) const { return flipped ? (*m)[cb][ca] : (*m)[ca][cb]; }
  };
  const Stored& stored(size_t a, size_t b) const { return edges.at({std::min(a, b), std::max(a, b)}); }
  View edge(size_t a, size_t b) const {
    const Stored& s = stored(a, b);
    return {s.m.get(), s.flipped != (a > b)};
  }
  void addEdge(size_t a, size_t b, std::shared_ptr<const Matrix> m) {  // m oriented a -> b; merges with an existing edge
    auto key = std::make_pair(std::min(a, b), std::max(a, b));
    auto it = edges.find(key);
    if (it == edges.end()) {
      edges[key] = {std::move(m), a > b};
      adj[a].insert(b);
      adj[b].insert(a);
      return;
    }
    // Identical blocks merge the same pairs of matrices: each sum is made once.
    auto& sum = sums[{it->second.m, it->second.flipped, m, a > b}];
    if (!sum) {
      View old = edge(key.first, key.second), add{m.get(), a > b};
      size_t rows = unary[key.first].size(), cols = unary[key.second].size();
      auto made = std::make_shared<Matrix>(rows, std::vector<double>(cols));
      for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) (*made)[i][j] = old(i, j) + add(i, j);
      sum = std::move(made);
    }
    it->second = {sum, false};
  }
  void removeNode(size_t x) {
    for (size_t y : adj[x]) {
      adj[y].erase(x);
      edges.erase({std::min(x, y), std::max(x, y)});
    }
    adj[x].clear();
    alive[x] = false;
  }
};

// How an eliminated node's pick is recovered once its neighbours' are known.
using Picks = std::vector<std::vector<size_t>>;

struct SeriesKey {
  std::shared_ptr<const Matrix> toY, toZ;  // held, so that their addresses are not reused while compared
  bool flippedY, flippedZ;
  std::vector<double> unary;
  bool operator<(const SeriesKey& o) const {
    return std::tie(toY, flippedY, toZ, flippedZ, unary) < std::tie(o.toY, o.flippedY, o.toZ, o.flippedZ, o.unary);
  }
};
struct LeafKey {
  std::shared_ptr<const Matrix> edge;
  bool flipped;
  std::vector<double> unary;
  bool operator<(const LeafKey& o) const { return std::tie(edge, flipped, unary) < std::tie(o.edge, o.flipped, o.unary); }
};
struct LeafResult {
  std::vector<double> add;  // per pick of the neighbour: the leaf's best cost
  std::shared_ptr<const std::vector<size_t>> picks;
};
struct SeriesResult {
  std::shared_ptr<const Matrix> m;
  std::shared_ptr<const Picks> picks;
};

struct Record {
  enum Kind { Leaf, Series, Fixed } kind;
  size_t node, y = 0, z = 0;
  std::shared_ptr<const std::vector<size_t>> byY;  // Leaf: best pick per pick of y
  std::shared_ptr<const Picks> byYZ;      // Series: per pick of y and z
  size_t pick = 0;                        // Fixed
};

size_t argmin(const std::vector<double>& v) { return size_t(std::min_element(v.begin(), v.end()) - v.begin()); }

}  // namespace

Assignment solveByElimination(const CostGraph& g, EliminationStats* stats) {
  size_t n = g.numNodes();
  Work w;
  w.unary = g.nodeCost;
  w.adj.resize(n);
  w.alive.assign(n, true);
  for (const auto& e : g.edges) w.addEdge(e.u, e.v, e.matrix);
  std::vector<Record> records;
  std::map<SeriesKey, SeriesResult> seriesMemo;
  std::map<LeafKey, LeafResult> leafMemo;
  EliminationStats local;
  for (size_t remaining = n; remaining > 0;) {
    // The live node of smallest degree (the lowest index among equals, so runs are reproducible).
    size_t x = n;
    for (size_t i = 0; i < n; ++i)
      if (w.alive[i] && (x == n || w.adj[i].size() < w.adj[x].size())) x = i;
    size_t degree = w.adj[x].size();
    if (degree == 0) {
      records.push_back({Record::Fixed, x, 0, 0, {}, {}, argmin(w.unary[x])});
    } else if (degree == 1) {
      size_t y = *w.adj[x].begin();
      Work::View e = w.edge(x, y);
      // The same leaf hanging off the same matrix in every identical block is folded once.
      auto [known, fresh] = leafMemo.try_emplace(LeafKey{w.stored(x, y).m, e.flipped, w.unary[x]});
      if (fresh) {
        size_t nx = w.unary[x].size(), ny = w.unary[y].size();
        std::vector<double> best(ny, kInfeasible);
        auto picks = std::make_shared<std::vector<size_t>>(ny, 0);
        // Walk the stored matrix row by row, whichever way it is oriented.
        for (size_t i = 0; i < (e.flipped ? ny : nx); ++i) {
          const std::vector<double>& row = (*e.m)[i];
          for (size_t j = 0; j < row.size(); ++j) {
            size_t cx = e.flipped ? j : i, cy = e.flipped ? i : j;
            if (double c = w.unary[x][cx] + row[j]; c < best[cy]) {
              best[cy] = c;
              (*picks)[cy] = cx;
            }
          }
        }
        known->second = {std::move(best), std::move(picks)};
      }
      for (size_t cy = 0; cy < w.unary[y].size(); ++cy) w.unary[y][cy] += known->second.add[cy];
      Record r{Record::Leaf, x, y, 0, known->second.picks, {}, 0};
      records.push_back(std::move(r));
      ++local.leaves;
    } else if (degree == 2) {
      auto it = w.adj[x].begin();
      size_t y = *it++, z = *it;
      Work::View ey = w.edge(x, y), ez = w.edge(x, z);
      size_t ny = w.unary[y].size(), nz = w.unary[z].size();
      // Identical blocks pose identical problems (the same shared matrices, the same costs on x): each is solved
      // once.
      SeriesKey key{w.stored(x, y).m, w.stored(x, z).m, ey.flipped, ez.flipped, w.unary[x]};
      auto [known, fresh] = seriesMemo.try_emplace(std::move(key));
      if (fresh) {
        auto mp = std::make_shared<Matrix>(ny, std::vector<double>(nz, kInfeasible));
        auto pp = std::make_shared<Picks>(ny, std::vector<size_t>(nz, 0));
        Matrix& m = *mp;
        // Laid out contiguously in x's pick, so the innermost minimum runs over adjacent numbers.
        size_t nx = w.unary[x].size();
        std::vector<double> toZ(nz * nx), viaY(nx);
        for (size_t cz = 0; cz < nz; ++cz)
          for (size_t cx = 0; cx < nx; ++cx) toZ[cz * nx + cx] = ez(cx, cz);
        for (size_t cy = 0; cy < ny; ++cy) {
          for (size_t cx = 0; cx < nx; ++cx) viaY[cx] = w.unary[x][cx] + ey(cx, cy);
          for (size_t cz = 0; cz < nz; ++cz) {
            const double* row = &toZ[cz * nx];
            double best = kInfeasible;
            size_t pick = 0;
            for (size_t cx = 0; cx < nx; ++cx)
              if (double c = viaY[cx] + row[cx]; c < best) {
                best = c;
                pick = cx;
              }
            m[cy][cz] = best;
            (*pp)[cy][cz] = pick;
          }
        }
        known->second = {std::move(mp), std::move(pp)};
      }
      Record r{Record::Series, x, y, z, {}, known->second.picks, 0};
      auto mp = known->second.m;
      w.removeNode(x);
      w.addEdge(y, z, std::move(mp));
      records.push_back(std::move(r));
      ++local.series;
      --remaining;
      continue;
    } else {
      // Fix x to its best pick against each neighbour's cheapest answer, and fold its edges into them.
      std::vector<double> score = w.unary[x];
      for (size_t y : w.adj[x]) {
        Work::View e = w.edge(x, y);
        for (size_t cx = 0; cx < score.size(); ++cx) {
          double best = kInfeasible;
          for (size_t cy = 0; cy < w.unary[y].size(); ++cy) best = std::min(best, e(cx, cy) + w.unary[y][cy]);
          score[cx] += best;
        }
      }
      size_t pick = argmin(score);
      for (size_t y : w.adj[x]) {
        Work::View e = w.edge(x, y);
        for (size_t cy = 0; cy < w.unary[y].size(); ++cy) w.unary[y][cy] += e(pick, cy);
      }
      records.push_back({Record::Fixed, x, 0, 0, {}, {}, pick});
      ++local.fixed;
    }
    w.removeNode(x);
    --remaining;
  }
  Assignment a(n, 0);
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    switch (it->kind) {
      case Record::Fixed: a[it->node] = it->pick; break;
      case Record::Leaf: a[it->node] = (*it->byY)[a[it->y]]; break;
      case Record::Series: a[it->node] = (*it->byYZ)[a[it->y]][a[it->z]]; break;
    }
  }
  if (local.fixed > 0) {
    // Fixing was a guess: improve the answer node by node (each re-picks its best given its neighbours) until no
    // pick changes.
    std::vector<std::vector<size_t>> incident(n);
    for (size_t i = 0; i < g.edges.size(); ++i) {
      incident[g.edges[i].u].push_back(i);
      incident[g.edges[i].v].push_back(i);
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t x = 0; x < n; ++x) {
        std::vector<double> score = g.nodeCost[x];
        for (size_t e : incident[x]) {
          const auto& edge = g.edges[e];
          for (size_t c = 0; c < score.size(); ++c) score[c] += edge.u == x ? edge.cost(c, a[edge.v]) : edge.cost(a[edge.u], c);
        }
        size_t best = argmin(score);
        if (score[best] < score[a[x]]) {
          a[x] = best;
          changed = true;
        }
      }
    }
  }
  if (stats) *stats = local;
  return a;
}

Assignment solve(const CostGraph& g, SearchAlgorithm algorithm) {
  switch (algorithm) {
    case SearchAlgorithm::Propagate: return solveByPropagation(g);
    case SearchAlgorithm::Exact: return solveExact(g);
    case SearchAlgorithm::Elimination: return solveByElimination(g);
    case SearchAlgorithm::Auto: break;
  }
  // Small enough for the exact search to be quick, or series-parallel (elimination is exact there).
  EliminationStats stats;
  Assignment a = solveByElimination(g, &stats);
  if (stats.fixed == 0 || g.searchSpace() > kExactSearchLimit) return a;
  return solveExact(g);
}

}  // namespace shardc::passes
