// Per-operator import: each ONNX operator, at every opset from 6 to 23, normalised to the ir's fixed semantics
// (ir/op_kind.h). The changes between opsets that matter here (ONNX's Changelog.md):
//   Add/Sub/Mul/Div  < 7: broadcasting opt-in (`broadcast`), B aligned at `axis` of A; >= 7 numpy broadcasting
//   Gemm             < 7: `broadcast` for C; < 11: C required; attrs alpha, beta, transA, transB throughout
//   Flatten          < 11: axis in [0, r]; >= 11 also negative
//   Reshape          < 5: `shape` attribute; >= 5 an input; >= 14 `allowzero`
//   Softmax          < 13: the input coerced to 2-D at `axis` (default 1); >= 13 one axis (default -1)
//   ReduceSum        < 13: `axes` attribute; >= 13 an optional input and `noop_with_empty_axes`
//   ReduceMean       < 18: `axes` attribute; >= 18 an optional input and `noop_with_empty_axes`
//   ReduceMax/Min    as ReduceMean
//   Max/Min          < 8: no broadcasting (numpy broadcasting accepts those models too); any number of inputs
//   Pow              >= 12: the exponent's type may differ (cast to the base's; integer bases via f64)
//   Concat           < 4: axis default 1; >= 4 required; >= 11 also negative
//   Constant         `value`; >= 12 also value_float(s), value_int(s) (value_string(s), sparse_value refused)
#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_import_context.h"
#include "frontend/onnx_tensor.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

// Integer values computed at import time from constants are kept only while small: they are shapes and axes.
constexpr int64_t kMaxFoldedElements = 4096;

bool isIntegral(ir::DType t) { return ir::isSignedInt(t) || ir::isUnsignedInt(t); }

void unary(NodeContext& c, OpKind kind) {
  c.expectInputs(1, 1);
  c.emitOutput(kind, {c.requiredInput(0)});
}

void identity(NodeContext& c) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  ValueId y = c.emitOutput(OpKind::Identity, {x});
  if (auto known = c.constant(x); known && isIntegral(known->dtype()) && known->numElements() <= kMaxFoldedElements)
    c.recordKnownValue(y, *known);
}

}  // namespace

void requireFloat(const NodeContext& c, ir::DType t) {
  if (!ir::isFloat(t)) ir::unsupported("{}: element type {} is not supported (floats only)", c.describe(), ir::dtypeName(t));
}

void binary(NodeContext& c, OpKind kind) {
  c.expectInputs(2, 2);
  ValueId a = c.requiredInput(0), b = c.requiredInput(1);
  // Before opset 7, broadcasting was opt-in: with broadcast=1, B's dims line up with A's starting at `axis`
  // (without `axis`, at the end, which is what numpy does too).
  if (c.opset() < 7 && c.intAttr("broadcast", 0) != 0 && c.attr("axis")) {
    const ir::Shape& sa = c.typeOf(a).shape;
    const ir::Shape& sb = c.typeOf(b).shape;
    int64_t axis = c.normaliseAxis(c.intAttr("axis", 0), sa.rank());
    int64_t trailing = static_cast<int64_t>(sa.rank()) - axis - static_cast<int64_t>(sb.rank());
    if (trailing < 0)
      c.unsupportedAttr("axis", fmt::format("{} (B {} does not fit in A {} from that axis)", c.intAttr("axis", 0),
                                            sb.str(), sa.str()));
    if (trailing > 0) {
      const ir::Shape& staticB = c.staticShape(b);
      std::vector<int64_t> dims = staticB.dims;
      dims.insert(dims.end(), static_cast<size_t>(trailing), 1);
      ir::Attributes r;
      r.set("shape", dims);
      b = c.emit(OpKind::Reshape, {b}, r);
    }
  }
  c.emitOutput(kind, {a, b});
}

namespace {

// Pow: from opset 12 the exponent's type may differ from the base's. A float base takes the exponent cast to its
// type; an integer base is raised in f64 (exact while the result fits 53 bits) and cast back, as numpy's power
// gives the base's type.
void pow(NodeContext& c) {
  c.expectInputs(2, 2);
  ValueId base = c.requiredInput(0), exponent = c.requiredInput(1);
  ir::DType bt = c.typeOf(base).dtype, et = c.typeOf(exponent).dtype;
  auto cast = [&](ValueId v, ir::DType to) {
    if (c.typeOf(v).dtype == to) return v;
    ir::Attributes a;
    a.set("to", std::string(ir::dtypeName(to)));
    return c.emit(OpKind::Cast, {v}, a);
  };
  if (bt == ir::DType::boolean || et == ir::DType::boolean)
    c.unsupportedAttr("T1/T2", fmt::format("{}/{}", ir::dtypeName(bt), ir::dtypeName(et)));
  if (ir::isFloat(bt)) {
    c.emitOutput(OpKind::Pow, {base, cast(exponent, bt)});
    return;
  }
  ValueId r = c.emit(OpKind::Pow, {cast(base, ir::DType::f64), cast(exponent, ir::DType::f64)});
  ir::Attributes back;
  back.set("to", std::string(ir::dtypeName(bt)));
  c.emitOutput(OpKind::Cast, {r}, back);
}

// Max and Min take any number of inputs (numpy-broadcast together): a chain of binary ops; one input is a copy.
void variadic(NodeContext& c, OpKind kind) {
  c.expectInputs(1, 1 << 20);
  size_t n = c.numInputs();
  if (n == 1) {
    c.emitOutput(OpKind::Identity, {c.requiredInput(0)});
    return;
  }
  ValueId acc = c.requiredInput(0);
  for (size_t i = 1; i + 1 < n; ++i) acc = c.emit(kind, {acc, c.requiredInput(i)});
  c.emitOutput(kind, {acc, c.requiredInput(n - 1)});
}

// Mean of any number of inputs: their sum divided by the count.
void mean(NodeContext& c) {
  c.expectInputs(1, 1 << 20);
  ValueId acc = c.requiredInput(0);
  for (size_t i = 1; i < c.numInputs(); ++i) acc = c.emit(OpKind::Add, {acc, c.requiredInput(i)});
  ir::DType t = c.typeOf(acc).dtype;
  c.emitOutput(OpKind::Div, {acc, c.scalar(t, static_cast<double>(c.numInputs()))});
}

void matmul(NodeContext& c) {
  c.expectInputs(2, 2);
  c.emitOutput(OpKind::MatMul, {c.requiredInput(0), c.requiredInput(1)});
}

void gemm(NodeContext& c) {
  // C is required before opset 11; accepting it optional everywhere loses nothing. `broadcast` (opset < 7) only
  // allowed what numpy broadcasting of C allows anyway.
  c.expectInputs(2, 3);
  ir::Attributes a;
  a.set("alpha", c.floatAttr("alpha", 1.0));
  a.set("beta", c.floatAttr("beta", 1.0));
  a.set("transA", c.intAttr("transA", 0) != 0 ? int64_t{1} : int64_t{0});
  a.set("transB", c.intAttr("transB", 0) != 0 ? int64_t{1} : int64_t{0});
  std::vector<ValueId> operands{c.requiredInput(0), c.requiredInput(1)};
  if (ValueId bias = c.input(2); bias != kAbsent) operands.push_back(bias);
  c.emitOutput(OpKind::Gemm, operands, a);
}

void flatten(NodeContext& c) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  ir::Attributes a;
  a.set("axis", c.normaliseAxis(c.intAttr("axis", 1), c.typeOf(x).shape.rank(), /*allowEnd=*/true));
  c.emitOutput(OpKind::Flatten, {x}, a);
}

}  // namespace

std::vector<int64_t> constantInts(NodeContext& c, ValueId v, const std::string& what) {
  std::optional<ir::Tensor> t = c.constant(v);
  if (!t) c.unsupportedAttr(what, "<computed at run time>");
  if (!isIntegral(t->dtype()))
    c.error(fmt::format("input '{}' ({}) must be an integer tensor", c.nameOf(v), t->type().str()));
  if (t->shape().rank() > 1) c.error(fmt::format("input '{}' ({}) must be 1-D", c.nameOf(v), t->type().str()));
  return t->toInts();
}

namespace {

void reshape(NodeContext& c) {
  std::vector<int64_t> target;
  bool allowZero = false;
  if (c.opset() < 5) {
    c.expectInputs(1, 1);
    auto s = c.intsAttr("shape");
    if (!s) c.error("has no 'shape' attribute");
    target = *s;
  } else {
    c.expectInputs(2, 2);
    target = constantInts(c, c.requiredInput(1), "shape");
    allowZero = c.opset() >= 14 && c.intAttr("allowzero", 0) != 0;
  }
  ValueId x = c.requiredInput(0);
  const ir::Shape& in = c.typeOf(x).shape;
  std::string targetText = fmt::format("[{}]", fmt::join(target, ","));
  // 0 copies the input's dim at that position (unless allowzero=1, when it is a real 0); one -1 is inferred.
  int64_t inferAt = -1, known = 1;
  bool hasZero = false;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0) {
      hasZero = true;
      if (!allowZero) {
        if (i >= in.rank())
          c.error(fmt::format("shape {} copies dimension {} (a 0) that the input {} does not have", targetText, i,
                              in.str()));
        if (in.dims[i] == ir::kDynamicDim)
          c.error(fmt::format("shape {} copies dimension {} of '{}', which is dynamic ({}); give it with --shape",
                              targetText, i, c.nameOf(x), in.str()));
        target[i] = in.dims[i];
      }
    } else if (target[i] == -1) {
      if (inferAt >= 0) c.error(fmt::format("shape {} has more than one -1", targetText));
      inferAt = static_cast<int64_t>(i);
      continue;
    } else if (target[i] < 0) {
      c.error(fmt::format("shape {} has the invalid entry {}", targetText, target[i]));
    }
    known *= target[i];
  }
  if (inferAt >= 0) {
    if (allowZero && hasZero) c.error(fmt::format("shape {} has both -1 and 0 with allowzero=1", targetText));
    const ir::Shape& s = c.staticShape(x);
    if (known == 0 || s.numElements() % known != 0)
      c.error(fmt::format("cannot reshape {} to {}", s.str(), targetText));
    target[static_cast<size_t>(inferAt)] = s.numElements() / known;
  }
  ir::Attributes a;
  a.set("shape", target);
  c.emitOutput(OpKind::Reshape, {x}, a);
}

void transpose(NodeContext& c) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  std::vector<int64_t> perm;
  if (auto given = c.intsAttr("perm")) {
    perm = *given;
  } else {
    for (size_t d = c.typeOf(x).shape.rank(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  }
  ir::Attributes a;
  a.set("perm", perm);
  c.emitOutput(OpKind::Transpose, {x}, a);
}

void softmax(NodeContext& c) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  size_t rank = c.typeOf(x).shape.rank();
  if (c.opset() >= 13) {
    ir::Attributes a;
    a.set("axis", c.normaliseAxis(c.intAttr("axis", -1), rank));
    c.emitOutput(OpKind::Softmax, {x}, a);
    return;
  }
  // Before opset 13 the input is seen as 2-D, [prod(dims[:axis]), prod(dims[axis:])], softmax along the second.
  int64_t axis = c.normaliseAxis(c.intAttr("axis", 1), rank, /*allowEnd=*/true);
  if (rank > 0 && axis == static_cast<int64_t>(rank) - 1) {  // the last axis alone: the same as one-axis softmax
    ir::Attributes a;
    a.set("axis", axis);
    c.emitOutput(OpKind::Softmax, {x}, a);
    return;
  }
  const ir::Shape& s = c.staticShape(x);
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < rank; ++d) (static_cast<int64_t>(d) < axis ? outer : inner) *= s.dims[d];
  ir::Attributes flat, axis1, back;
  flat.set("shape", std::vector<int64_t>{outer, inner});
  axis1.set("axis", int64_t{1});
  back.set("shape", s.dims);
  ValueId f = c.emit(OpKind::Reshape, {x}, flat);
  ValueId y = c.emit(OpKind::Softmax, {f}, axis1);
  c.emitOutput(OpKind::Reshape, {y}, back);
}

}  // namespace

std::optional<ReduceAxes> reduceAxes(NodeContext& c, int64_t axesInputSince) {
  bool axesAsInput = c.opset() >= axesInputSince;
  c.expectInputs(1, axesAsInput ? 2 : 1);
  size_t rank = c.typeOf(c.requiredInput(0)).shape.rank();
  std::vector<int64_t> axes;
  if (!axesAsInput) {
    axes = c.intsAttr("axes").value_or(std::vector<int64_t>{});
  } else {
    if (c.attr("axes"))
      c.error(fmt::format("has an 'axes' attribute, but since opset {} the axes are the second input", axesInputSince));
    if (ValueId av = c.input(1); av != kAbsent) axes = constantInts(c, av, "axes");
    if (axes.empty() && c.intAttr("noop_with_empty_axes", 0) != 0) return std::nullopt;
  }
  ReduceAxes r;
  for (int64_t a : axes) r.axes.push_back(c.normaliseAxis(a, rank));
  std::sort(r.axes.begin(), r.axes.end());
  if (std::adjacent_find(r.axes.begin(), r.axes.end()) != r.axes.end())
    c.error(fmt::format("axes [{}] name an axis twice", fmt::join(axes, ",")));
  r.keepdims = c.intAttr("keepdims", 1) != 0;
  return r;
}

ir::Attributes ReduceAxes::attrs() const {
  ir::Attributes a;
  a.set("axes", axes);
  a.set("keepdims", keepdims ? int64_t{1} : int64_t{0});
  return a;
}

namespace {

// ReduceSum before 13 and ReduceMean/Max/Min before 18 take `axes` as an attribute, later as an optional input.
void reduce(NodeContext& c, OpKind kind, int64_t axesInputSince) {
  std::optional<ReduceAxes> r = reduceAxes(c, axesInputSince);
  if (!r) {
    c.emitOutput(OpKind::Identity, {c.requiredInput(0)});
    return;
  }
  c.emitOutput(kind, {c.requiredInput(0)}, r->attrs());
}

// Concatenation of known tensors along `axis`, byte-wise.
ir::Tensor concatTensors(const std::vector<ir::Tensor>& parts, size_t axis, const ir::Shape& outShape) {
  ir::Tensor out(parts[0].dtype(), outShape);
  size_t elem = ir::dtypeSize(out.dtype());
  int64_t outer = 1;
  for (size_t d = 0; d < axis; ++d) outer *= outShape.dims[d];
  std::byte* dst = out.bytes();
  for (int64_t o = 0; o < outer; ++o)
    for (const ir::Tensor& p : parts) {
      int64_t block = 1;
      for (size_t d = axis; d < p.shape().rank(); ++d) block *= p.shape().dims[d];
      size_t n = static_cast<size_t>(block) * elem;
      if (n) std::memcpy(dst, p.bytes() + static_cast<size_t>(o) * n, n);
      dst += n;
    }
  return out;
}

void concat(NodeContext& c) {
  if (c.numInputs() == 0) c.error("has no inputs");
  std::vector<ValueId> ins;
  for (size_t i = 0; i < c.numInputs(); ++i) ins.push_back(c.requiredInput(i));
  if (c.opset() >= 4 && !c.attr("axis")) c.error("has no 'axis' attribute");
  size_t rank = c.typeOf(ins[0]).shape.rank();
  if (rank == 0) c.error(fmt::format("cannot concatenate 0-D tensors ('{}')", c.nameOf(ins[0])));
  int64_t axis = c.normaliseAxis(c.intAttr("axis", 1), rank);
  ir::Attributes a;
  a.set("axis", axis);
  ValueId y = c.emitOutput(OpKind::Concat, ins, a);
  // Shapes built from constants (Concat of Constant pieces) stay known, so that a Reshape can use them.
  std::vector<ir::Tensor> parts;
  for (ValueId v : ins) {
    std::optional<ir::Tensor> t = c.constant(v);
    if (!t || !isIntegral(t->dtype())) return;
    parts.push_back(std::move(*t));
  }
  const ir::Shape& outShape = c.typeOf(y).shape;
  if (!outShape.isStatic() || outShape.numElements() > kMaxFoldedElements) return;
  c.recordKnownValue(y, concatTensors(parts, static_cast<size_t>(axis), outShape));
}

void constant(NodeContext& c) {
  c.expectInputs(0, 0);
  const onnx::NodeProto& n = c.node();
  if (n.attribute_size() != 1)
    c.error(fmt::format("needs exactly one value attribute, has {}", n.attribute_size()));
  const onnx::AttributeProto& a = n.attribute(0);
  const std::string& name = a.name();
  if (name == "value") {
    if (!a.has_t()) c.error("attribute 'value' holds no tensor");
    c.defineConstantOutput(tensorFromOnnx(a.t(), c.outputName()));
  } else if (name == "value_float") {
    c.defineConstantOutput(ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape{}, {a.f()}));
  } else if (name == "value_floats") {
    c.defineConstantOutput(ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape({a.floats_size()}),
                                                   std::vector<double>(a.floats().begin(), a.floats().end())));
  } else if (name == "value_int") {
    c.defineConstantOutput(ir::Tensor::fromInts(ir::DType::i64, ir::Shape{}, {a.i()}));
  } else if (name == "value_ints") {
    c.defineConstantOutput(ir::Tensor::fromInts(ir::DType::i64, ir::Shape({a.ints_size()}),
                                                std::vector<int64_t>(a.ints().begin(), a.ints().end())));
  } else if (name == "sparse_value") {
    c.unsupportedAttr(name, "<sparse tensor>");
  } else if (name == "value_string" || name == "value_strings") {
    c.unsupportedAttr(name, "<string>");
  } else {
    c.error(fmt::format("has the unknown attribute '{}'", name));
  }
}

}  // namespace

const std::map<std::string, OpImporter>& opImporters() {
  static const std::map<std::string, OpImporter> table = [] {
    std::map<std::string, OpImporter> t;
    for (auto [name, kind] : std::initializer_list<std::pair<const char*, OpKind>>{{"Neg", OpKind::Neg},
                                                                                   {"Relu", OpKind::Relu},
                                                                                   {"Sigmoid", OpKind::Sigmoid},
                                                                                   {"Tanh", OpKind::Tanh},
                                                                                   {"Exp", OpKind::Exp},
                                                                                   {"Sqrt", OpKind::Sqrt},
                                                                                   {"Abs", OpKind::Abs},
                                                                                   {"Log", OpKind::Log},
                                                                                   {"Reciprocal", OpKind::Reciprocal},
                                                                                   {"Erf", OpKind::Erf},
                                                                                   {"Floor", OpKind::Floor},
                                                                                   {"Ceil", OpKind::Ceil}})
      t[name] = [kind = kind](NodeContext& c) { unary(c, kind); };
    for (auto [name, kind] : std::initializer_list<std::pair<const char*, OpKind>>{
             {"Add", OpKind::Add}, {"Sub", OpKind::Sub}, {"Mul", OpKind::Mul}, {"Div", OpKind::Div}})
      t[name] = [kind = kind](NodeContext& c) { binary(c, kind); };
    t["Pow"] = pow;
    t["Sum"] = [](NodeContext& c) { variadic(c, OpKind::Add); };
    t["Mean"] = mean;
    t["Max"] = [](NodeContext& c) { variadic(c, OpKind::Max); };
    t["Min"] = [](NodeContext& c) { variadic(c, OpKind::Min); };
    t["Identity"] = identity;
    t["MatMul"] = matmul;
    t["Gemm"] = gemm;
    t["Flatten"] = flatten;
    t["Reshape"] = reshape;
    t["Transpose"] = transpose;
    t["Softmax"] = softmax;
    t["ReduceSum"] = [](NodeContext& c) { reduce(c, OpKind::ReduceSum, 13); };
    t["ReduceMean"] = [](NodeContext& c) { reduce(c, OpKind::ReduceMean, 18); };
    t["ReduceMax"] = [](NodeContext& c) { reduce(c, OpKind::ReduceMax, 18); };
    t["ReduceMin"] = [](NodeContext& c) { reduce(c, OpKind::ReduceMin, 18); };
    t["Concat"] = concat;
    t["Constant"] = constant;
    addLogicImporters(t);
    addActivationImporters(t);
    addNormalisationImporters(t);
    addShapeImporters(t);
    addConvolutionImporters(t);
    addSelectionImporters(t);
    addEinsumImporter(t);
    return t;
  }();
  return table;
}

}  // namespace shardc::frontend::onnx_import
