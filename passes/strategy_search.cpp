#include "passes/strategy_search.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/assign_strategies.h"
#include "passes/broadcast_layout.h"
#include "passes/reshape_layout.h"
#include "passes/sharding_rules.h"

namespace shardc::passes {
namespace {

using Splits = std::vector<int64_t>;

int64_t bytesOf(const ir::Shape& s, ir::DType t) { return s.numElements() * int64_t(ir::dtypeSize(t)); }

// Every tuple of splits of `extents` whose product divides `devices` and each of which divides its extent.
std::vector<Splits> splitTuples(const std::vector<int64_t>& extents, int64_t devices) {
  std::vector<Splits> out;
  Splits cur;
  std::function<void(size_t, int64_t)> go = [&](size_t d, int64_t used) {
    if (d == extents.size()) {
      out.push_back(cur);
      return;
    }
    for (int64_t s = 1; used * s <= devices; ++s) {
      if (devices % (used * s) != 0 || extents[d] % s != 0) continue;
      cur.push_back(s);
      go(d + 1, used * s);
      cur.pop_back();
    }
  };
  go(0, 1);
  return out;
}

// The candidate strategies of a deciding op.
std::vector<ir::OpStrategy> candidatesOf(const ir::Graph& g, const ir::Op& op, int64_t devices) {
  std::vector<ir::OpStrategy> out;
  auto shape = [&](size_t i) { return g.value(op.operands[i]).type.shape; };
  if (op.kind == ir::OpKind::MatMul) {
    ir::Shape A = shape(0), B = shape(1);
    if (A.rank() < 2 || B.rank() < 2) return {{{Splits(A.rank(), 1), Splits(B.rank(), 1)}, 0}};
    std::vector<int64_t> dims = A.dims;
    dims.push_back(B.dims.back());
    for (const Splits& t : splitTuples(dims, devices)) {
      Splits sa(t.begin(), t.end() - 1), sb(B.rank(), 1);
      size_t batchB = B.rank() - 2, batchA = A.rank() - 2;
      for (size_t d = 0; d < batchB; ++d) {
        size_t ad = d + batchA - std::min(batchA, batchB);
        if (d + batchA >= batchB && ad < batchA && B.dims[d] == A.dims[ad]) sb[d] = sa[ad];
      }
      // A batch dim split in A that B broadcasts is fine; one B has and A splits differently is not generated.
      sb[B.rank() - 2] = sa[A.rank() - 1];
      sb[B.rank() - 1] = t.back();
      out.push_back({{sa, sb}, 0});
    }
  } else if (op.kind == ir::OpKind::Conv) {
    ir::Shape X = shape(0), W = shape(1);
    bool grouped = op.attrs.getInt("group", 1) != 1;
    for (const Splits& t : splitTuples({X.dims[0], grouped ? 1 : X.dims[1], grouped ? 1 : W.dims[0]}, devices)) {
      Splits sx(X.rank(), 1), sw(W.rank(), 1);
      sx[0] = t[0];
      sx[1] = sw[1] = t[1];
      sw[0] = t[2];
      out.push_back({{sx, sw}, 0});
    }
  } else if (op.kind == ir::OpKind::Gather) {
    ir::Shape D = shape(0), I = shape(1);
    std::vector<int64_t> dims = I.dims;
    dims.insert(dims.end(), D.dims.begin(), D.dims.end());
    for (const Splits& t : splitTuples(dims, devices))
      out.push_back({{Splits(t.begin() + long(I.rank()), t.end()), Splits(t.begin(), t.begin() + long(I.rank()))}, 0});
  }
  return out;
}


constexpr size_t kPlannedAxes = 4;

// An axis-by-axis estimate of a redistribution: partial sums first (all-reduce, or reduce-scatter when the axis
// splits a dim afterwards), then axes that move between dims (all-to-all), new splits (local copies), and last the
// gathers, each step priced on the local size at that point. Infeasible when `to` has partial sums `from` lacks.
double estimateRedistribution(const ir::TensorLayout& from, const ir::TensorLayout& to, double elementBytes,
                              const CommCostModel& comm) {
  const ir::DeviceMesh& mesh = from.mesh;
  auto role = [](const ir::TensorLayout& l, int a) {
    if (std::find(l.partialAxes.begin(), l.partialAxes.end(), a) != l.partialAxes.end()) return -1;
    for (size_t d = 0; d < l.dimAxes.size(); ++d)
      if (std::find(l.dimAxes[d].begin(), l.dimAxes[d].end(), a) != l.dimAxes[d].end()) return int(d);
    return -2;
  };
  double local = double(from.localShape().numElements()) * elementBytes, cost = 0;
  std::vector<int> rf(mesh.rank()), rt(mesh.rank());
  for (size_t a = 0; a < mesh.rank(); ++a) {
    rf[a] = role(from, int(a));
    rt[a] = role(to, int(a));
    if (rt[a] == -1 && rf[a] != -1) return kInfeasible;
  }
  for (int phase = 0; phase < 4; ++phase)
    for (size_t a = 0; a < mesh.rank(); ++a) {
      int64_t n = mesh.shape[a];
      if (n == 1 || rf[a] == rt[a]) continue;
      if (phase == 0 && rf[a] == -1) {
        cost += comm.cost(rt[a] >= 0 ? RedistKind::ReduceScatter : RedistKind::AllReduce, n, local);
        if (rt[a] >= 0) local /= double(n);
      } else if (phase == 1 && rf[a] >= 0 && rt[a] >= 0) {
        cost += comm.cost(RedistKind::AllToAll, n, local);
      } else if (phase == 2 && rf[a] == -2 && rt[a] >= 0) {
        cost += comm.cost(RedistKind::Split, n, local);
        local /= double(n);
      } else if (phase == 3 && rf[a] >= 0 && rt[a] == -2) {
        cost += comm.cost(RedistKind::AllGather, n, local);
        local *= double(n);
      }
    }
  return cost;
}

class Search {
 public:
  Search(const ir::Graph& g, const SearchOptions& o) : g_(g), o_(o) {}

  SearchResult run() {
    build();
    return choose();
  }

  std::vector<RankedStrategy> enumerate(double withinRatio, double limit) {
    build();
    if (graph_.searchSpace() > limit)
      ir::fail("{:.3g} complete strategies are too many to list (at most {:.3g})", graph_.searchSpace(), limit);
    std::vector<std::pair<double, Assignment>> all;
    Assignment a(graph_.numNodes(), 0);
    std::function<void(size_t)> go = [&](size_t k) {
      if (k == a.size()) {
        if (double c = totalCost(graph_, a); c != kInfeasible) all.push_back({c, a});
        return;
      }
      for (size_t c = 0; c < graph_.nodeCost[k].size(); ++c) {
        a[k] = c;
        go(k + 1);
      }
    };
    go(0);
    std::sort(all.begin(), all.end());
    std::vector<RankedStrategy> out;
    for (const auto& [cost, pick] : all) {
      if (cost > all.front().first * withinRatio) break;
      RankedStrategy r;
      r.estimatedCost = cost;
      for (size_t k = 0; k < nodes_.size(); ++k)
        if (!nodes_[k].fixed) r.strategies.ops[strategyKey(g_, g_.ops()[nodes_[k].op])] = nodes_[k].candidates[pick[k]];
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  void build() {
    const auto& ops = g_.ops();
    // Deciding ops and their candidates; a strategy already assigned is the only candidate.
    std::vector<ir::DeviceMesh> arrangements;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!decidesSplit(ops[i].kind)) continue;
      Node n;
      n.op = i;
      if (auto s = assignedStrategy(ops[i])) {
        n.fixed = true;
        n.candidates = {*s};
      } else {
        n.candidates = candidatesOf(g_, ops[i], o_.devices);
      }
      for (const auto& c : n.candidates) {
        n.decisions.push_back(applyShardingRule(g_, ops[i], c, o_.devices));
        arrangements.push_back(n.decisions.back().deviceMatrix);
      }
      nodeOf_[i] = nodes_.size();
      nodes_.push_back(std::move(n));
    }
    mesh_ = ir::refineMesh(o_.devices, arrangements);
    for (auto& n : nodes_) {
      for (auto& d : n.decisions) {
        for (auto& l : d.inputs) l = ir::onMesh(l, mesh_);
        d.output = ir::onMesh(d.output, mesh_);
      }
    }
    // Which node's pick lays out each value: a deciding op's result is its own; a follower's is its lead operand's.
    source_.assign(g_.numValues(), -1);
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      if (nodeOf_.count(i)) source_[size_t(op.results[0])] = int(nodeOf_[i]);
      else if (!op.operands.empty()) source_[size_t(op.results[0])] = source_[size_t(op.operands[leadOf(op)])];
    }
    for (const auto& n : nodes_) graph_.addNode(std::vector<double>(n.candidates.size(), 0.0));
    addCosts();
  }

  SearchResult choose() {
    const auto& ops = g_.ops();
    SearchResult r;
    Assignment a = solve(graph_, o_.algorithm);
    r.totalCost = totalCost(graph_, a);
    if (r.totalCost == kInfeasible) infeasible();
    r.nodes = graph_.numNodes();
    r.edges = graph_.edges.size();
    r.searchSpace = graph_.searchSpace();
    for (size_t k = 0; k < nodes_.size(); ++k) r.paramBytesPerRank += paramBytes_[{k, a[k]}];
    std::vector<std::vector<size_t>> incident(nodes_.size());
    for (size_t e = 0; e < graph_.edges.size(); ++e) {
      incident[graph_.edges[e].u].push_back(e);
      incident[graph_.edges[e].v].push_back(e);
    }
    for (size_t k = 0; k < nodes_.size(); ++k) {
      const Node& n = nodes_[k];
      const ir::Op& op = ops[n.op];
      OpChoice c;
      c.op = ir::describeOp(g_, op);
      c.key = strategyKey(g_, op);
      c.chosen = n.candidates[a[k]];
      c.fixed = n.fixed;
      c.ownCost = graph_.nodeCost[k][a[k]];
      c.nextBestTotal = kInfeasible;
      // The change in total cost of switching this op alone: its own cost and its edges'.
      auto localCost = [&](size_t pick) {
        double v = graph_.nodeCost[k][pick];
        for (size_t e : incident[k]) {
          const auto& edge = graph_.edges[e];
          v += edge.u == k ? edge.cost[pick][a[edge.v]] : edge.cost[a[edge.u]][pick];
        }
        return v;
      };
      double here = localCost(a[k]);
      for (size_t alt = 0; alt < n.candidates.size(); ++alt) {
        if (alt == a[k]) continue;
        double t = r.totalCost - here + localCost(alt);
        if (t < c.nextBestTotal) {
          c.nextBestTotal = t;
          c.nextBest = n.candidates[alt];
        }
      }
      if (!n.fixed) r.strategies.ops[c.key] = c.chosen;
      r.choices.push_back(c);
    }
    return r;
  }

  struct Node {
    size_t op = 0;
    bool fixed = false;
    std::vector<ir::OpStrategy> candidates;
    std::vector<ShardingDecision> decisions;
  };

  size_t leadOf(const ir::Op& op) const {
    const ir::Shape& out = g_.value(op.results[0]).type.shape;
    for (size_t k = 0; k < op.operands.size(); ++k)
      if (g_.value(op.operands[k]).type.shape == out && g_.value(op.operands[k]).role != ir::ValueRole::Param) return k;
    return 0;
  }

  bool follows(const ir::Op& op) const {
    return ir::opCategory(op.kind) != ir::OpCategory::Other || op.kind == ir::OpKind::Transpose ||
           op.kind == ir::OpKind::Reshape || op.kind == ir::OpKind::Softmax || isReduction(op.kind);
  }

  // The layout value v has when its source node picks candidate c (c is ignored for values without a source).
  const ir::TensorLayout& layoutOf(ir::ValueId v, size_t c) {
    auto key = std::make_pair(v, source_[size_t(v)] < 0 ? size_t(0) : c);
    if (auto it = layouts_.find(key); it != layouts_.end()) return it->second;
    ir::TensorLayout l = ir::TensorLayout::replicated(g_.value(v).type.shape, mesh_);
    ir::OpId p = producer(v);
    if (p != ir::kNoOp) {
      const ir::Op& op = g_.ops()[size_t(p)];
      if (nodeOf_.count(size_t(p))) l = nodes_[nodeOf_[size_t(p)]].decisions[c].output;
      else if (follows(op)) l = followerOutput(op, withoutPartial(layoutOf(op.operands[leadOf(op)], c)));
    }
    return layouts_[key] = l;
  }

  ir::OpId producer(ir::ValueId v) {
    if (producers_.empty()) producers_ = g_.producers();
    return producers_[size_t(v)];
  }

  ir::TensorLayout followerOutput(const ir::Op& op, const ir::TensorLayout& in) {
    const ir::Shape& out = g_.value(op.results[0]).type.shape;
    if (op.kind == ir::OpKind::Transpose) return transposedLayout(op, in, out);
    if (op.kind == ir::OpKind::Reshape) return reshapeLayouts(in, out).output;
    if (isReduction(op.kind)) return reducedLayout(op, in, out);
    if (in.shape == out) return in;
    return ir::TensorLayout::replicated(out, mesh_);
  }

  // What a follower needs of operand k, given its lead operand's layout.
  ir::TensorLayout followerNeeds(const ir::Op& op, size_t k, const ir::TensorLayout& lead) {
    const ir::Shape& s = g_.value(op.operands[k]).type.shape;
    if (op.kind == ir::OpKind::Reshape) return reshapeLayouts(lead, g_.value(op.results[0]).type.shape).input;
    if (k == leadOf(op)) return lead;
    ir::TensorLayout out = followerOutput(op, lead);
    return projectTo(out, s);
  }

  using Matrix = std::vector<std::vector<double>>;

  // The costs between every pair of layouts of two id lists; identical layers ask for the same lists, so each
  // distinct matrix is built once.
  const Matrix& pairMatrix(const std::vector<size_t>& from, const std::vector<size_t>& to, ir::DType t) {
    std::string key(reinterpret_cast<const char*>(from.data()), from.size() * sizeof(size_t));
    key += '|';
    key.append(reinterpret_cast<const char*>(to.data()), to.size() * sizeof(size_t));
    key += char(ir::dtypeSize(t));
    auto [it, added] = matrixMemo_.try_emplace(key);
    if (added) {
      it->second.assign(from.size(), std::vector<double>(to.size()));
      for (size_t a = 0; a < from.size(); ++a)
        for (size_t b = 0; b < to.size(); ++b) it->second[a][b] = pairCost(from[a], to[b], t);
    }
    return it->second;
  }

  size_t intern(const ir::TensorLayout& l) {
    std::string key = l.str();
    auto [it, added] = layoutIds_.emplace(key, interned_.size());
    if (added) interned_.push_back(l);
    return it->second;
  }

  // Identical layers ask the same questions: each distinct one is priced once.
  double pairCost(size_t from, size_t to, ir::DType t) {
    if (from == to) return 0;
    uint64_t key = (uint64_t(from) << 34) ^ (uint64_t(to) << 4) ^ uint64_t(ir::dtypeSize(t));
    if (auto it = pairMemo_.find(key); it != pairMemo_.end()) return it->second;
    return pairMemo_[key] = planUncached(interned_[from], interned_[to], t);
  }

  double planUncached(const ir::TensorLayout& from, const ir::TensorLayout& to, ir::DType t) {
    // The planner's state graph grows exponentially with the mesh's axes: past kPlannedAxes the cost is estimated
    // axis by axis instead.
    if (mesh_.rank() > kPlannedAxes) return estimateRedistribution(from, to, double(ir::dtypeSize(t)), o_.machine.comm);
    auto key = std::make_pair(from.shape.dims, int64_t(ir::dtypeSize(t)));
    auto& planner = planners_[key];
    if (!planner) planner = std::make_unique<RedistributionPlanner>(from.shape, mesh_, int64_t(ir::dtypeSize(t)), o_.machine.comm);
    auto plan = planner->tryPlan(from, to);
    return plan ? plan->cost : kInfeasible;
  }

  // Adds cost f(cs, ct) between source s and owner t (either may be -1: no choice).
  void addPair(int s, int t, const std::function<double(size_t, size_t)>& f) {
    if (s < 0 && t < 0) return;
    if (s == t) {
      for (size_t c = 0; c < nodes_[size_t(t)].candidates.size(); ++c) graph_.nodeCost[size_t(t)][c] += f(c, c);
    } else if (s < 0) {
      for (size_t c = 0; c < nodes_[size_t(t)].candidates.size(); ++c) graph_.nodeCost[size_t(t)][c] += f(0, c);
    } else if (t < 0) {
      for (size_t c = 0; c < nodes_[size_t(s)].candidates.size(); ++c) graph_.nodeCost[size_t(s)][c] += f(c, 0);
    } else {
      auto key = std::make_pair(size_t(s), size_t(t));
      auto& m = edgeCosts_[key];
      size_t ns = nodes_[size_t(s)].candidates.size(), nt = nodes_[size_t(t)].candidates.size();
      if (m.empty()) m.assign(ns, std::vector<double>(nt, 0.0));
      for (size_t a = 0; a < ns; ++a)
        for (size_t b = 0; b < nt; ++b) m[a][b] += f(a, b);
    }
  }

  double computeTime(const ir::Op& op, const std::vector<ir::TensorLayout>& ins, const ir::TensorLayout& out) {
    double bytes = double(bytesOf(out.localShape(), g_.value(op.results[0]).type.dtype));
    for (size_t k = 0; k < ins.size(); ++k) bytes += double(bytesOf(ins[k].localShape(), g_.value(op.operands[k]).type.dtype));
    double flops = 0;
    ir::Shape y = out.localShape();
    if (op.kind == ir::OpKind::MatMul) {
      ir::Shape a = ins[0].localShape();
      flops = 2.0 * double(y.numElements()) * double(a.dims.back());
    } else if (op.kind == ir::OpKind::Conv) {
      ir::Shape w = ins[1].localShape();
      flops = 2.0 * double(y.numElements()) * double(w.numElements() / std::max<int64_t>(w.dims[0], 1));
    }
    return flops / o_.machine.peakFlops + bytes / o_.machine.comm.memoryBandwidth;
  }

  void addCosts() {
    const auto& ops = g_.ops();
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      bool deciding = nodeOf_.count(i) > 0;
      int owner = deciding ? int(nodeOf_[i]) : (op.operands.empty() ? -1 : source_[size_t(op.operands[leadOf(op)])]);
      if (deciding) {
        Node& n = nodes_[size_t(owner)];
        for (size_t c = 0; c < n.candidates.size(); ++c) {
          const ShardingDecision& d = n.decisions[c];
          graph_.nodeCost[size_t(owner)][c] += computeTime(op, d.inputs, d.output);
          int64_t params = 0;
          for (size_t k = 0; k < op.operands.size(); ++k)
            if (g_.value(op.operands[k]).role == ir::ValueRole::Param)
              params += bytesOf(d.inputs[k].localShape(), g_.value(op.operands[k]).type.dtype);
          paramBytes_[{size_t(owner), c}] = params;
          if (o_.memoryLimit > 0 && params > o_.memoryLimit) graph_.nodeCost[size_t(owner)][c] = kInfeasible;
        }
      } else if (owner >= 0 && follows(op)) {
        // A follower's own work: its local result's bytes.
        for (size_t c = 0; c < nodes_[size_t(owner)].candidates.size(); ++c)
          graph_.nodeCost[size_t(owner)][c] +=
              double(bytesOf(layoutOf(op.results[0], c).localShape(), g_.value(op.results[0]).type.dtype)) /
              o_.machine.comm.memoryBandwidth;
      }
      for (size_t k = 0; k < op.operands.size(); ++k) {
        ir::ValueId x = op.operands[k];
        if (g_.value(x).role == ir::ValueRole::Param) continue;  // stored as its consumer needs it
        ir::DType t = g_.value(x).type.dtype;
        int s = source_[size_t(x)];
        // The layouts on each side, interned once per candidate; the pairs are then priced by id.
        size_t ns = s < 0 ? 1 : nodes_[size_t(s)].candidates.size();
        size_t nt = owner < 0 ? 1 : nodes_[size_t(owner)].candidates.size();
        std::vector<size_t> fromIds(ns), needIds(nt);
        for (size_t cs = 0; cs < ns; ++cs) fromIds[cs] = intern(layoutOf(x, cs));
        for (size_t ct = 0; ct < nt; ++ct) {
          ir::TensorLayout need;
          if (deciding) need = nodes_[nodeOf_[i]].decisions[ct].inputs[k];
          else if (follows(op)) need = followerNeeds(op, k, withoutPartial(layoutOf(op.operands[leadOf(op)], ct)));
          else need = ir::TensorLayout::replicated(g_.value(x).type.shape, mesh_);
          needIds[ct] = intern(need);
        }
        const Matrix& m = pairMatrix(fromIds, needIds, t);
        addPair(s, owner, [&](size_t cs, size_t ct) { return m[s < 0 ? 0 : cs][owner < 0 ? 0 : ct]; });
      }
    }
    for (ir::ValueId v : g_.outputs()) {
      int s = source_[size_t(v)];
      size_t whole = intern(ir::TensorLayout::replicated(g_.value(v).type.shape, mesh_));
      ir::DType t = g_.value(v).type.dtype;
      addPair(s, -1, [&, v, t, whole](size_t cs, size_t) { return pairCost(intern(layoutOf(v, cs)), whole, t); });
    }
    for (auto& [key, m] : edgeCosts_) graph_.addEdge(key.first, key.second, std::move(m));
  }

  [[noreturn]] void infeasible() {
    int64_t least = 0;
    for (size_t k = 0; k < nodes_.size(); ++k) {
      int64_t best = -1;
      for (size_t c = 0; c < nodes_[k].candidates.size(); ++c) {
        int64_t b = paramBytes_[{k, c}];
        if (best < 0 || b < best) best = b;
      }
      least += std::max<int64_t>(best, 0);
    }
    ir::fail("no strategy fits the memory limit of {} bytes per rank: the smallest parameter share any strategy "
             "reaches is {} bytes per rank", o_.memoryLimit, least);
  }

  const ir::Graph& g_;
  const SearchOptions& o_;
  std::vector<Node> nodes_;
  std::map<size_t, size_t> nodeOf_;
  ir::DeviceMesh mesh_;
  std::vector<int> source_;
  std::vector<ir::OpId> producers_;
  std::map<std::pair<ir::ValueId, size_t>, ir::TensorLayout> layouts_;
  std::map<std::pair<std::vector<int64_t>, int64_t>, std::unique_ptr<RedistributionPlanner>> planners_;
  std::map<std::pair<size_t, size_t>, std::vector<std::vector<double>>> edgeCosts_;
  std::map<std::pair<size_t, size_t>, int64_t> paramBytes_;
  std::unordered_map<std::string, size_t> layoutIds_;
  std::vector<ir::TensorLayout> interned_;
  std::unordered_map<uint64_t, double> pairMemo_;
  std::unordered_map<std::string, Matrix> matrixMemo_;
  CostGraph graph_;
};

}  // namespace

bool decidesSplit(ir::OpKind kind) {
  return kind == ir::OpKind::MatMul || kind == ir::OpKind::Conv || kind == ir::OpKind::Gather;
}

SearchResult searchStrategies(const ir::Graph& g, const SearchOptions& options) { return Search(g, options).run(); }

std::vector<RankedStrategy> enumerateStrategies(const ir::Graph& g, const SearchOptions& options, double withinRatio,
                                                double limit) {
  return Search(g, options).enumerate(withinRatio, limit);
}

}  // namespace shardc::passes
