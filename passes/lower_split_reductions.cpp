// lower-split-reductions: reductions that cannot be left as partial sums, over dims split across ranks.
//
// A ReduceMax / ReduceMin over a split dim reduces its local part, then one all-reduce (max / min) over the mesh
// axes that split the reduced dims finishes it. A Softmax over a split axis becomes the stable formula with
// both reductions across ranks:
//   m = AllReduce[max](ReduceMax(x, axis))   e = Exp(x - m)   y = e / AllReduce[sum](ReduceSum(e, axis))
// The sum is left partial; insert-redistribution adds its all-reduce when the Div asks for the whole value.
// Each rank thus sends two values per softmax line instead of gathering the lines.
#include <algorithm>
#include <optional>

#include "ir/type_inference.h"
#include "passes/parallel_plan.h"
#include "passes/sharding_rules.h"

namespace shardc::passes {
namespace {

int64_t normalise(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

// The mesh axes that split the dims `axes` (empty = all) of `l`, sorted.
std::vector<int> axesSplitting(const ir::TensorLayout& l, std::vector<int64_t> axes) {
  for (auto& a : axes) a = normalise(a, l.shape.rank());
  std::vector<int> mesh;
  for (size_t d = 0; d < l.dimAxes.size(); ++d)
    if (axes.empty() || std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end())
      mesh.insert(mesh.end(), l.dimAxes[d].begin(), l.dimAxes[d].end());
  std::sort(mesh.begin(), mesh.end());
  return mesh;
}

class Lowering {
 public:
  Lowering(ir::Graph& g, ParallelPlan& plan) : g_(g), plan_(plan) {}

  void run() {
    std::vector<ir::Op> ops = g_.ops();
    for (size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = ops[i];
      const ir::TensorLayout& in = plan_.required[i][0];
      bool isExtreme = op.kind == ir::OpKind::ReduceMax || op.kind == ir::OpKind::ReduceMin;
      if (isExtreme && !axesSplitting(in, op.attrs.getInts("axes")).empty()) {
        lowerExtreme(op, in);
      } else if (op.kind == ir::OpKind::Softmax &&
                 !axesSplitting(in, {op.attrs.getInt("axis", -1)}).empty()) {
        lowerSoftmax(op, in);
      } else {
        keep(op, plan_.required[i]);
      }
    }
    g_.setOps(std::move(ops_));
    plan_.required = std::move(required_);
  }

 private:
  void keep(const ir::Op& op, std::vector<ir::TensorLayout> required) {
    ops_.push_back(op);
    required_.push_back(std::move(required));
  }

  // Appends an op whose operands have the layouts `req`, producing `resultLayout` (into a new value or `into`).
  ir::ValueId emit(ir::OpKind kind, std::vector<ir::ValueId> operands, std::vector<ir::TensorLayout> req,
                   const std::string& resultName, ir::Attributes attrs, const std::string& opName,
                   const ir::TensorLayout& resultLayout, std::optional<ir::ValueId> into = std::nullopt) {
    ir::Op op;
    op.kind = kind;
    op.name = opName;
    op.operands = std::move(operands);
    op.attrs = std::move(attrs);
    ir::ValueId r = into ? *into : g_.addResultValue(resultName, ir::inferResultTypes(g_, op)[0]);
    op.results = {r};
    plan_.layouts.resize(g_.numValues());
    plan_.layouts[size_t(r)] = resultLayout;
    keep(op, std::move(req));
    return r;
  }

  // The local max (or min) into a new value, the all-reduce into `result`. The local value is given the layout of
  // the finished one: it has its shape on every rank, and only the all-reduce reads it.
  void lowerExtreme(const ir::Op& op, const ir::TensorLayout& in) {
    ir::ValueId result = op.results[0];
    ir::TensorLayout done = *plan_.layouts[size_t(result)];
    ir::Op local = op;
    ir::ValueId part = g_.addResultValue(g_.value(result).name + ".local", g_.value(result).type);
    local.results = {part};
    plan_.layouts.resize(g_.numValues());
    plan_.layouts[size_t(part)] = done;
    keep(local, {in});
    allReduce(part, op.kind == ir::OpKind::ReduceMax ? "max" : "min", axesSplitting(in, op.attrs.getInts("axes")),
              op.name, result);
  }

  void allReduce(ir::ValueId v, const std::string& reduce, const std::vector<int>& axes, const std::string& opName,
                 ir::ValueId into) {
    ir::Attributes a;
    int64_t n = 1;
    std::vector<int64_t> axes64;
    for (int x : axes) {
      axes64.push_back(x);
      n *= plan_.mesh.shape[size_t(x)];
    }
    a.set("axes", axes64);
    a.set("group_size", n);
    a.set("reduce", reduce);
    const ir::TensorLayout& l = *plan_.layouts[size_t(v)];
    emit(ir::OpKind::AllReduce, {v}, {l}, "", a, opName, l, into);
  }

  void lowerSoftmax(const ir::Op& op, const ir::TensorLayout& in) {
    ir::ValueId x = op.operands[0], y = op.results[0];
    const std::string base = g_.value(y).name;  // a copy: adding values moves them
    int64_t axis = normalise(op.attrs.getInt("axis", -1), in.shape.rank());
    ir::Attributes along;
    along.set("axes", std::vector<int64_t>{axis});
    along.set("keepdims", int64_t{1});
    ir::Op probe;  // the reductions' layouts: the axis becomes 1 and stops being split
    probe.kind = ir::OpKind::ReduceMax;
    probe.attrs = along;
    ir::Shape lineShape = in.shape;
    lineShape.dims[size_t(axis)] = 1;
    ir::TensorLayout line = reducedLayout(probe, in, lineShape);
    probe.kind = ir::OpKind::ReduceSum;
    ir::TensorLayout partialSum = reducedLayout(probe, in, lineShape);

    // The first op keeps the softmax's strategy, so the job's final strategies still list it.
    ir::Attributes alongWithStrategy = along;
    for (const char* a : {"strategy", "strategy_ranks"})
      if (op.attrs.has(a)) alongWithStrategy.set(a, op.attrs.getInts(a));
    ir::ValueId localMax = emit(ir::OpKind::ReduceMax, {x}, {in}, base + ".max.local", alongWithStrategy, op.name, line);
    ir::ValueId max = g_.addResultValue(base + ".max", g_.value(localMax).type);
    allReduce(localMax, "max", axesSplitting(in, {axis}), op.name, max);
    ir::ValueId shifted = emit(ir::OpKind::Sub, {x, max}, {in, line}, base + ".shifted", {}, op.name, in);
    ir::ValueId e = emit(ir::OpKind::Exp, {shifted}, {in}, base + ".exp", {}, op.name, in);
    ir::ValueId sum = emit(ir::OpKind::ReduceSum, {e}, {in}, base + ".sum", along, op.name, partialSum);
    // The Div needs the sum whole: insert-redistribution adds it up across ranks.
    ops_.push_back({});
    ops_.back().kind = ir::OpKind::Div;
    ops_.back().name = op.name;
    ops_.back().operands = {e, sum};
    ops_.back().results = {y};
    required_.push_back({in, line});
  }

  ir::Graph& g_;
  ParallelPlan& plan_;
  std::vector<ir::Op> ops_;
  std::vector<std::vector<ir::TensorLayout>> required_;
};

}  // namespace

void lowerSplitReductions(ir::Graph& g, ParallelPlan& plan) { Lowering(g, plan).run(); }

}  // namespace shardc::passes
