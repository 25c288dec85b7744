// insert-redistribution: collectives wherever a value's layout is not what its consumer needs.
#include <map>

#include "ir/error.h"
#include "passes/parallel_plan.h"
#include "passes/redistribution.h"

namespace shardc::passes {
namespace {

ir::Attributes collectiveAttrs(const RedistStep& s, const ir::DeviceMesh& mesh) {
  ir::Attributes a;
  a.set("axes", std::vector<int64_t>{s.axis});
  a.set("group_size", mesh.shape[size_t(s.axis)]);
  if (s.dim >= 0) a.set("dim", int64_t{s.dim});
  if (s.toDim >= 0) a.set("to_dim", int64_t{s.toDim});
  return a;
}

ir::OpKind collectiveKind(RedistKind k) {
  switch (k) {
    case RedistKind::Split: return ir::OpKind::ShardSlice;
    case RedistKind::AllGather: return ir::OpKind::AllGather;
    case RedistKind::AllToAll: return ir::OpKind::AllToAll;
    case RedistKind::AllReduce: return ir::OpKind::AllReduce;
    case RedistKind::ReduceScatter: return ir::OpKind::ReduceScatter;
    case RedistKind::Reshape: break;
  }
  throw ir::Error("internal error: a reshape step inside a same-shape redistribution");
}

class Inserter {
 public:
  Inserter(ir::Graph& g, ParallelPlan& plan) : g_(g), plan_(plan) {}

  // Appends to `out` the collectives taking v to layout `to`; returns the value that has it.
  ir::ValueId convert(ir::ValueId v, const ir::TensorLayout& to, const std::string& opName, std::vector<ir::Op>& out,
                      std::vector<std::vector<ir::TensorLayout>>& required) {
    const ir::TensorLayout& from = *plan_.layouts[size_t(v)];
    if (from == to) return v;
    auto key = std::make_pair(to, v);
    for (const auto& [k, done] : converted_)
      if (k.second == v && k.first == to) return done;
    RedistPlan p = planner(from).plan(from, to);
    ir::ValueId cur = v;
    for (const RedistStep& s : p.steps) {
      ir::Op op;
      op.kind = collectiveKind(s.kind);
      op.name = opName;
      op.operands = {cur};
      op.attrs = collectiveAttrs(s, plan_.mesh);
      // Collectives keep the global type; partition gives every value its local one.
      ir::ValueId r = g_.addResultValue(g_.value(v).name + "." + redistKindName(s.kind), g_.value(v).type);
      op.results = {r};
      plan_.layouts.resize(g_.numValues());
      plan_.layouts[size_t(r)] = s.after;
      required.push_back({*plan_.layouts[size_t(cur)]});
      out.push_back(op);
      cur = r;
    }
    converted_.push_back({key, cur});
    return cur;
  }

  void run() {
    std::vector<ir::Op> out;
    std::vector<std::vector<ir::TensorLayout>> required;
    for (size_t i = 0; i < g_.ops().size(); ++i) {
      ir::Op op = g_.ops()[i];
      for (size_t k = 0; k < op.operands.size(); ++k)
        op.operands[k] = convert(op.operands[k], plan_.required[i][k], op.name, out, required);
      std::vector<ir::TensorLayout> req;
      for (ir::ValueId v : op.operands) req.push_back(*plan_.layouts[size_t(v)]);
      required.push_back(req);
      out.push_back(op);
    }
    // Outputs leave whole; the value that does keeps the output's name.
    std::vector<ir::ValueId> outputs = g_.outputs();
    for (ir::ValueId& v : outputs) {
      ir::TensorLayout whole = ir::TensorLayout::replicated(g_.value(v).type.shape, plan_.mesh);
      ir::ValueId w = convert(v, whole, "output", out, required);
      if (w != v) {
        std::string name = g_.value(v).name;
        g_.rename(v, name + ".sharded");
        g_.rename(w, name);
        v = w;
      }
    }
    g_.setOps(out);
    g_.setOutputs(outputs);
    plan_.required = required;
  }

 private:
  RedistributionPlanner& planner(const ir::TensorLayout& l) {
    std::string key = l.shape.str() + l.mesh.str();
    auto it = planners_.find(key);
    if (it == planners_.end())
      it = planners_.emplace(key, std::make_unique<RedistributionPlanner>(
                                      l.shape, l.mesh, 4)).first;
    return *it->second;
  }

  ir::Graph& g_;
  ParallelPlan& plan_;
  std::map<std::string, std::unique_ptr<RedistributionPlanner>> planners_;
  std::vector<std::pair<std::pair<ir::TensorLayout, ir::ValueId>, ir::ValueId>> converted_;
};

}  // namespace

void insertRedistribution(ir::Graph& g, ParallelPlan& plan) { Inserter(g, plan).run(); }

}  // namespace shardc::passes
