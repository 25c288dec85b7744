// Shape and indexing ops. With static shapes, Shape, Size, ConstantOfShape and Range are constants at compile time,
// and what exporters compute from them (Shape -> Gather -> Concat -> Reshape) folds as it is imported.
//   Shape  from 15: `start`/`end`
//   Squeeze/Unsqueeze  < 13: `axes` attribute; from 13 an input (Squeeze: optional, all 1-dims without it)
//   Slice  < 10: starts/ends/axes attributes; from 10 inputs starts, ends, axes, steps
//   Split  < 13: `split` attribute; from 13 an input; from 18 `num_outputs`
//   Gather/Expand/Tile unchanged in meaning from opset 6 to 23
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_import_context.h"
#include "frontend/onnx_tensor.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

ir::Tensor int64Vector(const std::vector<int64_t>& v) {
  return ir::Tensor::fromInts(ir::DType::i64, ir::Shape({static_cast<int64_t>(v.size())}), v);
}

void shape(NodeContext& c) {
  c.expectInputs(1, 1);
  const ir::Shape& s = c.staticShape(c.requiredInput(0));
  int64_t r = static_cast<int64_t>(s.rank());
  auto clampEnd = [&](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  int64_t start = c.opset() >= 15 ? clampEnd(c.intAttr("start", 0)) : 0;
  int64_t end = c.opset() >= 15 && c.attr("end") ? clampEnd(c.intAttr("end", r)) : r;
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(s.dims[static_cast<size_t>(d)]);
  c.defineConstantOutput(int64Vector(dims));
}

void size(NodeContext& c) {
  c.expectInputs(1, 1);
  c.defineConstantOutput(ir::Tensor::fromInts(ir::DType::i64, ir::Shape{}, {c.staticShape(c.requiredInput(0)).numElements()}));
}

void constantOfShape(NodeContext& c) {
  c.expectInputs(1, 1);
  std::vector<int64_t> dims = constantInts(c, c.requiredInput(0), "shape");
  for (int64_t d : dims)
    if (d < 0) c.error(fmt::format("shape [{}] has a negative dim", fmt::join(dims, ",")));
  ir::Tensor fill = ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape({1}), {0.0});
  if (const auto* a = c.attr("value")) {
    if (!a->has_t()) c.error("attribute 'value' holds no tensor");
    fill = tensorFromOnnx(a->t(), "value");
    if (fill.numElements() != 1) c.error(fmt::format("'value' has {} elements, expects 1", fill.numElements()));
  }
  ir::Tensor out(fill.dtype(), ir::Shape(dims));
  size_t es = ir::dtypeSize(out.dtype());
  for (int64_t i = 0; i < out.numElements(); ++i) std::copy(fill.bytes(), fill.bytes() + es, out.bytes() + size_t(i) * es);
  c.defineConstantOutput(std::move(out));
}

void range(NodeContext& c) {
  c.expectInputs(3, 3);
  std::vector<ir::Tensor> v;
  for (size_t i = 0; i < 3; ++i) {
    std::optional<ir::Tensor> t = c.constant(c.requiredInput(i));
    if (!t) c.unsupportedAttr(i == 0 ? "start" : i == 1 ? "limit" : "delta", "<computed at run time>");
    if (t->numElements() != 1) c.error(fmt::format("input {} must be a scalar", i));
    v.push_back(std::move(*t));
  }
  ir::DType t = v[0].dtype();
  bool fp = ir::isFloat(t);
  double start = v[0].elementAsDouble(0), limit = v[1].elementAsDouble(0), delta = v[2].elementAsDouble(0);
  if (delta == 0) c.error("delta is 0");
  int64_t n = std::max<int64_t>(static_cast<int64_t>(std::ceil((limit - start) / delta)), 0);
  if (!fp) {
    int64_t s = v[0].elementAsInt(0), l = v[1].elementAsInt(0), d = v[2].elementAsInt(0);
    n = std::max<int64_t>(d > 0 ? (l - s + d - 1) / d : (s - l - d - 1) / -d, 0);
    std::vector<int64_t> out;
    for (int64_t i = 0; i < n; ++i) out.push_back(s + i * d);
    c.defineConstantOutput(ir::Tensor::fromInts(t, ir::Shape({n}), out));
    return;
  }
  std::vector<double> out;
  // As the reference: start + i * delta computed in the element type.
  for (int64_t i = 0; i < n; ++i) out.push_back(start + static_cast<double>(i) * delta);
  c.defineConstantOutput(ir::Tensor::fromDoubles(t, ir::Shape({n}), out));
}

ValueId reshapeTo(NodeContext& c, ValueId x, const std::vector<int64_t>& dims) {
  ir::Attributes a;
  a.set("shape", dims);
  return c.emitOutput(OpKind::Reshape, {x}, a);
}

// Axes from the attribute before `since`, the optional second input from it.
std::optional<std::vector<int64_t>> axesOf(NodeContext& c, int64_t since) {
  if (c.opset() < since) return c.intsAttr("axes");
  if (ValueId v = c.input(1); v != kAbsent) return constantInts(c, v, "axes");
  return std::nullopt;
}

void squeeze(NodeContext& c) {
  c.expectInputs(1, c.opset() >= 13 ? 2 : 1);
  ValueId x = c.requiredInput(0);
  const ir::Shape& s = c.staticShape(x);
  std::vector<bool> drop(s.rank(), false);
  if (auto axes = axesOf(c, 13)) {
    for (int64_t a : *axes) {
      size_t d = static_cast<size_t>(c.normaliseAxis(a, s.rank()));
      if (s.dims[d] != 1) c.error(fmt::format("cannot squeeze dim {} of size {} ({})", d, s.dims[d], s.str()));
      drop[d] = true;
    }
  } else {
    for (size_t d = 0; d < s.rank(); ++d) drop[d] = s.dims[d] == 1;
  }
  std::vector<int64_t> dims;
  for (size_t d = 0; d < s.rank(); ++d)
    if (!drop[d]) dims.push_back(s.dims[d]);
  reshapeTo(c, x, dims);
}

void unsqueeze(NodeContext& c) {
  c.expectInputs(c.opset() >= 13 ? 2 : 1, c.opset() >= 13 ? 2 : 1);
  ValueId x = c.requiredInput(0);
  const ir::Shape& s = c.staticShape(x);
  auto axes = axesOf(c, 13);
  if (!axes) c.error("has no axes");
  size_t r = s.rank() + axes->size();
  std::vector<bool> inserted(r, false);
  for (int64_t a : *axes) {
    size_t d = static_cast<size_t>(c.normaliseAxis(a, r));
    if (inserted[d]) c.error(fmt::format("axes [{}] name an axis twice", fmt::join(*axes, ",")));
    inserted[d] = true;
  }
  std::vector<int64_t> dims;
  size_t k = 0;
  for (size_t d = 0; d < r; ++d) dims.push_back(inserted[d] ? 1 : s.dims[k++]);
  reshapeTo(c, x, dims);
}

void expand(NodeContext& c) {
  c.expectInputs(2, 2);
  ir::Attributes a;
  a.set("shape", constantInts(c, c.requiredInput(1), "shape"));
  c.emitOutput(OpKind::Expand, {c.requiredInput(0)}, a);
}

void tile(NodeContext& c) {
  c.expectInputs(2, 2);
  ValueId x = c.requiredInput(0);
  const ir::Shape s = c.staticShape(x);  // a copy: emitting adds values
  std::vector<int64_t> repeats = constantInts(c, c.requiredInput(1), "repeats");
  if (repeats.size() != s.rank())
    c.error(fmt::format("repeats has {} entries for a tensor of rank {}", repeats.size(), s.rank()));
  // One Concat of copies per repeated dim.
  ValueId y = x;
  for (size_t d = 0; d < s.rank(); ++d) {
    if (repeats[d] < 0) c.error(fmt::format("repeats [{}] has a negative entry", fmt::join(repeats, ",")));
    if (repeats[d] == 1) continue;
    if (repeats[d] == 0) {
      ir::Shape empty = c.typeOf(y).shape;
      empty.dims[d] = 0;
      y = c.constantValue(ir::Tensor(c.typeOf(y).dtype, ir::Shape(empty.dims)));
      continue;
    }
    ir::Attributes a;
    a.set("axis", static_cast<int64_t>(d));
    y = c.emit(OpKind::Concat, std::vector<ValueId>(static_cast<size_t>(repeats[d]), y), a);
  }
  c.defineOutputAs(y, c.outputName());
}

// ONNX's clamping of one dim's slice bounds; returns the normalised (start, end).
std::pair<int64_t, int64_t> clampSlice(int64_t dim, int64_t start, int64_t end, int64_t step) {
  auto norm = [&](int64_t v) { return v < 0 ? v + dim : v; };
  start = norm(start);
  end = norm(end);
  if (step > 0) return {std::clamp(start, int64_t{0}, dim), std::clamp(end, int64_t{0}, dim)};
  return {std::clamp(start, int64_t{0}, dim - 1), std::clamp(end, int64_t{-1}, dim - 1)};
}

ValueId emitSlice(NodeContext& c, ValueId x, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                  const std::vector<int64_t>& axes, const std::vector<int64_t>& steps, const std::string& output) {
  const ir::Shape& s = c.staticShape(x);
  size_t r = s.rank();
  std::vector<int64_t> st(r, 0), en(s.dims), sp(r, 1);
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    size_t d = static_cast<size_t>(c.normaliseAxis(axes[i], r));
    if (seen[d]) c.error(fmt::format("axes [{}] name an axis twice", fmt::join(axes, ",")));
    seen[d] = true;
    int64_t step = i < steps.size() ? steps[i] : 1;
    if (step == 0) c.error("a step is 0");
    auto [b, e] = clampSlice(s.dims[d], starts[i], ends[i], step);
    st[d] = b;
    en[d] = e;
    sp[d] = step;
  }
  ir::Attributes a;
  a.set("starts", st);
  a.set("ends", en);
  a.set("steps", sp);
  return c.emit(OpKind::Slice, {x}, a, output);
}

void slice(NodeContext& c) {
  ValueId x = c.requiredInput(0);
  size_t r = c.staticShape(x).rank();
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset() < 10) {
    c.expectInputs(1, 1);
    starts = c.intsAttr("starts").value_or(std::vector<int64_t>{});
    ends = c.intsAttr("ends").value_or(std::vector<int64_t>{});
    axes = c.intsAttr("axes").value_or(std::vector<int64_t>{});
  } else {
    c.expectInputs(3, 5);
    starts = constantInts(c, c.requiredInput(1), "starts");
    ends = constantInts(c, c.requiredInput(2), "ends");
    if (ValueId v = c.input(3); v != kAbsent) axes = constantInts(c, v, "axes");
    if (ValueId v = c.input(4); v != kAbsent) steps = constantInts(c, v, "steps");
  }
  if (axes.empty())
    for (size_t d = 0; d < starts.size(); ++d) axes.push_back(static_cast<int64_t>(d));
  if (starts.size() != ends.size() || starts.size() != axes.size() || (!steps.empty() && steps.size() != axes.size()))
    c.error(fmt::format("starts, ends, axes and steps differ in length ({}, {}, {}, {})", starts.size(), ends.size(),
                        axes.size(), steps.size()));
  if (axes.size() > r) c.error(fmt::format("slices {} axes of a tensor of rank {}", axes.size(), r));
  emitSlice(c, x, starts, ends, axes, steps, c.outputName());
}

void split(NodeContext& c) {
  c.expectInputs(1, c.opset() >= 13 ? 2 : 1);
  ValueId x = c.requiredInput(0);
  const ir::Shape& s = c.staticShape(x);
  int64_t axis = c.normaliseAxis(c.intAttr("axis", 0), s.rank());
  int64_t dim = s.dims[static_cast<size_t>(axis)];
  std::vector<int64_t> parts;
  if (c.opset() < 13) {
    parts = c.intsAttr("split").value_or(std::vector<int64_t>{});
  } else if (ValueId v = c.input(1); v != kAbsent) {
    parts = constantInts(c, v, "split");
  }
  size_t n = c.numOutputs();
  if (parts.empty()) {
    if (c.opset() >= 18) {
      if (!c.attr("num_outputs")) c.error("has neither a 'split' input nor 'num_outputs'");
      n = static_cast<size_t>(c.intAttr("num_outputs", 1));
      if (n != c.numOutputs()) c.error(fmt::format("num_outputs is {} but the node has {} outputs", n, c.numOutputs()));
    }
    // Equal parts; from opset 18 the last may be smaller.
    int64_t each = (dim + static_cast<int64_t>(n) - 1) / static_cast<int64_t>(n);
    if (c.opset() < 18 && dim % static_cast<int64_t>(n) != 0)
      c.error(fmt::format("dim {} of size {} does not split into {} equal parts", axis, dim, n));
    for (size_t i = 0; i < n; ++i) parts.push_back(std::min(each, dim - each * static_cast<int64_t>(i)));
  }
  if (parts.size() != n) c.error(fmt::format("split has {} parts for {} outputs", parts.size(), n));
  int64_t total = 0;
  for (int64_t p : parts) total += p;
  if (total != dim) c.error(fmt::format("split [{}] adds up to {}, the dim is {}", fmt::join(parts, ","), total, dim));
  int64_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!c.outputName(i).empty()) emitSlice(c, x, {at}, {at + parts[i]}, {axis}, {1}, c.outputName(i));
    at += parts[i];
  }
}

void gather(NodeContext& c) {
  c.expectInputs(2, 2);
  ValueId data = c.requiredInput(0);
  ir::Attributes a;
  a.set("axis", c.normaliseAxis(c.intAttr("axis", 0), c.typeOf(data).shape.rank()));
  c.emitOutput(OpKind::Gather, {data, c.requiredInput(1)}, a);
}

}  // namespace

void addShapeImporters(ImporterTable& t) {
  t["Shape"] = shape;
  t["Size"] = size;
  t["ConstantOfShape"] = constantOfShape;
  t["Range"] = range;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Expand"] = expand;
  t["Tile"] = tile;
  t["Slice"] = slice;
  t["Split"] = split;
  t["Gather"] = gather;
}

}  // namespace shardc::frontend::onnx_import
