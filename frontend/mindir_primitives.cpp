// MindSpore primitives, each lowered to the ONNX operators that compute it (the ONNX importer then takes them to
// the ir). Attribute names and encodings are MindSpore's as its exporter writes them (checked on the sample files
// in ../shared/fixtures/mindspore): stride/dilation/kernel_size as 4-tuples (1, 1, h, w) or pairs, pad_mode as a
// string ("valid", "same", "pad"; pools in upper case) or, from MindSpore 2.3, as the PadMode enum (PAD 0, SAME 1,
// VALID 2), pad lists as (top, bottom, left, right).
#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/mindir_import_context.h"
#include "frontend/mindir_proto.h"

namespace shardc::frontend::mindir_import {
namespace {

using Dims = std::vector<int64_t>;

void unary(PrimitiveContext& c, const char* op) {
  c.expectInputs(1, 1);
  c.strategyOn(c.emitOutput(op, {c.tensor(0)}));
}

// A scalar operand takes the other operand's element type, as MindSpore's implicit cast does.
void binary(PrimitiveContext& c, const char* op) {
  c.expectInputs(2, 2);
  auto t0 = c.typeOf(0), t1 = c.typeOf(1);
  std::string a = c.tensor(0, t1 ? std::optional(t1->dtype) : std::nullopt);
  std::string b = c.tensor(1, t0 ? std::optional(t0->dtype) : std::nullopt);
  c.strategyOn(c.emitOutput(op, {a, b}));
}

// Swaps the last two dims of input i (rank `rank`); records how its split maps onto the transposed operand.
std::string transposeLastTwo(PrimitiveContext& c, size_t i, size_t rank, std::vector<std::vector<int>>& dimsOf) {
  if (rank < 2) c.error(fmt::format("input {} has rank {}, cannot transpose its last two dims", i, rank));
  Dims perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[rank - 1], perm[rank - 2]);
  dimsOf[i].assign(perm.begin(), perm.end());
  return c.emit("Transpose", {c.tensor(i)}, {onnxAttr("perm", perm)});
}

// MatMul (2-D) and BatchMatMul. transpose_b reads a stored [N, K] weight: the ir multiplies by its transpose (which
// canonicalize folds into a [K, N] parameter of the same name), so MindSpore's split of input 1, given for [N, K],
// becomes the reversed split of the MatMul's operand.
void matmul(PrimitiveContext& c, bool batch) {
  c.expectInputs(2, 2);
  bool ta = c.boolAttr("transpose_a", c.boolAttr("transpose_x1", false));
  bool tb = c.boolAttr("transpose_b", c.boolAttr("transpose_x2", false));
  std::vector<std::vector<int>> dimsOf(2);
  auto rank = [&](size_t i) -> size_t {
    if (!batch) return 2;  // MatMul is 2-D in MindSpore
    return c.rankOf(i);
  };
  std::string a = ta ? transposeLastTwo(c, 0, rank(0), dimsOf) : c.tensor(0);
  std::string b = tb ? transposeLastTwo(c, 1, rank(1), dimsOf) : c.tensor(1);
  c.strategyOn(c.emitOutput("MatMul", {a, b}), dimsOf);
}

// Dense (MindSpore 2.x): x @ w^T (+ b), w stored [out, in].
void dense(PrimitiveContext& c) {
  c.expectInputs(2, 3);
  std::string w = c.emit("Transpose", {c.tensor(1)}, {onnxAttr("perm", Dims{1, 0})});
  if (c.numInputs() == 2 || (c.constant(2) && c.constant(2)->kind == MindIrValue::Kind::None)) {
    c.emitOutput("MatMul", {c.tensor(0), w});
    return;
  }
  c.emitOutput("Add", {c.emit("MatMul", {c.tensor(0), w}), c.tensor(2)});
}

// BiasAdd adds b [C] along the channel dim: the last for NHWC and for 2-D inputs, dim 1 for NCHW (where b is seen
// as [C, 1, ...]).
void biasAdd(PrimitiveContext& c) {
  c.expectInputs(2, 2);
  std::string format = c.stringAttr("format", c.stringAttr("data_format", "NCHW"));
  size_t rank = c.rankOf(0);
  std::string x = c.tensor(0);
  auto t = c.typeOf(0);
  std::string b = c.tensor(1, t ? std::optional(t->dtype) : std::nullopt);
  if (format == "NHWC" || rank <= 2) {
    c.strategyOn(c.emitOutput("Add", {x, b}));
    return;
  }
  if (format != "NCHW" && format != "NCDHW") c.unsupported(fmt::format("unsupported attribute format={}", format));
  Dims axes;
  std::vector<int> biasDims{0};
  for (size_t d = 2; d < rank; ++d) {
    axes.push_back(static_cast<int64_t>(d - 1));
    biasDims.push_back(-1);
  }
  std::string column = c.emit("Unsqueeze", {b, c.constInts(axes)});
  c.strategyOn(c.emitOutput("Add", {x, column}), {{}, biasDims});
}

int64_t singleAxis(PrimitiveContext& c, const std::string& name, int64_t dflt) {
  const MindIrValue* v = c.attr(name);
  if (!v) return dflt;
  Dims axes = c.intsAttr(name).value();
  if (axes.size() != 1) c.unsupported(fmt::format("unsupported attribute {}={} (one axis only)", name, v->str()));
  return axes[0];
}

void softmax(PrimitiveContext& c, const char* op) {
  c.expectInputs(1, 1);
  c.strategyOn(c.emitOutput(op, {c.tensor(0)}, {onnxAttr("axis", singleAxis(c, "axis", -1))}));
}

// MindSpore's GeLU primitive computes the tanh approximation on every backend (nn.GELU(approximate=False) is
// written as an erf formula of other primitives instead).
void gelu(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  c.emitOutput("Gelu", {c.tensor(0)}, {onnxAttr("approximate", std::string("tanh"))});
}

// LayerNorm's outputs are (y, mean, variance); ONNX's third output is the inverse standard deviation instead, so
// only y and mean are offered. gamma and beta have x's shape from begin_params_axis on and broadcast as they are.
void layerNorm(PrimitiveContext& c) {
  c.expectInputs(3, 3);
  int64_t axis = c.intAttr("begin_norm_axis", 1);
  float epsilon = static_cast<float>(c.floatAttr("epsilon", 1e-7));
  std::string x = c.tensor(0);
  auto outs = c.emitN("LayerNormalization", {x, c.tensor(1), c.tensor(2)},
                      {onnxAttr("axis", axis), onnxAttr("epsilon", epsilon)}, 2);
  c.defineTuple({outs[0], outs[1], ""}, "LayerNorm's output 2 (the variance) is not supported");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

// pad_mode as "pad", "same" or "valid" whatever its spelling.
std::string padMode(PrimitiveContext& c) {
  const MindIrValue* v = c.attr("pad_mode");
  if (!v) return "valid";
  if (v->kind == MindIrValue::Kind::String) return lower(v->s);
  if (v->kind == MindIrValue::Kind::Int && v->i >= 0 && v->i <= 2) return std::array{"pad", "same", "valid"}[size_t(v->i)];
  c.unsupported(fmt::format("unsupported attribute pad_mode={}", v->str()));
}

// A spatial attribute given as one value, a pair, or the 4-tuple (1, 1, h, w).
Dims spatialPair(PrimitiveContext& c, const std::string& name) {
  std::optional<Dims> v = c.intsAttr(name);
  if (!v) return {1, 1};
  if (v->size() == 1) return {(*v)[0], (*v)[0]};
  if (v->size() == 2) return *v;
  if (v->size() == 4) return {(*v)[2], (*v)[3]};
  c.error(fmt::format("attribute '{}' is ({}), expected 1, 2 or 4 values", name, fmt::join(*v, ", ")));
}

// ONNX's auto_pad or explicit pads [top, left, bottom, right] for MindSpore's pad mode and (top, bottom, left,
// right) list. MindSpore's "same" puts the odd padding at the end, as ONNX's SAME_UPPER does.
void windowPadding(PrimitiveContext& c, std::vector<onnx::AttributeProto>& attrs) {
  std::string mode = padMode(c);
  if (mode == "same") {
    attrs.push_back(onnxAttr("auto_pad", std::string("SAME_UPPER")));
  } else if (mode == "valid") {
    attrs.push_back(onnxAttr("auto_pad", std::string("VALID")));
  } else if (mode == "pad") {
    std::optional<Dims> p = c.intsAttr("pad_list");
    if (!p) p = c.intsAttr("pad");
    if (!p) p = Dims{0};
    if (p->size() == 1) p = Dims(4, (*p)[0]);
    if (p->size() != 4) c.error(fmt::format("pad list ({}) needs 4 values (top, bottom, left, right)", fmt::join(*p, ", ")));
    attrs.push_back(onnxAttr("pads", Dims{(*p)[0], (*p)[2], (*p)[1], (*p)[3]}));
  } else {
    c.unsupported(fmt::format("unsupported attribute pad_mode={}", mode));
  }
}

void requireNchw(PrimitiveContext& c) {
  std::string format = c.stringAttr("format", c.stringAttr("data_format", "NCHW"));
  if (format != "NCHW") c.unsupported(fmt::format("unsupported attribute format={} (NCHW only)", format));
}

void conv2d(PrimitiveContext& c) {
  c.expectInputs(2, 2);
  requireNchw(c);
  if (c.intAttr("mode", 1) != 1) c.unsupported(fmt::format("unsupported attribute mode={}", c.intAttr("mode", 1)));
  std::vector<onnx::AttributeProto> attrs{onnxAttr("strides", spatialPair(c, "stride")),
                                          onnxAttr("dilations", spatialPair(c, "dilation")),
                                          onnxAttr("group", c.intAttr("group", c.intAttr("groups", 1)))};
  windowPadding(c, attrs);
  c.strategyOn(c.emitOutput("Conv", {c.tensor(0), c.tensor(1)}, attrs));
}

void pool(PrimitiveContext& c, const char* op) {
  c.expectInputs(1, 1);
  requireNchw(c);
  std::vector<onnx::AttributeProto> attrs{onnxAttr("kernel_shape", spatialPair(c, "kernel_size")),
                                          onnxAttr("strides", spatialPair(c, "strides"))};
  windowPadding(c, attrs);
  if (c.boolAttr("ceil_mode", false)) attrs.push_back(onnxAttr("ceil_mode", int64_t{1}));
  c.strategyOn(c.emitOutput(op, {c.tensor(0)}, attrs));
}

void flatten(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  c.strategyOn(c.emitOutput("Flatten", {c.tensor(0)}, {onnxAttr("axis", int64_t{1})}));
}

void reshape(PrimitiveContext& c) {
  c.expectInputs(2, 2);
  Dims shape = c.constantInts(1, "shape");
  c.strategyOn(c.emitOutput("Reshape", {c.tensor(0), c.constInts(shape)}));
}

void transpose(PrimitiveContext& c) {
  c.expectInputs(1, 2);
  Dims perm = c.numInputs() == 2 ? c.constantInts(1, "perm") : c.intsAttr("perm").value_or(Dims{});
  c.strategyOn(c.emitOutput("Transpose", {c.tensor(0)}, {onnxAttr("perm", perm)}));
}

// ReduceSum(x, axis) with keep_dims: axis an int or a tuple (empty: every dim), given as an input (or, in old
// files, an attribute).
void reduce(PrimitiveContext& c, const char* op) {
  c.expectInputs(1, 2);
  Dims axes = c.numInputs() == 2 ? c.constantInts(1, "axis") : c.intsAttr("axis").value_or(Dims{});
  std::vector<std::string> inputs{c.tensor(0)};
  if (!axes.empty()) inputs.push_back(c.constInts(axes));
  c.strategyOn(c.emitOutput(op, inputs, {onnxAttr("keepdims", int64_t{c.boolAttr("keep_dims", false)})}));
}

void cast(PrimitiveContext& c) {
  c.expectInputs(2, 2);
  const MindIrValue* to = c.constant(1);
  if (!to || to->kind != MindIrValue::Kind::Type)
    c.error(fmt::format("its dtype (input 1) is {}, expected a type", to ? to->str() : "computed at run time"));
  c.strategyOn(c.emitOutput("Cast", {c.tensor(0)}, {onnxAttr("to", int64_t{mindir_proto::dtypeToMindIr(to->type)})}));
}

void gather(PrimitiveContext& c) {
  c.expectInputs(2, 3);
  if (c.intAttr("batch_dims", 0) != 0)
    c.unsupported(fmt::format("unsupported attribute batch_dims={}", c.intAttr("batch_dims", 0)));
  int64_t axis = c.numInputs() == 3 ? c.constantInts(2, "axis").at(0) : c.intAttr("axis", 0);
  c.strategyOn(c.emitOutput("Gather", {c.tensor(0), c.tensor(1)}, {onnxAttr("axis", axis)}));
}

void concat(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  c.strategyOn(c.emitOutput("Concat", c.tensors(0), {onnxAttr("axis", c.intAttr("axis", 0))}));
}

// Split(x) into output_num equal parts along axis, a tuple (MindSpore's redistribution splits a tensor this way
// before an AllGather or AlltoAll). MindSpore requires the parts equal; ONNX's num_outputs would let the last be
// smaller, so the sizes are given.
void split(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  std::optional<ir::TensorType> t = c.typeOf(0);
  if (!t) c.error("needs the shape of input 0, which the model does not give (no abstract)");
  auto rank = static_cast<int64_t>(t->shape.rank());
  int64_t axis = c.intAttr("axis", 0), n = c.intAttr("output_num", 1);
  if (axis < -rank || axis >= rank) c.error(fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  int64_t dim = t->shape.dims[static_cast<size_t>(axis)];
  if (n < 1 || n > std::max<int64_t>(dim, 1) || dim % n != 0)
    c.error(fmt::format("output_num {} does not divide dim {} of size {} into equal parts", n, axis, dim));
  auto outs = c.emitN("Split", {c.tensor(0), c.constInts(Dims(static_cast<size_t>(n), dim / n))},
                      {onnxAttr("axis", axis)}, static_cast<size_t>(n));
  c.defineTuple(std::move(outs), "");
}

// StridedSlice(x, begin, end, strides) with its bit masks: begin_mask/end_mask bit i runs dim i from its start /
// to its end, shrink_axis_mask bit i keeps the one element begin[i] and drops the dim.
void stridedSlice(PrimitiveContext& c) {
  c.expectInputs(4, 4);
  Dims begin = c.constantInts(1, "begin"), end = c.constantInts(2, "end"), strides = c.constantInts(3, "strides");
  if (end.size() != begin.size() || strides.size() != begin.size())
    c.error(fmt::format("begin, end and strides have {}, {} and {} entries", begin.size(), end.size(), strides.size()));
  for (const char* mask : {"ellipsis_mask", "new_axis_mask"})
    if (int64_t m = c.intAttr(mask, 0); m != 0) c.unsupported(fmt::format("unsupported attribute {}={}", mask, m));
  int64_t beginMask = c.intAttr("begin_mask", 0), endMask = c.intAttr("end_mask", 0);
  int64_t shrinkMask = c.intAttr("shrink_axis_mask", 0);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  Dims axes, shrunk;
  for (size_t i = 0; i < begin.size(); ++i) {
    axes.push_back(static_cast<int64_t>(i));
    if (strides[i] == 0) c.error(fmt::format("stride {} is 0", i));
    if (shrinkMask >> i & 1) {
      end[i] = begin[i] == -1 ? kMax : begin[i] + 1;
      strides[i] = 1;
      shrunk.push_back(static_cast<int64_t>(i));
      continue;
    }
    if (beginMask >> i & 1) begin[i] = strides[i] > 0 ? 0 : kMax;
    if (endMask >> i & 1) end[i] = strides[i] > 0 ? kMax : kMin;
  }
  std::vector<std::string> in{c.tensor(0), c.constInts(begin), c.constInts(end), c.constInts(axes), c.constInts(strides)};
  if (shrunk.empty()) {
    c.strategyOn(c.emitOutput("Slice", in));
    return;
  }
  std::string sliced = c.emit("Slice", in);
  c.strategyOn(sliced);
  c.emitOutput("Squeeze", {sliced, c.constInts(shrunk)});
}

void squeeze(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  Dims axes = c.intsAttr("axis").value_or(Dims{});
  std::vector<std::string> in{c.tensor(0)};
  if (!axes.empty()) in.push_back(c.constInts(axes));
  c.strategyOn(c.emitOutput("Squeeze", in));
}

void expandDims(PrimitiveContext& c) {
  c.expectInputs(2, 2);
  Dims axis = c.constantInts(1, "axis");
  if (axis.size() != 1) c.error(fmt::format("axis ({}) must be one integer", fmt::join(axis, ", ")));
  c.strategyOn(c.emitOutput("Unsqueeze", {c.tensor(0), c.constInts(axis)}));
}

// Select(cond, x, y): x where cond holds.
void select(PrimitiveContext& c) {
  c.expectInputs(3, 3);
  c.strategyOn(c.emitOutput("Where", {c.tensor(0), c.tensor(1), c.tensor(2)}));
}

// BroadcastTo(x) to the attribute shape, whose -1 entries keep x's dim.
void broadcastTo(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  std::optional<Dims> shape = c.intsAttr("shape");
  if (!shape) c.error("has no attribute shape");
  bool keeps = std::any_of(shape->begin(), shape->end(), [](int64_t d) { return d < 0; });
  if (keeps) {
    auto t = c.typeOf(0);
    if (!t) c.error("needs its input's shape for a -1 in shape, which the model does not give");
    size_t lead = shape->size() - std::min(shape->size(), t->shape.rank());
    for (size_t i = lead; i < shape->size(); ++i)
      if ((*shape)[i] < 0) (*shape)[i] = t->shape.dims[i - lead];
  }
  c.strategyOn(c.emitOutput("Expand", {c.tensor(0), c.constInts(*shape)}));
}

void square(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  std::string x = c.tensor(0);
  c.emitOutput("Mul", {x, x});
}

}  // namespace

const std::map<std::string, PrimitiveLowering>& primitiveLowerings() {
  static const std::map<std::string, PrimitiveLowering> table = [] {
    std::map<std::string, PrimitiveLowering> t;
    for (auto [name, op] : {std::pair{"ReLU", "Relu"}, {"Sigmoid", "Sigmoid"}, {"Tanh", "Tanh"}, {"Exp", "Exp"},
                            {"Sqrt", "Sqrt"}, {"Neg", "Neg"}, {"Abs", "Abs"}, {"Log", "Log"}, {"Erf", "Erf"},
                            {"Reciprocal", "Reciprocal"}, {"Floor", "Floor"}, {"Ceil", "Ceil"},
                            {"LogicalNot", "Not"}})
      t[name] = [op](PrimitiveContext& c) { unary(c, op); };
    for (auto [name, op] : {std::pair{"Add", "Add"}, {"Sub", "Sub"}, {"Mul", "Mul"}, {"RealDiv", "Div"},
                            {"Div", "Div"}, {"Maximum", "Max"}, {"Minimum", "Min"}, {"Pow", "Pow"},
                            {"Equal", "Equal"}, {"Less", "Less"}, {"Greater", "Greater"},
                            {"LessEqual", "LessOrEqual"}, {"GreaterEqual", "GreaterOrEqual"},
                            {"LogicalAnd", "And"}, {"LogicalOr", "Or"}})
      t[name] = [op](PrimitiveContext& c) { binary(c, op); };
    t["MatMul"] = [](PrimitiveContext& c) { matmul(c, false); };
    t["BatchMatMul"] = [](PrimitiveContext& c) { matmul(c, true); };
    t["Dense"] = dense;
    t["BiasAdd"] = biasAdd;
    t["GeLU"] = gelu;
    t["Softmax"] = [](PrimitiveContext& c) { softmax(c, "Softmax"); };
    t["LogSoftmax"] = [](PrimitiveContext& c) { softmax(c, "LogSoftmax"); };
    t["LayerNorm"] = layerNorm;
    t["Conv2D"] = conv2d;
    t["MaxPool"] = [](PrimitiveContext& c) { pool(c, "MaxPool"); };
    t["AvgPool"] = [](PrimitiveContext& c) { pool(c, "AveragePool"); };
    t["Flatten"] = flatten;
    t["Reshape"] = reshape;
    t["Transpose"] = transpose;
    t["ReduceSum"] = [](PrimitiveContext& c) { reduce(c, "ReduceSum"); };
    t["ReduceMean"] = [](PrimitiveContext& c) { reduce(c, "ReduceMean"); };
    t["ReduceMax"] = [](PrimitiveContext& c) { reduce(c, "ReduceMax"); };
    t["ReduceMin"] = [](PrimitiveContext& c) { reduce(c, "ReduceMin"); };
    t["Cast"] = cast;
    t["Gather"] = gather;
    t["GatherV2"] = gather;
    t["Concat"] = concat;
    t["Split"] = split;
    t["StridedSlice"] = stridedSlice;
    t["Squeeze"] = squeeze;
    t["ExpandDims"] = expandDims;
    t["Square"] = square;
    t["Select"] = select;
    t["BroadcastTo"] = broadcastTo;
    addCollectiveLowerings(t);
    return t;
  }();
  return table;
}

}  // namespace shardc::frontend::mindir_import
