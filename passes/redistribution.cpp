#include "passes/redistribution.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <optional>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/error.h"
#include "passes/reshape_layout.h"

namespace shardc::passes {
namespace {

std::string key(const ir::TensorLayout& l) {
  std::string k;
  for (const auto& axes : l.dimAxes) k += fmt::format("{},", fmt::join(axes, "."));
  return k + fmt::format("|{}", fmt::join(l.partialAxes, ","));
}

bool divides(const ir::TensorLayout& l) {
  for (size_t d = 0; d < l.shape.rank(); ++d)
    if (l.shape.dims[d] % l.splitFactor(d) != 0) return false;
  return true;
}

// Axes of size 1 change nothing: planning works on layouts without them.
ir::TensorLayout canonical(ir::TensorLayout l) {
  auto unit = [&](int a) { return l.mesh.shape[size_t(a)] == 1; };
  for (auto& axes : l.dimAxes) std::erase_if(axes, unit);
  std::erase_if(l.partialAxes, unit);
  return l;
}

double localBytes(const ir::TensorLayout& l, int64_t elementBytes) {
  return static_cast<double>(l.localShape().numElements() * elementBytes);
}

}  // namespace

std::string redistKindName(RedistKind k) {
  switch (k) {
    case RedistKind::Split: return "split";
    case RedistKind::AllGather: return "all-gather";
    case RedistKind::AllToAll: return "all-to-all";
    case RedistKind::AllReduce: return "all-reduce";
    case RedistKind::ReduceScatter: return "reduce-scatter";
    case RedistKind::Reshape: return "reshape";
  }
  return "?";
}

std::string RedistStep::str() const {
  if (kind == RedistKind::Reshape) return fmt::format("reshape to {}", after.localShape().str());
  std::string where;
  switch (kind) {
    case RedistKind::Split:
    case RedistKind::AllGather:
    case RedistKind::ReduceScatter: where = fmt::format(": dim {}", dim); break;
    case RedistKind::AllToAll: where = fmt::format(": dim {} -> dim {}", dim, toDim); break;
    case RedistKind::AllReduce:
    case RedistKind::Reshape: break;
  }
  return fmt::format("{} axis {}{}, {} B/rank", redistKindName(kind), axis, where, bytesPerRank);
}

std::string RedistPlan::str() const {
  if (steps.empty()) return "no steps";
  std::vector<std::string> s;
  for (const auto& st : steps) s.push_back(st.str());
  return fmt::format("{}", fmt::join(s, "; "));
}

double CommCostModel::bytesPerRank(RedistKind k, int64_t n, double b) const {
  double f = static_cast<double>(n - 1) / static_cast<double>(n);
  switch (k) {
    case RedistKind::Split:
    case RedistKind::Reshape: return 0;
    case RedistKind::AllGather: return b * static_cast<double>(n - 1);
    case RedistKind::AllToAll: return b * f;
    case RedistKind::AllReduce: return 2 * b * f;
    case RedistKind::ReduceScatter: return b * f;
  }
  return 0;
}

double CommCostModel::cost(RedistKind k, int64_t n, double b) const {
  if (k == RedistKind::Split) return b / static_cast<double>(n) / memoryBandwidth + 1e-9;
  if (k == RedistKind::Reshape) return 0;
  // MPI libraries pick a collective's algorithm by message size; the model takes the cheaper of the ones they
  // pick between (Thakur, Rabenseifner and Gropp's costs): gathers and reduce-scatters by recursive doubling or
  // halving (log2 n steps), an all-reduce by recursive doubling (log2 n steps, the whole buffer each) or as a
  // reduce-scatter then an all-gather (twice as many steps, 2(n-1)/n of the buffer).
  double logSteps = static_cast<double>(std::bit_width(static_cast<uint64_t>(n - 1)));  // ceil(log2 n)
  switch (k) {
    case RedistKind::AllReduce:
      return std::min(logSteps * (alpha + b / bandwidth), 2 * logSteps * alpha + bytesPerRank(k, n, b) / bandwidth);
    case RedistKind::AllToAll:  // Bruck's (log2 n steps, half the buffer each) or pairwise exchange
      return std::min(logSteps * (alpha + b / 2 / bandwidth),
                      alpha * static_cast<double>(n - 1) + bytesPerRank(k, n, b) / bandwidth);
    default: return alpha * logSteps + bytesPerRank(k, n, b) / bandwidth;
  }
}

std::vector<ir::TensorLayout> enumerateLayouts(const ir::Shape& shape, const ir::DeviceMesh& mesh, bool withPartial) {
  std::vector<ir::TensorLayout> out;
  size_t rank = shape.rank();
  // role[a]: -2 replicated, -1 partial, d >= 0 splits dim d. Axes of size 1 always replicate.
  std::vector<int> role(mesh.rank(), -2);
  auto emit = [&] {
    ir::TensorLayout l = ir::TensorLayout::replicated(shape, mesh);
    std::vector<std::vector<int>> byDim(rank);
    for (size_t x = 0; x < mesh.rank(); ++x) {
      if (role[x] == -1) l.partialAxes.push_back(int(x));
      if (role[x] >= 0) byDim[size_t(role[x])].push_back(int(x));
    }
    // Every order of the axes within each dim.
    std::function<void(size_t)> order = [&](size_t d) {
      if (d == rank) {
        if (divides(l)) out.push_back(l);
        return;
      }
      std::vector<int> axes = byDim[d];
      do {
        l.dimAxes[d] = axes;
        order(d + 1);
      } while (std::next_permutation(axes.begin(), axes.end()));
    };
    order(0);
  };
  std::function<void(size_t)> assign = [&](size_t a) {
    if (a == mesh.rank()) {
      emit();
      return;
    }
    if (mesh.shape[a] == 1) {
      assign(a + 1);
      return;
    }
    for (int r = -2; r < static_cast<int>(rank); ++r) {
      if (r == -1 && !withPartial) continue;
      role[a] = r;
      assign(a + 1);
    }
    role[a] = -2;
  };
  assign(0);
  return out;
}

RedistributionPlanner::RedistributionPlanner(const ir::Shape& shape, const ir::DeviceMesh& mesh, int64_t elementBytes,
                                             CommCostModel model)
    : shape_(shape), mesh_(mesh), elementBytes_(elementBytes), model_(model) {
  for (const auto& l : enumerateLayouts(shape, mesh, /*withPartial=*/true)) addState(l);
  buildEdges();
}

void RedistributionPlanner::addState(const ir::TensorLayout& l) {
  std::string k = key(l);
  if (index_.count(k)) return;
  index_[k] = states_.size();
  states_.push_back(l);
}

size_t RedistributionPlanner::stateOf(const ir::TensorLayout& l) const {
  if (!(l.shape == shape_) || !(l.mesh == mesh_))
    ir::fail("redistribution: layout {} is not over shape {} and mesh {}", l.str(), shape_.str(), mesh_.str());
  l.validate("redistribution");
  auto it = index_.find(key(canonical(l)));
  if (it == index_.end()) ir::fail("redistribution: layout {} is not a state of the planner", l.str());
  return it->second;
}

void RedistributionPlanner::buildEdges() {
  edges_.assign(states_.size(), {});
  for (size_t s = 0; s < states_.size(); ++s) {
    const ir::TensorLayout& l = states_[s];
    double bytes = localBytes(l, elementBytes_);
    auto add = [&](RedistKind kind, int axis, int dim, int toDim, ir::TensorLayout next) {
      if (!divides(next)) return;
      auto it = index_.find(key(next));
      if (it == index_.end()) return;
      int64_t n = mesh_.shape[size_t(axis)];
      RedistStep step{kind, axis, dim, toDim, static_cast<int64_t>(model_.bytesPerRank(kind, n, bytes)),
                      model_.cost(kind, n, bytes), next};
      edges_[s].push_back({it->second, step});
    };
    for (int a : l.replicatedAxes()) {
      if (mesh_.shape[size_t(a)] == 1) continue;
      for (size_t d = 0; d < l.dimAxes.size(); ++d) {
        ir::TensorLayout next = l;
        next.dimAxes[d].push_back(a);
        add(RedistKind::Split, a, int(d), -1, next);
      }
    }
    for (size_t d = 0; d < l.dimAxes.size(); ++d) {
      if (l.dimAxes[d].empty()) continue;
      int a = l.dimAxes[d].back();
      ir::TensorLayout gathered = l;
      gathered.dimAxes[d].pop_back();
      add(RedistKind::AllGather, a, int(d), -1, gathered);
      for (size_t d2 = 0; d2 < l.dimAxes.size(); ++d2) {
        if (d2 == d) continue;
        ir::TensorLayout moved = gathered;
        moved.dimAxes[d2].push_back(a);
        add(RedistKind::AllToAll, a, int(d), int(d2), moved);
      }
    }
    for (int a : l.partialAxes) {
      ir::TensorLayout reduced = l;
      std::erase(reduced.partialAxes, a);
      add(RedistKind::AllReduce, a, -1, -1, reduced);
      for (size_t d = 0; d < l.dimAxes.size(); ++d) {
        ir::TensorLayout scattered = reduced;
        scattered.dimAxes[d].push_back(a);
        add(RedistKind::ReduceScatter, a, int(d), -1, scattered);
      }
    }
  }
}

RedistPlan RedistributionPlanner::plan(const ir::TensorLayout& from, const ir::TensorLayout& to) {
  std::optional<RedistPlan> p = tryPlan(from, to);
  if (!p) ir::fail("redistribution: no way from {} to {} (no step creates partial sums)", from.str(), to.str());
  return *p;
}

std::optional<RedistPlan> RedistributionPlanner::tryPlan(const ir::TensorLayout& from, const ir::TensorLayout& to) {
  size_t src = stateOf(from), dst = stateOf(to);
  auto it = trees_.find(src);
  if (it == trees_.end()) {
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                        boost::property<boost::edge_weight_t, double>>;
    Graph g(states_.size());
    for (size_t s = 0; s < edges_.size(); ++s)
      for (const Edge& e : edges_[s]) boost::add_edge(s, e.to, e.step.cost, g);
    std::vector<size_t> pred(states_.size());
    std::vector<double> dist(states_.size());
    boost::dijkstra_shortest_paths(g, src, boost::predecessor_map(pred.data()).distance_map(dist.data()));
    it = trees_.emplace(src, std::make_pair(std::move(pred), std::move(dist))).first;
  }
  const auto& [pred, dist] = it->second;
  if (dist[dst] == std::numeric_limits<double>::max()) return std::nullopt;
  RedistPlan plan;
  plan.cost = dist[dst];
  for (size_t v = dst; v != src; v = pred[v]) {
    const Edge* best = nullptr;
    for (const Edge& e : edges_[pred[v]])
      if (e.to == v && (!best || e.step.cost < best->step.cost)) best = &e;
    plan.steps.push_back(best->step);
  }
  std::reverse(plan.steps.begin(), plan.steps.end());
  return plan;
}

RedistPlan planReshapeRedistribution(const ir::TensorLayout& from, const ir::TensorLayout& to, int64_t elementBytes,
                                     CommCostModel model) {
  if (from.shape.numElements() != to.shape.numElements())
    ir::fail("redistribution: cannot reshape {} to {}", from.shape.str(), to.shape.str());
  if (from.shape == to.shape) return planRedistribution(from, to, elementBytes, model);
  RedistributionPlanner before(from.shape, from.mesh, elementBytes, model), after(to.shape, to.mesh, elementBytes, model);
  RedistPlan best;
  best.cost = std::numeric_limits<double>::infinity();
  for (const auto& mid : enumerateLayouts(from.shape, from.mesh, /*withPartial=*/true)) {
    // Only layouts whose every split survives the reshape make it local.
    ReshapeLayouts through = reshapeLayouts(mid, to.shape);
    if (!(through.input == mid)) continue;
    const ir::TensorLayout& reshaped = through.output;
    std::optional<RedistPlan> p1 = before.tryPlan(from, mid);
    std::optional<RedistPlan> p2 = after.tryPlan(reshaped, to);
    if (!p1 || !p2) continue;
    double cost = p1->cost + p2->cost;
    if (cost < best.cost) {
      best.steps = p1->steps;
      best.steps.push_back({RedistKind::Reshape, -1, -1, -1, 0, 0, reshaped});
      best.steps.insert(best.steps.end(), p2->steps.begin(), p2->steps.end());
      best.cost = cost;
    }
  }
  if (best.cost == std::numeric_limits<double>::infinity())
    ir::fail("redistribution: no way from {} to {}", from.str(), to.str());
  return best;
}

RedistPlan planRedistribution(const ir::TensorLayout& from, const ir::TensorLayout& to, int64_t elementBytes,
                              CommCostModel model) {
  return RedistributionPlanner(from.shape, from.mesh, elementBytes, model).plan(from, to);
}

}  // namespace shardc::passes
