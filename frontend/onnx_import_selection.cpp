// ArgMax/ArgMin, TopK, GatherElements, Pad, ReduceProd and ConvTranspose. Opset changes that matter here:
//   ArgMax/ArgMin  from 12 select_last_index
//   TopK  < 10: `k` attribute; from 10 the K input; from 11 `largest` and `sorted`. Two outputs, one ir op each
//   Pad  < 11: pads/value attributes; from 11 inputs pads and constant_value; from 18 an axes input; 19 `wrap`
//   ConvTranspose  output_shape sets the padding (SAME_UPPER puts the smaller half first, as ONNX defines)
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_import_context.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

void argExtreme(NodeContext& c, OpKind kind) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  ir::Attributes a;
  a.set("axis", c.normaliseAxis(c.intAttr("axis", 0), c.typeOf(x).shape.rank()));
  a.set("keepdims", c.intAttr("keepdims", 1) != 0 ? int64_t{1} : int64_t{0});
  a.set("select_last_index", c.intAttr("select_last_index", 0) != 0 ? int64_t{1} : int64_t{0});
  c.emitOutput(kind, {x}, a);
}

void topK(NodeContext& c) {
  c.expectInputs(c.opset() >= 10 ? 2 : 1, c.opset() >= 10 ? 2 : 1);
  c.expectOutputs(2, 2);
  ValueId x = c.requiredInput(0);
  int64_t k;
  if (c.opset() < 10) {
    k = c.intAttr("k", -1);
  } else {
    std::vector<int64_t> kv = constantInts(c, c.requiredInput(1), "K");
    if (kv.size() != 1) c.error(fmt::format("K has {} values, expects 1", kv.size()));
    k = kv[0];
  }
  ir::Attributes a;
  a.set("axis", c.normaliseAxis(c.intAttr("axis", -1), c.typeOf(x).shape.rank()));
  a.set("k", k);
  a.set("largest", c.intAttr("largest", 1) != 0 ? int64_t{1} : int64_t{0});
  a.set("sorted", int64_t{1});  // unsorted output may be in any order: sorted is one of them
  for (size_t i = 0; i < 2; ++i) {
    if (c.outputName(i).empty()) continue;
    ir::Attributes ai = a;
    ai.set("output", std::string(i == 0 ? "values" : "indices"));
    c.emit(OpKind::TopK, {x}, ai, c.outputName(i));
  }
}

void gatherElements(NodeContext& c) {
  c.expectInputs(2, 2);
  ValueId data = c.requiredInput(0);
  ir::Attributes a;
  a.set("axis", c.normaliseAxis(c.intAttr("axis", 0), c.typeOf(data).shape.rank()));
  c.emitOutput(OpKind::GatherElements, {data, c.requiredInput(1)}, a);
}

void pad(NodeContext& c) {
  ValueId x = c.requiredInput(0);
  size_t r = c.staticShape(x).rank();
  std::vector<int64_t> pads;
  double value = 0;
  if (c.opset() < 11) {
    c.expectInputs(1, 1);
    pads = c.intsAttr(c.opset() < 2 ? "paddings" : "pads").value_or(std::vector<int64_t>{});
    value = c.floatAttr("value", 0.0);
  } else {
    c.expectInputs(2, 4);
    pads = constantInts(c, c.requiredInput(1), "pads");
    if (ValueId v = c.input(2); v != kAbsent) {
      std::optional<ir::Tensor> t = c.constant(v);
      if (!t) c.unsupportedAttr("constant_value", "<computed at run time>");
      if (t->numElements() != 1) c.error("constant_value must be one value");
      value = t->elementAsDouble(0);
    }
    if (ValueId av = c.input(3); av != kAbsent) {
      // Pads for the listed axes only: spread them over every dim.
      std::vector<int64_t> axes = constantInts(c, av, "axes");
      if (pads.size() != 2 * axes.size())
        c.error(fmt::format("pads has {} entries for {} axes", pads.size(), axes.size()));
      std::vector<int64_t> full(2 * r, 0);
      for (size_t i = 0; i < axes.size(); ++i) {
        size_t d = static_cast<size_t>(c.normaliseAxis(axes[i], r));
        full[d] = pads[i];
        full[d + r] = pads[i + axes.size()];
      }
      pads = full;
    }
  }
  if (pads.size() != 2 * r) c.error(fmt::format("pads has {} entries for rank {}", pads.size(), r));
  std::string mode = "constant";
  if (const auto* m = c.attr("mode")) mode = m->s();
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") c.unsupportedAttr("mode", mode);
  ir::Attributes a;
  a.set("pads", pads);
  a.set("mode", mode);
  a.set("value", value);
  c.emitOutput(OpKind::Pad, {x}, a);
}

void convTranspose(NodeContext& c) {
  c.expectInputs(2, 3);
  ValueId x = c.requiredInput(0), w = c.requiredInput(1);
  const ir::Shape xs = c.staticShape(x), ws = c.staticShape(w);
  if (xs.rank() < 3 || ws.rank() != xs.rank())
    c.error(fmt::format("needs X [N,C,D...] and W [C,M/group,K...] of one rank >= 3, got {} and {}", xs.str(), ws.str()));
  size_t r = xs.rank() - 2;
  std::vector<int64_t> kernel(ws.dims.begin() + 2, ws.dims.end());
  auto listOr = [&](const char* name, int64_t dflt) {
    std::vector<int64_t> v = c.intsAttr(name).value_or(std::vector<int64_t>{});
    if (v.empty()) v.assign(r, dflt);
    if (v.size() != r) c.error(fmt::format("'{}' has {} entries for {} spatial dims", name, v.size(), r));
    return v;
  };
  std::vector<int64_t> strides = listOr("strides", 1), dilations = listOr("dilations", 1),
                       outPad = listOr("output_padding", 0);
  std::vector<int64_t> pads = c.intsAttr("pads").value_or(std::vector<int64_t>(2 * r, 0));
  if (pads.size() != 2 * r) c.error(fmt::format("'pads' has {} entries, expects {}", pads.size(), 2 * r));
  std::string autoPad = "NOTSET";
  if (const auto* ap = c.attr("auto_pad")) autoPad = ap->s();
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    c.unsupportedAttr("auto_pad", autoPad);
  std::optional<std::vector<int64_t>> outShape = c.intsAttr("output_shape");
  if (outShape && outShape->size() == r + 2) outShape = std::vector<int64_t>(outShape->begin() + 2, outShape->end());
  if (!outShape && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")) {
    outShape = std::vector<int64_t>(r);
    for (size_t d = 0; d < r; ++d) (*outShape)[d] = xs.dims[d + 2] * strides[d];
  }
  if (autoPad == "VALID") pads.assign(2 * r, 0);
  if (outShape) {
    if (outShape->size() != r) c.error(fmt::format("output_shape has {} entries for {} spatial dims", outShape->size(), r));
    for (size_t d = 0; d < r; ++d) {
      int64_t total = strides[d] * (xs.dims[d + 2] - 1) + outPad[d] + (kernel[d] - 1) * dilations[d] + 1 - (*outShape)[d];
      if (total < 0) c.unsupportedAttr("output_shape", fmt::format("[{}] (larger than the input covers)", fmt::join(*outShape, ",")));
      bool upper = autoPad == "SAME_UPPER";
      pads[d] = upper ? total / 2 : total - total / 2;
      pads[d + r] = total - pads[d];
    }
  }
  for (int64_t p : pads)
    if (p < 0) c.unsupportedAttr("pads", fmt::format("[{}] (negative)", fmt::join(pads, ",")));
  ir::Attributes a;
  a.set("strides", strides);
  a.set("dilations", dilations);
  a.set("pads", pads);
  a.set("output_padding", outPad);
  a.set("group", c.intAttr("group", 1));
  std::vector<ValueId> operands{x, w};
  if (ValueId b = c.input(2); b != kAbsent) operands.push_back(b);
  c.emitOutput(OpKind::ConvTranspose, operands, a);
}

void reduceProd(NodeContext& c) {
  std::optional<ReduceAxes> r = reduceAxes(c, 18);
  if (!r) {
    c.emitOutput(OpKind::Identity, {c.requiredInput(0)});
    return;
  }
  c.emitOutput(OpKind::ReduceProd, {c.requiredInput(0)}, r->attrs());
}

}  // namespace

void addSelectionImporters(ImporterTable& t) {
  t["ArgMax"] = [](NodeContext& c) { argExtreme(c, OpKind::ArgMax); };
  t["ArgMin"] = [](NodeContext& c) { argExtreme(c, OpKind::ArgMin); };
  t["TopK"] = topK;
  t["GatherElements"] = gatherElements;
  t["Pad"] = pad;
  t["ConvTranspose"] = convTranspose;
  t["ReduceProd"] = reduceProd;
}

}  // namespace shardc::frontend::onnx_import
