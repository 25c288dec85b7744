#include "frontend/onnx_importer.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include "frontend/onnx_tensor.h"
#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::frontend {
namespace {
using ir::OpKind;
using ir::ValueId;
constexpr ValueId kAbsent = -1;

class Importer;
using Handler = std::function<void(Importer&)>;
const std::map<std::string, Handler>& handlers();

class Importer {
 public:
  Importer(const onnx::ModelProto& m, std::string source, const ImportOptions& o)
      : model_(m), source_(std::move(source)), options_(o) {}

  ir::Graph run() {
    findOpset();
    const onnx::GraphProto& graph = model_.graph();
    g_.name = graph.name().empty() ? "main" : graph.name();
    for (const auto& init : graph.initializer()) bind(init.name(), g_.addParam(init.name(), tensorFromOnnx(init, init.name())));
    importInputs(graph);
    for (const auto& node : graph.node()) {
      node_ = &node;
      importNode(node);
    }
    node_ = nullptr;
    std::vector<ValueId> outs;
    for (const auto& o : graph.output()) {
      if (o.has_type() && !o.type().has_tensor_type())
        ir::unsupported("{}: output '{}' is not a tensor (sequence, map and optional values are not supported)", source_, o.name());
      auto it = names_.find(o.name());
      if (it == names_.end()) ir::fail("{}: graph output '{}' is not produced by any node", source_, o.name());
      outs.push_back(it->second);
    }
    if (outs.empty()) ir::fail("{}: the graph has no outputs", source_);
    g_.setOutputs(outs);
    return std::move(g_);
  }

  // ---- what handlers use ----
  const onnx::NodeProto& node() const { return *node_; }
  int64_t opset() const { return opset_; }

  std::string describe() const {
    std::string n = node_->name().empty() ? (node_->output_size() ? node_->output(0) : std::string("?")) : node_->name();
    return fmt::format("node '{}' ({}, opset {})", n, node_->op_type(), opset_);
  }
  [[noreturn]] void error(const std::string& what) const { ir::fail("{}: {}", describe(), what); }
  [[noreturn]] void unsupportedAttr(const std::string& attr, const std::string& value) const {
    ir::unsupported("{}: unsupported attribute {}={}", describe(), attr, value);
  }

  size_t numInputs() const { return static_cast<size_t>(node_->input_size()); }
  // The i-th input, or kAbsent when it is missing or named "" (an omitted optional input).
  ValueId input(size_t i) const {
    if (i >= numInputs() || node_->input(int(i)).empty()) return kAbsent;
    auto it = names_.find(node_->input(int(i)));
    if (it == names_.end()) error("input '" + node_->input(int(i)) + "' is not defined before this node");
    return it->second;
  }
  ValueId requiredInput(size_t i) const {
    ValueId v = input(i);
    if (v == kAbsent) error(fmt::format("input {} is required", i));
    return v;
  }
  const ir::TensorType& typeOf(ValueId v) const { return g_.value(v).type; }
  const ir::Shape& staticShape(ValueId v) const {
    const ir::Shape& s = g_.value(v).type.shape;
    if (!s.isStatic()) error(fmt::format("needs a static shape for '{}', has {} (give inputs with --shape)", g_.value(v).name, s.str()));
    return s;
  }
  // The contents of v when it is a constant (initializer or Constant node).
  std::optional<ir::Tensor> constant(ValueId v) const {
    if (v == kAbsent) return std::nullopt;
    const ir::Value& val = g_.value(v);
    if (val.role == ir::ValueRole::Input) {
      auto it = options_.inputValues.find(val.name);
      if (it != options_.inputValues.end()) return it->second;
    }
    if (val.role != ir::ValueRole::Param || !val.data) return std::nullopt;
    return *val.data;
  }

  const onnx::AttributeProto* attr(const std::string& name) const {
    for (const auto& a : node_->attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t intAttr(const std::string& name, int64_t dflt) const {
    const auto* a = attr(name);
    return a ? a->i() : dflt;
  }
  double floatAttr(const std::string& name, double dflt) const {
    const auto* a = attr(name);
    return a ? a->f() : dflt;
  }
  std::optional<std::vector<int64_t>> intsAttr(const std::string& name) const {
    const auto* a = attr(name);
    if (!a) return std::nullopt;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  int64_t normaliseAxis(int64_t axis, size_t rank, bool allowEnd = false) const {
    int64_t r = static_cast<int64_t>(rank);
    int64_t hi = allowEnd ? r : r - 1;
    if (axis < -r || axis > hi) error(fmt::format("axis {} is out of range for rank {}", axis, rank));
    return axis < 0 ? axis + r : axis;
  }

  // Adds an op (its result typed at once); `output` is the ONNX name it defines, or "" for an internal value.
  ValueId emit(OpKind kind, std::vector<ValueId> operands, ir::Attributes attrs = {}, const std::string& output = "") {
    std::string resultName = output.empty() ? g_.uniqueName(node_->output(0) + "." + std::string(ir::opKindName(kind))) : output;
    ir::OpId o = g_.addOp(kind, std::move(operands), {resultName}, std::move(attrs), node_->name());
    ir::Op& op = g_.op(o);
    std::vector<ir::TensorType> types;
    std::vector<ir::TensorType> in;
    for (ValueId v : op.operands) in.push_back(g_.value(v).type);
    try {
      types = ir::inferResultTypes(op, in);
    } catch (const ir::Error& e) {
      error(e.what());
    }
    ValueId r = op.results[0];
    g_.value(r).type = types[0];
    if (!output.empty()) bind(output, r);
    return r;
  }
  // The node's single ONNX output is `v` (an op result that took another name, or a value passed through).
  void defineOutput(ValueId v) { bind(node_->output(0), v); }
  ValueId addConstant(const std::string& name, ir::Tensor t) {
    ValueId v = g_.addParam(name, std::move(t));
    bind(name, v);
    return v;
  }
  const std::string& outputName(size_t i = 0) const { return node_->output(int(i)); }

 private:
  void bind(const std::string& name, ValueId v) { names_[name] = v; }

  void findOpset() {
    bool found = false;
    for (const auto& o : model_.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") {
        opset_ = o.version();
        found = true;
      }
    if (!found) opset_ = 1;
  }

  void importInputs(const onnx::GraphProto& graph) {
    for (const auto& in : graph.input()) {
      if (names_.count(in.name())) continue;  // an initializer listed as an input (IR version < 4)
      if (!in.type().has_tensor_type())
        ir::unsupported("{}: input '{}' is not a tensor (sequence, map and optional inputs are not supported)", source_, in.name());
      const auto& tt = in.type().tensor_type();
      ir::TensorType type;
      type.dtype = dtypeFromOnnx(tt.elem_type(), "input '" + in.name() + "'");
      bool named = false;
      if (tt.has_shape()) {
        for (const auto& d : tt.shape().dim()) {
          type.shape.dims.push_back(d.has_dim_value() ? d.dim_value() : ir::kDynamicDim);
          type.shape.dimNames.push_back(d.has_dim_param() ? d.dim_param() : "");
          named = named || d.has_dim_param();
        }
      }
      if (!named) type.shape.dimNames.clear();
      auto given = options_.inputShapes.find(in.name());
      if (given != options_.inputShapes.end()) {
        const ir::Shape& s = given->second;
        if (tt.has_shape() && s.rank() != type.shape.rank())
          ir::fail("--shape {}={}: the model's input '{}' has rank {} ({})", in.name(), s.xstr(), in.name(),
                   type.shape.rank(), type.shape.str());
        for (size_t d = 0; d < s.rank() && tt.has_shape(); ++d)
          if (type.shape.dims[d] >= 0 && type.shape.dims[d] != s.dims[d])
            ir::fail("--shape {}={}: dimension {} of input '{}' is fixed to {} by the model", in.name(), s.xstr(), d,
                     in.name(), type.shape.dims[d]);
        type.shape = ir::Shape(s.dims);
      } else if (!type.shape.isStatic() && !options_.allowDynamic) {
        std::string dim = "?";
        for (size_t d = 0; d < type.shape.rank(); ++d)
          if (type.shape.dims[d] < 0) {
            dim = d < type.shape.dimNames.size() && !type.shape.dimNames[d].empty() ? type.shape.dimNames[d]
                                                                                     : std::to_string(d);
            break;
          }
        ir::Shape example = type.shape;
        for (auto& x : example.dims)
          if (x < 0) x = 1;
        ir::fail("input '{}' has dynamic dimension '{}' (shape {}); give it with --shape {}={}", in.name(), dim,
                 type.shape.str(), in.name(), example.xstr());
      }
      bind(in.name(), g_.addInput(in.name(), type));
    }
    for (const auto& [name, shape] : options_.inputShapes) {
      (void)shape;
      bool isInput = false;
      for (const auto& in : graph.input()) isInput = isInput || in.name() == name;
      if (!isInput) ir::fail("--shape {}: the model has no input '{}'", name, name);
    }
  }

  void importNode(const onnx::NodeProto& node) {
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      ir::unsupported("{}: operator domain '{}' is not supported; supported: {}", describe(), node.domain(),
                      fmt::join(supportedOnnxOps(), ", "));
    auto it = handlers().find(node.op_type());
    if (it == handlers().end())
      ir::unsupported("{}: unsupported operator; supported: {}", describe(), fmt::join(supportedOnnxOps(), ", "));
    if (node.output_size() == 0) error("has no outputs");
    it->second(*this);
  }

  const onnx::ModelProto& model_;
  std::string source_;
  const ImportOptions& options_;
  ir::Graph g_;
  std::map<std::string, ValueId> names_;
  int64_t opset_ = 1;
  const onnx::NodeProto* node_ = nullptr;
};

// ---------------------------------------------------------------------------------------------------------------
// Per-operator handlers.

void unary(Importer& im, OpKind kind) { im.emit(kind, {im.requiredInput(0)}, {}, im.outputName()); }

void binary(Importer& im, OpKind kind) {
  ValueId a = im.requiredInput(0), b = im.requiredInput(1);
  // Before opset 7, broadcasting was opt-in: B aligned at `axis` of A instead of at the end.
  if (im.opset() < 7 && im.intAttr("broadcast", 0) != 0 && im.attr("axis")) {
    const ir::Shape& sa = im.staticShape(a);
    const ir::Shape& sb = im.staticShape(b);
    int64_t axis = im.normaliseAxis(im.intAttr("axis", 0), sa.rank());
    int64_t trailing = static_cast<int64_t>(sa.rank()) - axis - static_cast<int64_t>(sb.rank());
    if (trailing < 0) im.error("B does not fit at the broadcast axis");
    if (trailing > 0) {
      std::vector<int64_t> dims = sb.dims;
      dims.insert(dims.end(), size_t(trailing), 1);
      ir::Attributes r;
      r.set("shape", dims);
      b = im.emit(OpKind::Reshape, {b}, r);
    }
  }
  im.emit(kind, {a, b}, {}, im.outputName());
}

void gemm(Importer& im) {
  ir::Attributes a;
  a.set("alpha", im.floatAttr("alpha", 1.0));
  a.set("beta", im.floatAttr("beta", 1.0));
  a.set("transA", im.intAttr("transA", 0));
  a.set("transB", im.intAttr("transB", 0));
  std::vector<ValueId> ops{im.requiredInput(0), im.requiredInput(1)};
  if (ValueId c = im.input(2); c != kAbsent) ops.push_back(c);
  im.emit(OpKind::Gemm, ops, a, im.outputName());
}

void flatten(Importer& im) {
  ValueId x = im.requiredInput(0);
  ir::Attributes a;
  a.set("axis", im.normaliseAxis(im.intAttr("axis", 1), im.typeOf(x).shape.rank(), /*allowEnd=*/true));
  im.emit(OpKind::Flatten, {x}, a, im.outputName());
}

void reshape(Importer& im) {
  ValueId x = im.requiredInput(0);
  std::vector<int64_t> target;
  if (im.opset() < 5) {
    auto s = im.intsAttr("shape");
    if (!s) im.error("has no 'shape' attribute");
    target = *s;
  } else {
    auto c = im.constant(im.requiredInput(1));
    if (!c) im.unsupportedAttr("shape", "<computed at run time>");
    target = c->toInts();
  }
  bool allowZero = im.intAttr("allowzero", 0) != 0;
  const ir::Shape& in = im.staticShape(x);
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allowZero) {
      if (i >= in.rank()) im.error(fmt::format("shape entry {} copies a dimension the input does not have", i));
      target[i] = in.dims[i];
    }
    if (target[i] == -1) {
      if (inferAt >= 0) im.error("shape has more than one -1");
      inferAt = int64_t(i);
      continue;
    }
    if (target[i] < 0) im.error(fmt::format("shape entry {} is {}", i, target[i]));
    known *= target[i];
  }
  if (inferAt >= 0) {
    if (known == 0 || in.numElements() % known != 0)
      im.error(fmt::format("cannot reshape {} to [{}]", in.str(), fmt::join(target, ",")));
    target[size_t(inferAt)] = in.numElements() / known;
  }
  ir::Attributes a;
  a.set("shape", target);
  im.emit(OpKind::Reshape, {x}, a, im.outputName());
}

void transpose(Importer& im) {
  ValueId x = im.requiredInput(0);
  ir::Attributes a;
  if (auto perm = im.intsAttr("perm")) {
    a.set("perm", *perm);
  } else {
    std::vector<int64_t> p;
    for (size_t d = im.typeOf(x).shape.rank(); d-- > 0;) p.push_back(int64_t(d));
    a.set("perm", p);
  }
  im.emit(OpKind::Transpose, {x}, a, im.outputName());
}

void softmax(Importer& im) {
  ValueId x = im.requiredInput(0);
  size_t rank = im.typeOf(x).shape.rank();
  if (im.opset() >= 13) {
    ir::Attributes a;
    a.set("axis", im.normaliseAxis(im.intAttr("axis", -1), rank));
    im.emit(OpKind::Softmax, {x}, a, im.outputName());
    return;
  }
  // Before opset 13 the input is seen as 2-D, [prod(dims[:axis]), prod(dims[axis:])], softmax over the second.
  int64_t axis = im.normaliseAxis(im.intAttr("axis", 1), rank, /*allowEnd=*/true);
  const ir::Shape& s = im.staticShape(x);
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < rank; ++d) (int64_t(d) < axis ? outer : inner) *= s.dims[d];
  ir::Attributes flat, axis1, back;
  flat.set("shape", std::vector<int64_t>{outer, inner});
  axis1.set("axis", int64_t{1});
  back.set("shape", s.dims);
  ValueId f = im.emit(OpKind::Reshape, {x}, flat);
  ValueId y = im.emit(OpKind::Softmax, {f}, axis1);
  im.emit(OpKind::Reshape, {y}, back, im.outputName());
}

// ReduceSum before 13 and ReduceMean before 18 take axes as an attribute, later as an optional input.
void reduce(Importer& im, OpKind kind, int64_t axesInputSince) {
  ValueId x = im.requiredInput(0);
  size_t rank = im.typeOf(x).shape.rank();
  std::optional<std::vector<int64_t>> axes;
  if (im.opset() < axesInputSince) {
    axes = im.intsAttr("axes");
  } else if (ValueId av = im.input(1); av != kAbsent) {
    auto c = im.constant(av);
    if (!c) im.unsupportedAttr("axes", "<computed at run time>");
    axes = c->toInts();
  }
  if ((!axes || axes->empty()) && im.intAttr("noop_with_empty_axes", 0) != 0) {
    im.emit(OpKind::Identity, {x}, {}, im.outputName());
    return;
  }
  std::vector<int64_t> normalised;
  for (int64_t a : axes.value_or(std::vector<int64_t>{})) normalised.push_back(im.normaliseAxis(a, rank));
  std::sort(normalised.begin(), normalised.end());
  normalised.erase(std::unique(normalised.begin(), normalised.end()), normalised.end());
  ir::Attributes a;
  a.set("axes", normalised);
  a.set("keepdims", im.intAttr("keepdims", 1) != 0 ? int64_t{1} : int64_t{0});
  im.emit(kind, {x}, a, im.outputName());
}

void concat(Importer& im) {
  std::vector<ValueId> ins;
  for (size_t i = 0; i < im.numInputs(); ++i) ins.push_back(im.requiredInput(i));
  if (ins.empty()) im.error("has no inputs");
  if (!im.attr("axis")) im.error("has no 'axis' attribute");
  ir::Attributes a;
  a.set("axis", im.normaliseAxis(im.intAttr("axis", 0), im.typeOf(ins[0]).shape.rank()));
  im.emit(OpKind::Concat, ins, a, im.outputName());
}

void constant(Importer& im) {
  const onnx::NodeProto& n = im.node();
  for (const auto& a : n.attribute()) {
    ir::Tensor t;
    if (a.name() == "value") {
      t = tensorFromOnnx(a.t(), im.outputName());
    } else if (a.name() == "value_float") {
      t = ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape{}, {a.f()});
    } else if (a.name() == "value_floats") {
      t = ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape({a.floats_size()}),
                                  std::vector<double>(a.floats().begin(), a.floats().end()));
    } else if (a.name() == "value_int") {
      t = ir::Tensor::fromInts(ir::DType::i64, ir::Shape{}, {a.i()});
    } else if (a.name() == "value_ints") {
      t = ir::Tensor::fromInts(ir::DType::i64, ir::Shape({a.ints_size()}),
                               std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    } else {
      im.unsupportedAttr(a.name(), "<" + a.name() + ">");
    }
    im.addConstant(im.outputName(), std::move(t));
    return;
  }
  im.error("has no value attribute");
}

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> real = [] {
    std::map<std::string, Handler> h;
    for (auto [name, kind] : std::vector<std::pair<std::string, OpKind>>{
             {"Identity", OpKind::Identity}, {"Neg", OpKind::Neg}, {"Relu", OpKind::Relu}, {"Sigmoid", OpKind::Sigmoid},
             {"Tanh", OpKind::Tanh}, {"Exp", OpKind::Exp}, {"Sqrt", OpKind::Sqrt}, {"MatMul", OpKind::MatMul}})
      h[name] = [kind = kind](Importer& im) {
        if (kind == OpKind::MatMul) im.emit(kind, {im.requiredInput(0), im.requiredInput(1)}, {}, im.outputName());
        else unary(im, kind);
      };
    for (auto [name, kind] : std::vector<std::pair<std::string, OpKind>>{
             {"Add", OpKind::Add}, {"Sub", OpKind::Sub}, {"Mul", OpKind::Mul}, {"Div", OpKind::Div}})
      h[name] = [kind = kind](Importer& im) { binary(im, kind); };
    h["Gemm"] = gemm;
    h["Flatten"] = flatten;
    h["Reshape"] = reshape;
    h["Transpose"] = transpose;
    h["Softmax"] = softmax;
    h["ReduceSum"] = [](Importer& im) { reduce(im, OpKind::ReduceSum, 13); };
    h["ReduceMean"] = [](Importer& im) { reduce(im, OpKind::ReduceMean, 18); };
    h["Concat"] = concat;
    h["Constant"] = constant;
    return h;
  }();
  return real;
}

}  // namespace

const std::vector<std::string>& supportedOnnxOps() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, h] : handlers()) n.push_back(name);
    return n;
  }();
  return names;
}

ir::Graph importOnnxFile(const std::string& path, const ImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) ir::fail("{}: not a valid ONNX model (protobuf parse failed)", path);
  if (!model.has_graph() || (model.graph().node_size() == 0 && model.graph().output_size() == 0))
    ir::fail("{}: not a valid ONNX model (no graph)", path);
  return Importer(model, path, options).run();
}

}  // namespace shardc::frontend
