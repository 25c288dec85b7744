// Normalisations (inference) and the reductions ONNX defines by a formula, over the ir's reductions and
// elementwise ops. Statistics over a dim split across ranks then come out of the reductions' partial sums.
//   BatchNormalization  < 6: consumed_inputs; < 9: `spatial` (0: per-element statistics) and `is_test`; 14:
//                       training_mode; several outputs only in training
//   LayerNormalization  from 17: statistics over dims axis..rank-1; optional Mean and InvStdDev outputs
//   ReduceL1/L2/SumSquare/LogSum/LogSumExp  < 18: `axes` attribute; from 18 an input
#include <fmt/format.h>

#include "frontend/onnx_import_context.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

ir::Attributes reduceOver(std::vector<int64_t> axes) {
  ir::Attributes a;
  a.set("axes", std::move(axes));
  a.set("keepdims", int64_t{1});
  return a;
}


// A per-channel vector [C] seen against x [N, C, D1, ...]: reshaped to [C, 1, ...].
ValueId perChannel(NodeContext& c, ValueId v, size_t rank) {
  const ir::Shape& s = c.typeOf(v).shape;
  if (s.rank() != 1 || rank < 2) return v;
  std::vector<int64_t> dims{s.dims[0]};
  dims.resize(rank - 1, 1);
  ir::Attributes a;
  a.set("shape", dims);
  return c.emit(OpKind::Reshape, {v}, a);
}

void batchNormalization(NodeContext& c) {
  c.expectInputs(5, 5);
  if (c.opset() < 9 && c.intAttr("is_test", c.opset() < 7 ? 0 : 1) == 0 && c.numOutputs() > 1)
    c.unsupportedAttr("is_test", "0 (training: shardc compiles inference)");
  if (c.opset() >= 14 && c.intAttr("training_mode", 0) != 0)
    c.unsupportedAttr("training_mode", "1 (shardc compiles inference)");
  ValueId x = c.requiredInput(0);
  requireFloat(c, c.typeOf(x).dtype);
  size_t rank = c.typeOf(x).shape.rank();
  if (rank < 2) c.error(fmt::format("input '{}' ({}) needs rank 2 or more", c.nameOf(x), c.typeOf(x).str()));
  std::vector<ValueId> p;
  for (size_t i = 1; i < 5; ++i) {
    ValueId v = c.requiredInput(i);
    if (c.typeOf(v).dtype != c.typeOf(x).dtype)
      ir::unsupported("{}: input '{}' is {}, the data {} (mixed types are not supported)", c.describe(), c.nameOf(v),
                      ir::dtypeName(c.typeOf(v).dtype), ir::dtypeName(c.typeOf(x).dtype));
    bool spatial = c.opset() >= 9 || c.intAttr("spatial", 1) != 0;
    p.push_back(spatial ? perChannel(c, v, rank) : v);
  }
  ir::DType t = c.typeOf(x).dtype;
  // scale * (x - mean) / sqrt(var + epsilon) + bias, in the reference's order.
  ValueId centred = c.emit(OpKind::Sub, {x, p[2]});
  ValueId scaled = c.emit(OpKind::Mul, {p[0], centred});
  ValueId stddev = c.emit(OpKind::Sqrt, {c.emit(OpKind::Add, {p[3], c.scalar(t, c.floatAttr("epsilon", 1e-5))})});
  c.emitOutput(OpKind::Add, {c.emit(OpKind::Div, {scaled, stddev}), p[1]});
}

void instanceNormalization(NodeContext& c) {
  c.expectInputs(3, 3);
  ValueId x = c.requiredInput(0);
  requireFloat(c, c.typeOf(x).dtype);
  size_t rank = c.staticShape(x).rank();
  if (rank < 3) c.error(fmt::format("input '{}' ({}) needs rank 3 or more", c.nameOf(x), c.typeOf(x).str()));
  std::vector<int64_t> spatial;
  for (size_t d = 2; d < rank; ++d) spatial.push_back(static_cast<int64_t>(d));
  ir::DType t = c.typeOf(x).dtype;
  ValueId mean = c.emit(OpKind::ReduceMean, {x}, reduceOver(spatial));
  ValueId centred = c.emit(OpKind::Sub, {x, mean});
  ValueId var = c.emit(OpKind::ReduceMean, {c.emit(OpKind::Mul, {centred, centred})}, reduceOver(spatial));
  ValueId stddev = c.emit(OpKind::Sqrt, {c.emit(OpKind::Add, {var, c.scalar(t, c.floatAttr("epsilon", 1e-5))})});
  ValueId normal = c.emit(OpKind::Div, {centred, stddev});
  ValueId scaled = c.emit(OpKind::Mul, {normal, perChannel(c, c.requiredInput(1), rank)});
  c.emitOutput(OpKind::Add, {scaled, perChannel(c, c.requiredInput(2), rank)});
}

void layerNormalization(NodeContext& c) {
  c.expectInputs(2, 3);
  c.expectOutputs(1, 3);
  ValueId x = c.requiredInput(0);
  requireFloat(c, c.typeOf(x).dtype);
  size_t rank = c.typeOf(x).shape.rank();
  int64_t axis = c.normaliseAxis(c.intAttr("axis", -1), rank);
  std::vector<int64_t> normalised;
  for (size_t d = static_cast<size_t>(axis); d < rank; ++d) normalised.push_back(static_cast<int64_t>(d));
  ir::DType t = c.typeOf(x).dtype;
  ValueId mean = c.emit(OpKind::ReduceMean, {x}, reduceOver(normalised));
  ValueId centred = c.emit(OpKind::Sub, {x, mean});
  ValueId var = c.emit(OpKind::ReduceMean, {c.emit(OpKind::Mul, {centred, centred})}, reduceOver(normalised));
  ValueId stddev = c.emit(OpKind::Sqrt, {c.emit(OpKind::Add, {var, c.scalar(t, c.floatAttr("epsilon", 1e-5))})});
  ValueId y = c.emit(OpKind::Mul, {c.emit(OpKind::Div, {centred, stddev}), c.requiredInput(1)});
  if (ValueId b = c.input(2); b != kAbsent) y = c.emit(OpKind::Add, {y, b});
  c.defineOutputAs(y, c.outputName());
  if (std::string m = c.outputName(1); !m.empty()) c.defineOutputAs(mean, m);
  if (std::string s = c.outputName(2); !s.empty())
    c.emit(OpKind::Reciprocal, {stddev}, {}, s);
}

void globalPool(NodeContext& c, OpKind kind) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  size_t rank = c.typeOf(x).shape.rank();
  if (rank < 3) c.error(fmt::format("input '{}' ({}) needs rank 3 or more", c.nameOf(x), c.typeOf(x).str()));
  std::vector<int64_t> spatial;
  for (size_t d = 2; d < rank; ++d) spatial.push_back(static_cast<int64_t>(d));
  c.emitOutput(kind, {x}, reduceOver(spatial));
}

// sum(g(x)) over the axes, then h: g and h elementwise (ReduceL2 is sqrt(sum(x * x)), ...). With
// noop_with_empty_axes and no axes, each element is its own reduction: h(g(x)).
enum class Around { None, Abs, Square, Exp };
void reduceFormula(NodeContext& c, Around before, OpKind after) {
  std::optional<ReduceAxes> r = reduceAxes(c, 18);
  ValueId x = c.requiredInput(0);
  ValueId g = x;
  switch (before) {
    case Around::None: break;
    case Around::Abs: g = c.emit(OpKind::Abs, {x}); break;
    case Around::Square: g = c.emit(OpKind::Mul, {x, x}); break;
    case Around::Exp: g = c.emit(OpKind::Exp, {x}); break;
  }
  ValueId s = r ? c.emit(OpKind::ReduceSum, {g}, r->attrs()) : g;
  c.emitOutput(after, {s});
}

}  // namespace

void addNormalisationImporters(ImporterTable& t) {
  t["BatchNormalization"] = batchNormalization;
  t["InstanceNormalization"] = instanceNormalization;
  t["LayerNormalization"] = layerNormalization;
  t["GlobalAveragePool"] = [](NodeContext& c) { globalPool(c, OpKind::ReduceMean); };
  t["GlobalMaxPool"] = [](NodeContext& c) { globalPool(c, OpKind::ReduceMax); };
  t["ReduceL1"] = [](NodeContext& c) { reduceFormula(c, Around::Abs, OpKind::Identity); };
  t["ReduceL2"] = [](NodeContext& c) { reduceFormula(c, Around::Square, OpKind::Sqrt); };
  t["ReduceSumSquare"] = [](NodeContext& c) { reduceFormula(c, Around::Square, OpKind::Identity); };
  t["ReduceLogSum"] = [](NodeContext& c) { reduceFormula(c, Around::None, OpKind::Log); };
  t["ReduceLogSumExp"] = [](NodeContext& c) { reduceFormula(c, Around::Exp, OpKind::Log); };
}

}  // namespace shardc::frontend::onnx_import
