// canonicalize: rewrites the imported graph into the small form later passes expect.
//  - Gemm becomes Transpose/MatMul/Mul/Add, Flatten becomes Reshape, a Conv's bias an Add after it;
//  - ops whose operands are all parameters are evaluated now (shape arithmetic, transposed weights) and become
//    parameters; a parameter transposed for its only user keeps its name, so strategy and checkpoint entries
//    keyed by it still apply;
//  - Identity ops are bypassed and ops nobody uses are dropped.
#include <algorithm>

#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/type_inference.h"
#include "passes/pass.h"

namespace shardc::passes {
namespace {
using ir::Graph;
using ir::Op;
using ir::OpKind;
using ir::ValueId;

// Parameters larger than this are not produced by folding: a fold must not blow up the weight file.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 26;

ValueId scalarParam(Graph& g, const std::string& base, ir::DType dtype, double v) {
  return g.addParam(g.uniqueName(base), ir::Tensor::fromDoubles(dtype, ir::Shape{}, {v}));
}

// Appends to `out` the ops that compute Gemm `op`, the last of them producing op's own result.
void lowerGemm(Graph& g, const Op& op, std::vector<Op>& out) {
  const std::string base = g.value(op.results[0]).name;  // a copy: adding values moves the names
  ir::DType dtype = g.value(op.operands[0]).type.dtype;
  std::vector<Op> local;
  auto add = [&](OpKind kind, std::vector<ValueId> operands, const std::string& suffix, ir::Attributes attrs = {}) {
    Op o;
    o.kind = kind;
    o.name = op.name;
    o.operands = std::move(operands);
    o.attrs = std::move(attrs);
    // Types are filled at once: later steps of the lowering and folding read them.
    o.results = {g.addResultValue(base + suffix, ir::inferResultTypes(g, o)[0])};
    local.push_back(o);
    return o.results[0];
  };
  ValueId a = op.operands[0], b = op.operands[1];
  if (op.attrs.getInt("transA", 0)) {
    ir::Attributes at;
    at.set("perm", std::vector<int64_t>{1, 0});
    a = add(OpKind::Transpose, {a}, ".a_t", at);
  }
  if (op.attrs.getInt("transB", 0)) {
    ir::Attributes at;
    at.set("perm", std::vector<int64_t>{1, 0});
    b = add(OpKind::Transpose, {b}, ".b_t", at);
  }
  ValueId y = add(OpKind::MatMul, {a, b}, ".matmul");
  double alpha = op.attrs.getFloat("alpha", 1.0), beta = op.attrs.getFloat("beta", 1.0);
  if (alpha != 1.0) y = add(OpKind::Mul, {y, scalarParam(g, base + ".alpha", dtype, alpha)}, ".scaled");
  if (op.operands.size() == 3 && beta != 0.0) {
    ValueId c = op.operands[2];
    if (beta != 1.0) c = add(OpKind::Mul, {c, scalarParam(g, base + ".beta", dtype, beta)}, ".c_scaled");
    y = add(OpKind::Add, {y, c}, ".biased");
  }
  // The last op takes over the Gemm's result value (its name and its uses).
  Op& last = local.back();
  ValueId dropped = last.results[0];
  last.results[0] = op.results[0];
  g.value(op.results[0]).type = g.value(dropped).type;
  for (auto& o : local) out.push_back(o);
}

// Conv's bias becomes an Add after it, so that a Conv split over input channels leaves a plain partial sum (the
// bias added once, after the sum) and the Add fuses with what follows (batch norm, activation).
void lowerConvBias(Graph& g, const Op& op, std::vector<Op>& out) {
  const std::string base = g.value(op.results[0]).name;
  ValueId bias = op.operands[2];
  size_t rank = g.value(op.operands[0]).type.shape.rank();
  Op conv = op;
  conv.operands.pop_back();
  conv.results = {g.addResultValue(base + ".conv", ir::inferResultTypes(g, conv)[0])};
  Op reshape;
  reshape.kind = OpKind::Reshape;
  reshape.name = op.name;
  reshape.operands = {bias};
  std::vector<int64_t> dims{g.value(bias).type.shape.dims[0]};
  dims.resize(rank - 1, 1);
  reshape.attrs.set("shape", dims);
  reshape.results = {g.addResultValue(base + ".bias", ir::inferResultTypes(g, reshape)[0])};
  Op add;
  add.kind = OpKind::Add;
  add.name = op.name;
  add.operands = {conv.results[0], reshape.results[0]};
  add.results = op.results;
  out.push_back(conv);
  out.push_back(reshape);
  out.push_back(add);
}

void lowerFlatten(Graph& g, Op& op) {
  const ir::TensorType t = ir::inferResultTypes(g, op)[0];
  if (!t.shape.isStatic()) throw ir::Error(ir::describeOp(g, op) + ": needs a static input shape");
  op.kind = OpKind::Reshape;
  op.attrs = {};
  op.attrs.set("shape", t.shape.dims);
}

bool allParamsWithData(const Graph& g, const Op& op) {
  return !op.operands.empty() && std::all_of(op.operands.begin(), op.operands.end(), [&](ValueId v) {
    return g.value(v).role == ir::ValueRole::Param && g.value(v).data;
  });
}

// Evaluates `op` (whose operands are parameters) and turns its result into a parameter.
void fold(Graph& g, const Op& op, const std::vector<int>& uses) {
  Graph mini;
  std::vector<ValueId> ins;
  for (ValueId v : op.operands) ins.push_back(mini.addParam(g.value(v).name, *g.value(v).data));
  ValueId r = mini.addOp1(op.kind, ins, "r", op.attrs, op.name);
  mini.value(r).type = ir::inferResultTypes(mini, mini.ops()[0])[0];
  mini.setOutputs({r});
  ir::Tensor t = ir::interpret(mini, {})[0];
  ValueId result = op.results[0];
  ir::Value& v = g.value(result);
  v.role = ir::ValueRole::Param;
  v.type = t.type();
  v.data = std::make_shared<const ir::Tensor>(std::move(t));
  // A weight transposed or reshaped for its only user keeps the weight's name.
  ValueId src = op.operands[0];
  if ((op.kind == OpKind::Transpose || op.kind == OpKind::Reshape) && uses[static_cast<size_t>(src)] == 1) {
    std::string name = g.value(src).name;
    g.rename(src, name + (op.kind == OpKind::Transpose ? ".untransposed" : ".unreshaped"));
    g.rename(result, name);
  }
}

}  // namespace

void runCanonicalize(Graph& g) {
  // Lowering.
  std::vector<Op> lowered;
  for (Op op : g.ops()) {
    if (op.kind == OpKind::Gemm) {
      lowerGemm(g, op, lowered);
      continue;
    }
    if (op.kind == OpKind::Conv && op.operands.size() == 3) {
      lowerConvBias(g, op, lowered);
      continue;
    }
    if (op.kind == OpKind::Flatten) lowerFlatten(g, op);
    lowered.push_back(op);
  }
  g.setOps(lowered);

  // Folding and Identity bypass, in program order so that folded results feed later folds.
  std::vector<ValueId> replacement(g.numValues());
  for (size_t i = 0; i < replacement.size(); ++i) replacement[i] = static_cast<ValueId>(i);
  std::vector<int> uses = g.useCounts();
  std::vector<Op> kept;
  std::vector<ValueId> newParams;
  for (Op op : g.ops()) {
    for (ValueId& v : op.operands) v = replacement[static_cast<size_t>(v)];
    if (op.kind == OpKind::Identity) {
      replacement[static_cast<size_t>(op.results[0])] = op.operands[0];
      continue;
    }
    if (op.results.size() == 1 && allParamsWithData(g, op)) {
      ir::TensorType t = ir::inferResultTypes(g, op)[0];
      if (t.shape.isStatic() && t.shape.numElements() <= kMaxFoldedElements) {
        fold(g, op, uses);
        newParams.push_back(op.results[0]);
        continue;
      }
    }
    kept.push_back(op);
  }
  std::vector<ValueId> outputs = g.outputs();
  for (ValueId& v : outputs) {
    ValueId r = replacement[static_cast<size_t>(v)];
    // An output must stay a distinct named value: keep an Identity when bypassing would rename it.
    if (r != v) {
      Op id;
      id.kind = OpKind::Identity;
      id.operands = {r};
      id.results = {v};
      kept.push_back(id);
    }
  }
  g.setOps(kept);
  for (ValueId p : newParams) g.adoptAsParam(p);

  // Dead ops, back to front.
  std::vector<bool> live(g.numValues(), false);
  for (ValueId v : g.outputs()) live[static_cast<size_t>(v)] = true;
  std::vector<Op> reversed;
  for (auto it = g.ops().rbegin(); it != g.ops().rend(); ++it) {
    bool needed = std::any_of(it->results.begin(), it->results.end(),
                              [&](ValueId r) { return live[static_cast<size_t>(r)]; });
    if (!needed) continue;
    for (ValueId v : it->operands) live[static_cast<size_t>(v)] = true;
    reversed.push_back(*it);
  }
  g.setOps(std::vector<Op>(reversed.rbegin(), reversed.rend()));
  g.pruneParams();
  runShapeInference(g);
}

}  // namespace shardc::passes
