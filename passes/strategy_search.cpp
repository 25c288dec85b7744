#include "passes/strategy_search.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/type_inference.h"
#include "passes/assign_strategies.h"
#include "passes/broadcast_layout.h"
#include "passes/repeated_blocks.h"
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

// The role of each mesh axis in a layout: the dim it splits, or kPartial, or kReplicated.
constexpr int8_t kPartial = -1, kReplicated = -2;
std::vector<int8_t> axisRoles(const ir::TensorLayout& l) {
  std::vector<int8_t> role(l.mesh.rank(), kReplicated);
  for (int a : l.partialAxes) role[size_t(a)] = kPartial;
  for (size_t d = 0; d < l.dimAxes.size(); ++d)
    for (int a : l.dimAxes[d]) role[size_t(a)] = int8_t(d);
  return role;
}

// An axis-by-axis estimate of a redistribution: partial sums first (all-reduce, or reduce-scatter when the axis
// splits a dim afterwards), then axes that move between dims (all-to-all), new splits (local copies), and last the
// gathers, each step priced on the local size at that point. Infeasible when `to` has partial sums `from` lacks.
double estimateRedistribution(const std::vector<int8_t>& rf, const std::vector<int8_t>& rt, const ir::DeviceMesh& mesh,
                              double localBytes, const CommCostModel& comm) {
  double local = localBytes, cost = 0;
  for (size_t a = 0; a < rf.size(); ++a)
    if (rt[a] == kPartial && rf[a] != kPartial) return kInfeasible;
  for (int phase = 0; phase < 4; ++phase)
    for (size_t a = 0; a < rf.size(); ++a) {
      int64_t n = mesh.shape[a];
      if (n == 1 || rf[a] == rt[a]) continue;
      if (phase == 0 && rf[a] == kPartial) {
        cost += comm.cost(rt[a] >= 0 ? RedistKind::ReduceScatter : RedistKind::AllReduce, n, local);
        if (rt[a] >= 0) local /= double(n);
      } else if (phase == 1 && rf[a] >= 0 && rt[a] >= 0) {
        cost += comm.cost(RedistKind::AllToAll, n, local);
      } else if (phase == 2 && rf[a] == kReplicated && rt[a] >= 0) {
        cost += comm.cost(RedistKind::Split, n, local);
        local /= double(n);
      } else if (phase == 3 && rf[a] >= 0 && rt[a] == kReplicated) {
        cost += comm.cost(RedistKind::AllGather, n, local);
        local *= double(n);
      }
    }
  return cost;
}

class Search {
  // An op's candidate strategies and what each means; shared by identical ops.
  struct Choices {
    size_t op = 0;  // the first op that has them
    std::vector<ir::OpStrategy> candidates;
    std::vector<ShardingDecision> decisions;
    std::vector<int64_t> paramBytes;  // per candidate: the op's parameters' bytes per rank
  };
  struct Node {
    size_t op = 0;
    bool fixed = false;
    std::shared_ptr<Choices> choices;
  };

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
      r.memoryBytes = memoryOf(pick).total();
      for (size_t k = 0; k < nodes_.size(); ++k)
        if (!nodes_[k].fixed) r.strategies.ops[strategyKey(g_, g_.ops()[nodes_[k].op])] = nodes_[k].choices->candidates[pick[k]];
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  void build() {
    const auto& ops = g_.ops();
    blocks_ = findRepeatedBlocks(g_);
    // Deciding ops and their candidates (identical ops share them); a strategy already assigned is the only one.
    std::map<std::string, std::shared_ptr<Choices>> distinct;
    for (size_t i = 0; i < ops.size(); ++i) {
      nodesBefore_.push_back(nodes_.size());
      if (!decidesSplit(ops[i].kind)) continue;
      Node n;
      n.op = i;
      std::optional<ir::OpStrategy> assigned = assignedStrategy(ops[i]);
      n.fixed = assigned.has_value();
      auto& c = distinct[choicesKey(ops[i])];
      if (!c) {
        c = std::make_shared<Choices>();
        c->op = i;
        c->candidates = assigned ? std::vector<ir::OpStrategy>{*assigned} : candidatesOf(g_, ops[i], o_.devices);
        for (const auto& s : c->candidates) c->decisions.push_back(applyShardingRule(g_, ops[i], s, o_.devices));
      }
      n.choices = c;
      nodeOf_[i] = nodes_.size();
      nodes_.push_back(std::move(n));
    }
    std::vector<ir::DeviceMesh> arrangements;
    for (const auto& [key, c] : distinct)
      for (const auto& d : c->decisions) arrangements.push_back(d.deviceMatrix);
    mesh_ = ir::refineMesh(o_.devices, arrangements);
    for (auto& [key, c] : distinct) {
      const ir::Op& op = ops[c->op];
      for (auto& d : c->decisions) {
        for (auto& l : d.inputs) l = ir::onMesh(l, mesh_);
        d.output = ir::onMesh(d.output, mesh_);
        int64_t params = 0;
        for (size_t k = 0; k < op.operands.size(); ++k)
          if (g_.value(op.operands[k]).role == ir::ValueRole::Param)
            params += bytesOf(d.inputs[k].localShape(), g_.value(op.operands[k]).type.dtype);
        c->paramBytes.push_back(params);
      }
    }
    // Which node's pick lays out each value: a deciding op's result is its own; a follower's is its lead operand's.
    source_.assign(g_.numValues(), -1);
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      if (nodeOf_.count(i)) source_[size_t(op.results[0])] = int(nodeOf_[i]);
      else if (!op.operands.empty()) source_[size_t(op.results[0])] = source_[size_t(op.operands[leadOf(op)])];
    }
    for (const auto& n : nodes_) graph_.addNode(std::vector<double>(n.choices->candidates.size(), 0.0));
    addCosts();
  }

  // Ops with equal keys have the same candidates and decisions.
  std::string choicesKey(const ir::Op& op) const {
    std::string k(ir::opKindName(op.kind));
    for (const auto& [name, a] : op.attrs.all()) k += fmt::format(" {}={}", name, ir::formatAttribute(a));
    for (ir::ValueId v : op.operands)
      k += fmt::format(" {}{}", g_.value(v).role == ir::ValueRole::Param ? "param " : "", g_.value(v).type.str());
    return k + " -> " + g_.value(op.results[0]).type.str();
  }

  SearchResult choose() {
    const auto& ops = g_.ops();
    SearchResult r;
    Assignment a = solve(graph_, o_.algorithm);
    if (o_.memoryLimit > 0 && memoryOf(a).total() > o_.memoryLimit) a = fitMemory();
    r.totalCost = totalCost(graph_, a);
    if (r.totalCost == kInfeasible) ir::fail("no strategy is feasible: every one needs a redistribution the planner cannot make");
    r.nodes = graph_.numNodes();
    r.edges = graph_.edges.size();
    r.searchSpace = graph_.searchSpace();
    r.blocks = blocks_.segments.size();
    r.blockClasses = blocks_.classes;
    r.repeatedOps = repeatedOps_;
    Memory m = memoryOf(a);
    r.paramBytesPerRank = m.params;
    r.activationBytesPerRank = m.activations;
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
      c.chosen = n.choices->candidates[a[k]];
      c.fixed = n.fixed;
      c.ownCost = graph_.nodeCost[k][a[k]];
      c.nextBestTotal = kInfeasible;
      // The change in total cost of switching this op alone: its own cost and its edges'.
      auto localCost = [&](size_t pick) {
        double v = graph_.nodeCost[k][pick];
        for (size_t e : incident[k]) {
          const auto& edge = graph_.edges[e];
          v += edge.u == k ? edge.cost(pick, a[edge.v]) : edge.cost(a[edge.u], pick);
        }
        return v;
      };
      double here = localCost(a[k]);
      c.computeCost = computeCost_[k].empty() ? 0 : computeCost_[k][a[k]];
      c.communicationCost = here - c.computeCost;
      for (size_t alt = 0; alt < n.choices->candidates.size(); ++alt) {
        if (alt == a[k]) continue;
        double t = r.totalCost - here + localCost(alt);
        if (t < c.nextBestTotal) {
          c.nextBestTotal = t;
          c.nextBest = n.choices->candidates[alt];
        }
      }
      if (!n.fixed) r.strategies.ops[c.key] = c.chosen;
      r.choices.push_back(c);
    }
    return r;
  }

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
      if (nodeOf_.count(size_t(p))) l = nodes_[nodeOf_[size_t(p)]].choices->decisions[c].output;
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

  using Matrix = CostMatrix;

  // The costs between every pair of layouts of two id lists; identical layers ask for the same lists, so each
  // distinct matrix is built once.
  std::shared_ptr<const Matrix> pairMatrix(const std::vector<size_t>& from, const std::vector<size_t>& to, ir::DType t) {
    std::string key(reinterpret_cast<const char*>(from.data()), from.size() * sizeof(size_t));
    key += '|';
    key.append(reinterpret_cast<const char*>(to.data()), to.size() * sizeof(size_t));
    key += char(ir::dtypeSize(t));
    auto [it, added] = matrixMemo_.try_emplace(key);
    if (added) {
      // Many candidates give one layout: each distinct row and column is priced once.
      auto m = std::make_shared<Matrix>(from.size(), std::vector<double>(to.size()));
      std::unordered_map<size_t, size_t> firstRow, firstColumn;
      std::vector<size_t> columns;  // the first column of each distinct layout in `to`
      for (size_t b = 0; b < to.size(); ++b)
        if (firstColumn.emplace(to[b], b).second) columns.push_back(b);
      for (size_t a = 0; a < from.size(); ++a) {
        auto [row, fresh] = firstRow.emplace(from[a], a);
        if (!fresh) {
          (*m)[a] = (*m)[row->second];
          continue;
        }
        for (size_t b : columns) (*m)[a][b] = pairCost(from[a], to[b], t);
        for (size_t b = 0; b < to.size(); ++b) (*m)[a][b] = (*m)[a][firstColumn[to[b]]];
      }
      it->second = std::move(m);
    }
    return it->second;
  }

  size_t intern(const ir::TensorLayout& l) {
    std::string key = l.str();
    auto [it, added] = layoutIds_.emplace(key, interned_.size());
    if (added) {
      interned_.push_back(l);
      roles_.push_back(axisRoles(l));
      localElements_.push_back(double(l.localShape().numElements()));
    }
    return it->second;
  }

  // Identical layers ask the same questions: each distinct one is priced once. Past kPlannedAxes mesh axes the
  // estimate is cheaper than a look-up.
  double pairCost(size_t from, size_t to, ir::DType t) {
    if (from == to) return 0;
    if (mesh_.rank() > kPlannedAxes)
      return estimateRedistribution(roles_[from], roles_[to], mesh_, localElements_[from] * double(ir::dtypeSize(t)),
                                    o_.machine.comm);
    uint64_t key = (uint64_t(from) << 34) ^ (uint64_t(to) << 4) ^ uint64_t(ir::dtypeSize(t));
    if (auto it = pairMemo_.find(key); it != pairMemo_.end()) return it->second;
    return pairMemo_[key] = planUncached(interned_[from], interned_[to], t);
  }

  // The planner's state graph grows exponentially with the mesh's axes: it is used up to kPlannedAxes.
  double planUncached(const ir::TensorLayout& from, const ir::TensorLayout& to, ir::DType t) {
    auto key = std::make_pair(from.shape.dims, int64_t(ir::dtypeSize(t)));
    auto& planner = planners_[key];
    if (!planner) planner = std::make_unique<RedistributionPlanner>(from.shape, mesh_, int64_t(ir::dtypeSize(t)), o_.machine.comm);
    auto plan = planner->tryPlan(from, to);
    return plan ? plan->cost : kInfeasible;
  }

  // What one op adds to the cost graph: a matrix on the edge from node s to node t, or costs on node t's picks.
  // Kept per op so that the ops of a repeated block add their first copy's parts instead of pricing again.
  struct Part {
    int s = -1, t = -1;
    std::shared_ptr<const Matrix> edge;
    std::vector<double> unary;
    bool compute = false;  // the unary costs are local work, not redistribution
  };
  struct OpCosts {
    std::vector<int> ends;  // the nodes it touches: its owner, then each operand's source (-1: none)
    std::vector<Part> parts;
  };

  // The parts of a matrix m between source s and owner t (either may be -1: no choice).
  void addPair(std::vector<Part>& parts, int s, int t, const std::shared_ptr<const Matrix>& m) {
    if (s < 0 && t < 0) return;
    const Matrix& mm = *m;
    if (s >= 0 && t >= 0 && s != t) {
      parts.push_back({s, t, m, {}});
      return;
    }
    Part p;
    p.t = t < 0 ? s : t;
    p.unary.resize(nodes_[size_t(p.t)].choices->candidates.size());
    for (size_t c = 0; c < p.unary.size(); ++c) p.unary[c] = s == t ? mm[c][c] : s < 0 ? mm[0][c] : mm[c][0];
    parts.push_back(std::move(p));
  }

  void apply(const std::vector<Part>& parts, int shift) {
    for (const Part& p : parts) {
      if (p.edge) {
        edgeParts_[{size_t(p.s + shift), size_t(p.t + shift)}].push_back(p.edge);
      } else {
        auto& costs = graph_.nodeCost[size_t(p.t + shift)];
        for (size_t c = 0; c < costs.size(); ++c) costs[c] += p.unary[c];
        if (p.compute) {
          auto& work = computeCost_[size_t(p.t + shift)];
          work.resize(costs.size());
          for (size_t c = 0; c < costs.size(); ++c) work[c] += p.unary[c];
        }
      }
    }
  }

  // Op i repeats op j of an earlier identical block when it touches the nodes j touches, shifted by the nodes in
  // between, each with the same candidates, all in its own block or the one before.
  bool repeats(size_t i, size_t j, const std::vector<int>& ends) const {
    const std::vector<int>& there = opCosts_[j].ends;
    int shift = int(nodesBefore_[i]) - int(nodesBefore_[j]);
    if (ends.size() != there.size()) return false;
    for (size_t k = 0; k < ends.size(); ++k) {
      if ((ends[k] < 0) != (there[k] < 0)) return false;
      if (ends[k] < 0) continue;
      if (ends[k] != there[k] + shift || nodes_[size_t(ends[k])].choices != nodes_[size_t(there[k])].choices) return false;
      if (blocks_.segmentOf[nodes_[size_t(ends[k])].op] + 1 < blocks_.segmentOf[i]) return false;
    }
    return true;
  }

  double computeTime(const ir::Op& op, const std::vector<ir::TensorLayout>& ins, const ir::TensorLayout& out) {
    std::vector<ir::Shape> local;
    for (const auto& l : ins) local.push_back(l.localShape());
    return opComputeSeconds(g_, op, local, out.localShape(), o_.machine);
  }

  void addCosts() {
    const auto& ops = g_.ops();
    opCosts_.resize(ops.size());
    computeCost_.resize(nodes_.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      bool deciding = nodeOf_.count(i) > 0;
      int owner = deciding ? int(nodeOf_[i]) : (op.operands.empty() ? -1 : source_[size_t(op.operands[leadOf(op)])]);
      std::vector<int> ends{owner};
      for (ir::ValueId x : op.operands) ends.push_back(g_.value(x).role == ir::ValueRole::Param ? -1 : source_[size_t(x)]);
      long j = blocks_.copiedOp(i);
      if (j >= 0 && o_.reuseRepeatedBlocks && repeats(i, size_t(j), ends)) {
        apply(opCosts_[size_t(j)].parts, int(nodesBefore_[i]) - int(nodesBefore_[size_t(j)]));
        ++repeatedOps_;
        continue;
      }
      OpCosts& here = opCosts_[i];
      here.ends = ends;
      if (deciding) {
        const Choices& ch = *nodes_[size_t(owner)].choices;
        Part p;
        p.t = owner;
        p.compute = true;
        for (size_t c = 0; c < ch.candidates.size(); ++c) {
          const ShardingDecision& d = ch.decisions[c];
          p.unary.push_back(computeTime(op, d.inputs, d.output));
        }
        here.parts.push_back(std::move(p));
      } else if (owner >= 0 && follows(op)) {
        // A follower's own work: its local result's bytes.
        Part p;
        p.t = owner;
        p.compute = true;
        for (size_t c = 0; c < nodes_[size_t(owner)].choices->candidates.size(); ++c)
          p.unary.push_back(double(bytesOf(layoutOf(op.results[0], c).localShape(), g_.value(op.results[0]).type.dtype)) /
                            o_.machine.comm.memoryBandwidth);
        here.parts.push_back(std::move(p));
      }
      for (size_t k = 0; k < op.operands.size(); ++k) {
        ir::ValueId x = op.operands[k];
        if (g_.value(x).role == ir::ValueRole::Param) continue;  // stored as its consumer needs it
        ir::DType t = g_.value(x).type.dtype;
        int s = source_[size_t(x)];
        // The layouts on each side, interned once per candidate; the pairs are then priced by id.
        size_t ns = s < 0 ? 1 : nodes_[size_t(s)].choices->candidates.size();
        size_t nt = owner < 0 ? 1 : nodes_[size_t(owner)].choices->candidates.size();
        std::vector<size_t> fromIds(ns), needIds(nt);
        for (size_t cs = 0; cs < ns; ++cs) fromIds[cs] = intern(layoutOf(x, cs));
        for (size_t ct = 0; ct < nt; ++ct) {
          ir::TensorLayout need;
          if (deciding) need = nodes_[nodeOf_[i]].choices->decisions[ct].inputs[k];
          else if (follows(op)) need = followerNeeds(op, k, withoutPartial(layoutOf(op.operands[leadOf(op)], ct)));
          else need = ir::TensorLayout::replicated(g_.value(x).type.shape, mesh_);
          needIds[ct] = intern(need);
        }
        addPair(here.parts, s, owner, pairMatrix(fromIds, needIds, t));
      }
      apply(here.parts, 0);
    }
    std::vector<Part> outputs;
    for (ir::ValueId v : g_.outputs()) {
      int s = source_[size_t(v)];
      size_t ns = s < 0 ? 1 : nodes_[size_t(s)].choices->candidates.size();
      std::vector<size_t> fromIds(ns);
      for (size_t cs = 0; cs < ns; ++cs) fromIds[cs] = intern(layoutOf(v, cs));
      addPair(outputs, s, -1, pairMatrix(fromIds, {intern(ir::TensorLayout::replicated(g_.value(v).type.shape, mesh_))}, g_.value(v).type.dtype));
    }
    apply(outputs, 0);
    // An edge with one part shares its matrix; sums of the same parts (identical layers) are made once.
    std::map<std::vector<const Matrix*>, std::shared_ptr<const Matrix>> sums;
    for (auto& [key, parts] : edgeParts_) {
      if (parts.size() == 1) {
        graph_.addEdge(key.first, key.second, parts[0]);
        continue;
      }
      std::vector<const Matrix*> ids;
      for (const auto& p : parts) ids.push_back(p.get());
      auto& sum = sums[ids];
      if (!sum) {
        auto m = std::make_shared<Matrix>(*parts[0]);
        for (size_t q = 1; q < parts.size(); ++q)
          for (size_t a = 0; a < m->size(); ++a)
            for (size_t b = 0; b < (*m)[a].size(); ++b) (*m)[a][b] += (*parts[q])[a][b];
        sum = std::move(m);
      }
      graph_.addEdge(key.first, key.second, sum);
    }
  }

  struct Memory {
    int64_t params = 0, activations = 0;
    int64_t total() const { return params + activations; }
  };

  // Per rank under assignment a: every parameter's local share (once, however many ops read it; a follower's
  // as its lead operand's layout slices it) and the peak of activations, estimated as the largest working set of
  // one op (its non-parameter operands and its results).
  Memory memoryOf(const Assignment& a) {
    const auto& ops = g_.ops();
    auto pick = [&](ir::ValueId v) { return source_[size_t(v)] < 0 ? size_t(0) : a[size_t(source_[size_t(v)])]; };
    std::unordered_map<ir::ValueId, int64_t> params;
    Memory m;
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      auto node = nodeOf_.find(i);
      int64_t working = 0;
      for (size_t k = 0; k < op.operands.size(); ++k) {
        ir::ValueId v = op.operands[k];
        ir::DType t = g_.value(v).type.dtype;
        if (g_.value(v).role != ir::ValueRole::Param) {
          working += bytesOf(layoutOf(v, pick(v)).localShape(), t);
          continue;
        }
        int64_t bytes = bytesOf(g_.value(v).type.shape, t);
        if (node != nodeOf_.end())
          bytes = bytesOf(nodes_[node->second].choices->decisions[a[node->second]].inputs[k].localShape(), t);
        else if (follows(op) && !op.operands.empty()) {
          ir::ValueId lead = op.operands[leadOf(op)];
          bytes = bytesOf(followerNeeds(op, k, withoutPartial(layoutOf(lead, pick(lead)))).localShape(), t);
        }
        params.emplace(v, bytes);
      }
      for (ir::ValueId r : op.results) working += bytesOf(layoutOf(r, pick(r)).localShape(), g_.value(r).type.dtype);
      m.activations = std::max(m.activations, working);
    }
    for (const auto& [v, bytes] : params) m.params += bytes;
    return m;
  }

  // The cheapest assignment within the memory limit, by Lagrangian relaxation: each pick's parameter bytes are
  // priced at lambda seconds a byte, lambda raised until the answer fits and then bisected down to the cheapest
  // one that does. At the largest lambda the search minimises memory alone: when even that does not fit, the error
  // says what it reaches.
  Assignment fitMemory() {
    const auto base = graph_.nodeCost;
    auto solveAt = [&](double lambda) {
      for (size_t k = 0; k < nodes_.size(); ++k)
        for (size_t c = 0; c < base[k].size(); ++c)
          graph_.nodeCost[k][c] = base[k][c] + lambda * double(nodes_[k].choices->paramBytes[c]);
      Assignment x = solve(graph_, o_.algorithm);
      graph_.nodeCost = base;
      return x;
    };
    auto fits = [&](const Assignment& x) {
      return totalCost(graph_, x) < kInfeasible && memoryOf(x).total() <= o_.memoryLimit;
    };
    // A byte first costs what reading it once does; up to 8^24 times that, where bytes outweigh any time.
    double lo = 0, hi = 1 / o_.machine.comm.memoryBandwidth;
    Assignment best = solveAt(hi);
    for (int step = 0; !fits(best); ++step) {
      if (step == 24) {
        Memory m = memoryOf(best);
        ir::fail("no strategy fits the memory limit of {} bytes per rank: the least any strategy needs is {} bytes "
                 "per rank ({} of parameters, {} of activations)",
                 o_.memoryLimit, m.total(), m.params, m.activations);
      }
      lo = hi;
      hi *= 8;
      best = solveAt(hi);
    }
    for (int step = 0; step < 12 && lo > 0; ++step) {
      double mid = std::sqrt(lo * hi);
      Assignment x = solveAt(mid);
      if (fits(x)) hi = mid, best = std::move(x);
      else lo = mid;
    }
    return best;
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
  std::map<std::pair<size_t, size_t>, std::vector<std::shared_ptr<const Matrix>>> edgeParts_;
  RepeatedBlocks blocks_;
  std::vector<size_t> nodesBefore_;  // per op: the nodes of the ops before it
  std::vector<OpCosts> opCosts_;
  std::vector<std::vector<double>> computeCost_;  // per node and pick: the compute parts of its own cost
  size_t repeatedOps_ = 0;
  std::unordered_map<std::string, size_t> layoutIds_;
  std::vector<ir::TensorLayout> interned_;
  std::vector<std::vector<int8_t>> roles_;  // per interned layout
  std::vector<double> localElements_;       // per interned layout
  std::unordered_map<uint64_t, double> pairMemo_;
  std::unordered_map<std::string, std::shared_ptr<const Matrix>> matrixMemo_;
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
