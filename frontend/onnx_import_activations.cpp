// Activations that ONNX defines by a formula, imported as that formula over the ir's elementwise ops (which fuse
// back into one loop): each matches the operator's definition in ONNX's reference implementation.
//   Clip  < 11: `min`/`max` attributes; from 11 optional scalar inputs
//   Dropout  < 7: `is_test`; from 12 inputs ratio and training_mode. Inference only: the output is the input
//   Gelu from 20 (`approximate`: none or tanh); LogSoftmax < 13 coerces to 2-D like Softmax
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "frontend/onnx_import_context.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

// Builds one node's formula: x's element type for every scalar, the last op defining the node's output.
struct Formula {
  NodeContext& c;
  ir::DType t;
  ValueId k(double v) { return c.scalar(t, v); }
  ValueId op(OpKind kind, std::vector<ValueId> in, ir::Attributes a = {}) { return c.emit(kind, std::move(in), std::move(a)); }
  void out(OpKind kind, std::vector<ValueId> in, ir::Attributes a = {}) { c.emitOutput(kind, std::move(in), std::move(a)); }
};

Formula formula(NodeContext& c, size_t minInputs = 1, size_t maxInputs = 1) {
  c.expectInputs(minInputs, maxInputs);
  ir::DType t = c.typeOf(c.requiredInput(0)).dtype;
  return Formula{c, t};
}

void clip(NodeContext& c) {
  Formula f = formula(c, 1, c.opset() >= 11 ? 3 : 1);
  ValueId x = c.requiredInput(0);
  ValueId lo = kAbsent, hi = kAbsent;
  if (c.opset() < 11) {
    if (c.attr("min")) lo = f.k(c.floatAttr("min", 0));
    if (c.attr("max")) hi = f.k(c.floatAttr("max", 0));
  } else {
    lo = c.input(1);
    hi = c.input(2);
    for (ValueId v : {lo, hi})
      if (v != kAbsent && c.typeOf(v).shape.numElements() != 1)
        c.error(fmt::format("bound '{}' ({}) must be a scalar", c.nameOf(v), c.typeOf(v).str()));
  }
  // Min(Max(x, lo), hi): NaN stays NaN, and lo > hi gives hi, as numpy's clip.
  if (lo != kAbsent) x = f.op(OpKind::Max, {x, lo});
  if (hi != kAbsent) x = f.op(OpKind::Min, {x, hi});
  c.defineOutputAs(x, c.outputName());
}

// Where(x < 0, negative(x), x) and the like.
void leakyRelu(NodeContext& c) {
  Formula f = formula(c);
  ValueId x = c.requiredInput(0);
  ValueId neg = f.op(OpKind::Less, {x, f.k(0)});
  f.out(OpKind::Where, {neg, f.op(OpKind::Mul, {x, f.k(c.floatAttr("alpha", 0.01))}), x});
}

void prelu(NodeContext& c) {
  Formula f = formula(c, 2, 2);
  ValueId x = c.requiredInput(0), slope = c.requiredInput(1);
  // Before opset 7 a slope of C values is per channel (dim 1), not numpy-broadcast from the end.
  const ir::Shape xs = c.typeOf(x).shape, ss = c.typeOf(slope).shape;
  if (c.opset() < 7 && ss.rank() == 1 && xs.rank() > 2 && ss.dims[0] == xs.dims[1] && ss.dims[0] != 1) {
    std::vector<int64_t> dims{ss.dims[0]};
    dims.resize(xs.rank() - 1, 1);
    ir::Attributes a;
    a.set("shape", dims);
    slope = f.op(OpKind::Reshape, {slope}, a);
  }
  ValueId neg = f.op(OpKind::Less, {x, f.k(0)});
  f.out(OpKind::Where, {neg, f.op(OpKind::Mul, {x, slope}), x});
}

void elu(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  ValueId neg = f.op(OpKind::Less, {x, f.k(0)});
  ValueId em1 = f.op(OpKind::Sub, {f.op(OpKind::Exp, {x}), f.k(1)});
  f.out(OpKind::Where, {neg, f.op(OpKind::Mul, {em1, f.k(c.floatAttr("alpha", 1.0))}), x});
}

void selu(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  double alpha = c.floatAttr("alpha", 1.67326319217681884765625), gamma = c.floatAttr("gamma", 1.05070102214813232421875);
  ValueId pos = f.op(OpKind::Greater, {x, f.k(0)});
  ValueId negPart = f.op(OpKind::Sub, {f.op(OpKind::Mul, {f.op(OpKind::Exp, {x}), f.k(alpha)}), f.k(alpha)});
  ValueId y = f.op(OpKind::Where, {pos, x, negPart});
  f.out(OpKind::Mul, {y, f.k(gamma)});
}

void celu(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  double alpha = c.floatAttr("alpha", 1.0);
  // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
  ValueId e = f.op(OpKind::Sub, {f.op(OpKind::Exp, {f.op(OpKind::Div, {x, f.k(alpha)})}), f.k(1)});
  ValueId neg = f.op(OpKind::Min, {f.op(OpKind::Mul, {e, f.k(alpha)}), f.k(0)});
  f.out(OpKind::Add, {f.op(OpKind::Max, {x, f.k(0)}), neg});
}

void thresholdedRelu(NodeContext& c) {
  Formula f = formula(c);
  ValueId x = c.requiredInput(0);
  ValueId above = f.op(OpKind::Greater, {x, f.k(c.floatAttr("alpha", 1.0))});
  f.out(OpKind::Where, {above, x, f.k(0)});
}

ValueId hardSigmoidOf(Formula& f, ValueId x, double alpha, double beta) {
  ValueId lin = f.op(OpKind::Add, {f.op(OpKind::Mul, {x, f.k(alpha)}), f.k(beta)});
  return f.op(OpKind::Max, {f.op(OpKind::Min, {lin, f.k(1)}), f.k(0)});
}

void hardSigmoid(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId y = hardSigmoidOf(f, c.requiredInput(0), c.floatAttr("alpha", 0.2), c.floatAttr("beta", 0.5));
  c.defineOutputAs(y, c.outputName());
}

void hardSwish(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  f.out(OpKind::Mul, {x, hardSigmoidOf(f, x, 1.0 / 6.0, 0.5)});
}

void softplus(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  f.out(OpKind::Log, {f.op(OpKind::Add, {f.op(OpKind::Exp, {c.requiredInput(0)}), f.k(1)})});
}

void softsign(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  f.out(OpKind::Div, {x, f.op(OpKind::Add, {f.op(OpKind::Abs, {x}), f.k(1)})});
}

void gelu(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  const onnx::AttributeProto* a = c.attr("approximate");
  std::string mode = a ? a->s() : "none";
  ValueId inner = kAbsent;
  if (mode == "none") {
    inner = f.op(OpKind::Erf, {f.op(OpKind::Mul, {x, f.k(1.0 / std::sqrt(2.0))})});
  } else if (mode == "tanh") {
    ValueId cube = f.op(OpKind::Mul, {f.op(OpKind::Mul, {x, x}), x});
    ValueId poly = f.op(OpKind::Add, {x, f.op(OpKind::Mul, {cube, f.k(0.044715)})});
    inner = f.op(OpKind::Tanh, {f.op(OpKind::Mul, {poly, f.k(std::sqrt(2.0 / M_PI))})});
  } else {
    c.unsupportedAttr("approximate", mode);
  }
  ValueId half = f.op(OpKind::Mul, {x, f.k(0.5)});
  f.out(OpKind::Mul, {half, f.op(OpKind::Add, {inner, f.k(1)})});
}

void dropout(NodeContext& c) {
  c.expectInputs(1, c.opset() >= 12 ? 3 : 1);
  c.expectOutputs(1, 2);
  ValueId x = c.requiredInput(0);
  if (c.opset() < 7 && c.intAttr("is_test", 0) == 0)
    c.unsupportedAttr("is_test", "0 (training: shardc compiles inference)");
  if (ValueId mode = c.input(2); mode != kAbsent) {
    std::optional<ir::Tensor> m = c.constant(mode);
    if (!m) c.unsupportedAttr("training_mode", "<computed at run time>");
    if (m->numElements() != 1) c.error("training_mode must be a scalar");
    if (m->elementAsInt(0) != 0) c.unsupportedAttr("training_mode", "true (shardc compiles inference)");
  }
  c.emitOutput(OpKind::Identity, {x});
  if (std::string mask = c.outputName(1); !mask.empty()) {
    const ir::Shape& s = c.staticShape(x);
    // The mask keeps every element; before opset 10 it has the input's type.
    ir::DType mt = c.opset() < 10 ? c.typeOf(x).dtype : ir::DType::boolean;
    std::vector<double> ones(static_cast<size_t>(s.numElements()), 1.0);
    c.defineOutputAs(c.constantValue(ir::Tensor::fromDoubles(mt, s, ones)), mask);
  }
}

// x - max - log(sum(exp(x - max))) along `axis`.
ValueId logSoftmaxAlong(Formula& f, ValueId x, int64_t axis) {
  ir::Attributes along;
  along.set("axes", std::vector<int64_t>{axis});
  along.set("keepdims", int64_t{1});
  ValueId shifted = f.op(OpKind::Sub, {x, f.op(OpKind::ReduceMax, {x}, along)});
  ValueId lse = f.op(OpKind::Log, {f.op(OpKind::ReduceSum, {f.op(OpKind::Exp, {shifted})}, along)});
  return f.op(OpKind::Sub, {shifted, lse});
}

void logSoftmax(NodeContext& c) {
  Formula f = formula(c);
  requireFloat(c, f.t);
  ValueId x = c.requiredInput(0);
  size_t rank = c.typeOf(x).shape.rank();
  if (c.opset() >= 13) {
    c.defineOutputAs(logSoftmaxAlong(f, x, c.normaliseAxis(c.intAttr("axis", -1), rank)), c.outputName());
    return;
  }
  // Before opset 13 the input is seen as 2-D at `axis` (default 1), as Softmax.
  int64_t axis = c.normaliseAxis(c.intAttr("axis", 1), rank, /*allowEnd=*/true);
  if (rank > 0 && axis == static_cast<int64_t>(rank) - 1) {
    c.defineOutputAs(logSoftmaxAlong(f, x, axis), c.outputName());
    return;
  }
  const ir::Shape& s = c.staticShape(x);
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < rank; ++d) (static_cast<int64_t>(d) < axis ? outer : inner) *= s.dims[d];
  ir::Attributes flat, back;
  flat.set("shape", std::vector<int64_t>{outer, inner});
  back.set("shape", s.dims);
  ValueId y = logSoftmaxAlong(f, f.op(OpKind::Reshape, {x}, flat), 1);
  f.out(OpKind::Reshape, {y}, back);
}

}  // namespace

void addActivationImporters(ImporterTable& t) {
  t["Clip"] = clip;
  t["LeakyRelu"] = leakyRelu;
  t["PRelu"] = prelu;
  t["Elu"] = elu;
  t["Selu"] = selu;
  t["Celu"] = celu;
  t["ThresholdedRelu"] = thresholdedRelu;
  t["HardSigmoid"] = hardSigmoid;
  t["HardSwish"] = hardSwish;
  t["Softplus"] = softplus;
  t["Softsign"] = softsign;
  t["Gelu"] = gelu;
  t["Dropout"] = dropout;
  t["LogSoftmax"] = logSoftmax;
}

}  // namespace shardc::frontend::onnx_import
