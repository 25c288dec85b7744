// Conv and the pools. auto_pad is resolved here into explicit pads, so the ir knows one form:
//   NOTSET: `pads`; VALID: none; SAME_UPPER / SAME_LOWER: the output is ceil(input / stride), the padding that
//   needs split evenly, the odd one at the end (UPPER) or the beginning (LOWER).
//   MaxPool  from 8 an optional Indices output (not supported); from 10 ceil_mode; from 11 dilations
//   AveragePool  from 7 count_include_pad; from 10 ceil_mode; from 19 dilations
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_import_context.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

// Sets strides, dilations and pads (auto_pad resolved) for a window of `kernel` over spatial dims `in`.
void windowAttrs(NodeContext& c, const std::vector<int64_t>& kernel, const std::vector<int64_t>& in, ir::Attributes& a) {
  size_t r = kernel.size();
  auto listOr = [&](const char* name) {
    std::vector<int64_t> v = c.intsAttr(name).value_or(std::vector<int64_t>{});
    if (v.empty()) v.assign(r, 1);
    if (v.size() != r) c.error(fmt::format("'{}' has {} entries for {} spatial dims", name, v.size(), r));
    for (int64_t x : v)
      if (x <= 0) c.error(fmt::format("'{}' [{}] must be positive", name, fmt::join(v, ",")));
    return v;
  };
  std::vector<int64_t> strides = listOr("strides"), dilations = listOr("dilations");
  std::vector<int64_t> pads(2 * r, 0);
  std::string autoPad = "NOTSET";
  if (const auto* ap = c.attr("auto_pad")) autoPad = ap->s();
  if (autoPad == "NOTSET") {
    if (auto p = c.intsAttr("pads")) {
      if (p->size() != 2 * r) c.error(fmt::format("'pads' has {} entries, expects {}", p->size(), 2 * r));
      for (int64_t x : *p)
        if (x < 0) c.unsupportedAttr("pads", fmt::format("[{}] (negative)", fmt::join(*p, ",")));
      pads = *p;
    }
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t d = 0; d < r; ++d) {
      int64_t out = (in[d] + strides[d] - 1) / strides[d];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - in[d]);
      int64_t small = total / 2;
      pads[d] = autoPad == "SAME_UPPER" ? small : total - small;
      pads[d + r] = total - pads[d];
    }
  } else if (autoPad != "VALID") {
    c.unsupportedAttr("auto_pad", autoPad);
  }
  a.set("strides", strides);
  a.set("dilations", dilations);
  a.set("pads", pads);
}

std::vector<int64_t> spatialOf(const ir::Shape& s) { return std::vector<int64_t>(s.dims.begin() + 2, s.dims.end()); }

void conv(NodeContext& c) {
  c.expectInputs(2, 3);
  ValueId x = c.requiredInput(0), w = c.requiredInput(1);
  const ir::Shape xs = c.staticShape(x), ws = c.staticShape(w);
  if (xs.rank() < 3 || ws.rank() != xs.rank())
    c.error(fmt::format("needs X [N,C,D...] and W [M,C/group,K...] of one rank >= 3, got {} and {}", xs.str(), ws.str()));
  std::vector<int64_t> kernel = spatialOf(ws);
  if (auto k = c.intsAttr("kernel_shape"); k && *k != kernel)
    c.error(fmt::format("kernel_shape [{}] differs from the weight's {}", fmt::join(*k, ","), ws.str()));
  ir::Attributes a;
  windowAttrs(c, kernel, spatialOf(xs), a);
  a.set("group", c.intAttr("group", 1));
  std::vector<ValueId> operands{x, w};
  if (ValueId b = c.input(2); b != kAbsent) operands.push_back(b);
  c.emitOutput(OpKind::Conv, operands, a);
}

void pool(NodeContext& c, OpKind kind) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  const ir::Shape xs = c.staticShape(x);
  if (xs.rank() < 3) c.error(fmt::format("needs X [N,C,D...] of rank >= 3, got {}", xs.str()));
  auto kernel = c.intsAttr("kernel_shape");
  if (!kernel) c.error("has no 'kernel_shape'");
  if (kernel->size() + 2 != xs.rank())
    c.error(fmt::format("kernel_shape [{}] does not fit input {}", fmt::join(*kernel, ","), xs.str()));
  if (kind == OpKind::MaxPool && c.intAttr("storage_order", 0) != 0 && c.numOutputs() > 1)
    c.unsupportedAttr("storage_order", "1");
  ir::Attributes a;
  a.set("kernel_shape", *kernel);
  windowAttrs(c, *kernel, spatialOf(xs), a);
  a.set("ceil_mode", c.intAttr("ceil_mode", 0) != 0 ? int64_t{1} : int64_t{0});
  if (kind == OpKind::AveragePool) a.set("count_include_pad", c.intAttr("count_include_pad", 0) != 0 ? int64_t{1} : int64_t{0});
  c.emitOutput(kind, {x}, a);
}

// LRN: x / (bias + alpha / size * sum of x^2 over `size` neighbouring channels)^beta, the sum as an AveragePool
// (count_include_pad, so it divides by `size`) over the channels of x^2 seen as [N, 1, C, rest].
void lrn(NodeContext& c) {
  c.expectInputs(1, 1);
  ValueId x = c.requiredInput(0);
  const ir::Shape xs = c.staticShape(x);
  if (xs.rank() < 3) c.error(fmt::format("needs X [N,C,D...] of rank >= 3, got {}", xs.str()));
  ir::DType t = c.typeOf(x).dtype;
  requireFloat(c, t);
  int64_t size = c.intAttr("size", 0);
  if (size <= 0) c.error("'size' must be positive");
  int64_t rest = 1;
  for (size_t d = 2; d < xs.rank(); ++d) rest *= xs.dims[d];
  ir::Attributes asPlanes, back, avg;
  asPlanes.set("shape", std::vector<int64_t>{xs.dims[0], 1, xs.dims[1], rest});
  back.set("shape", xs.dims);
  avg.set("kernel_shape", std::vector<int64_t>{size, 1});
  avg.set("strides", std::vector<int64_t>{1, 1});
  avg.set("dilations", std::vector<int64_t>{1, 1});
  avg.set("pads", std::vector<int64_t>{(size - 1) / 2, 0, size - 1 - (size - 1) / 2, 0});
  avg.set("ceil_mode", int64_t{0});
  avg.set("count_include_pad", int64_t{1});
  ValueId sq = c.emit(OpKind::Mul, {x, x});
  ValueId mean = c.emit(OpKind::AveragePool, {c.emit(OpKind::Reshape, {sq}, asPlanes)}, avg);
  ValueId scaled = c.emit(OpKind::Mul, {c.emit(OpKind::Reshape, {mean}, back), c.scalar(t, c.floatAttr("alpha", 1e-4))});
  ValueId base = c.emit(OpKind::Add, {scaled, c.scalar(t, c.floatAttr("bias", 1.0))});
  ValueId denom = c.emit(OpKind::Pow, {base, c.scalar(t, c.floatAttr("beta", 0.75))});
  c.emitOutput(OpKind::Div, {x, denom});
}

}  // namespace

void addConvolutionImporters(ImporterTable& t) {
  t["Conv"] = conv;
  t["MaxPool"] = [](NodeContext& c) { pool(c, OpKind::MaxPool); };
  t["AveragePool"] = [](NodeContext& c) { pool(c, OpKind::AveragePool); };
  t["LRN"] = lrn;
}

}  // namespace shardc::frontend::onnx_import
