#include "frontend/onnx_importer.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_import_context.h"
#include "frontend/onnx_writer.h"
#include "frontend/onnx_importer_proto.h"
#include "frontend/onnx_tensor.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/type_inference.h"

namespace shardc::frontend {
namespace onnx_import {

// ---- NodeContext's helpers, the same for every importer ----

void NodeContext::expectInputs(size_t min, size_t max) const {
  size_t n = numInputs();
  while (n > min && node().input(static_cast<int>(n - 1)).empty()) --n;  // trailing omitted optional inputs
  if (n < min || n > max)
    error(min == max ? fmt::format("has {} inputs, expects {}", n, min)
                     : fmt::format("has {} inputs, expects {} to {}", n, min, max));
}

ir::ValueId NodeContext::requiredInput(size_t i) const {
  ir::ValueId v = input(i);
  if (v == kAbsent) error(fmt::format("input {} is required", i));
  return v;
}

const ir::Shape& NodeContext::staticShape(ir::ValueId v) const {
  const ir::Shape& s = typeOf(v).shape;
  if (!s.isStatic())
    error(fmt::format("needs a static shape for '{}', which has {}; give the inputs' shapes with --shape", nameOf(v),
                      s.str()));
  return s;
}

const onnx::AttributeProto* NodeContext::attr(const std::string& name) const {
  for (const auto& a : node().attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t NodeContext::intAttr(const std::string& name, int64_t dflt) const {
  const auto* a = attr(name);
  if (!a) return dflt;
  if (a->has_type() && a->type() != onnx::AttributeProto::INT)
    error(fmt::format("attribute '{}' must be an integer", name));
  return a->i();
}

double NodeContext::floatAttr(const std::string& name, double dflt) const {
  const auto* a = attr(name);
  if (!a) return dflt;
  if (a->has_type() && a->type() != onnx::AttributeProto::FLOAT)
    error(fmt::format("attribute '{}' must be a float", name));
  return a->f();
}

std::optional<std::vector<int64_t>> NodeContext::intsAttr(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return std::nullopt;
  if (a->has_type() && a->type() != onnx::AttributeProto::INTS)
    error(fmt::format("attribute '{}' must be a list of integers", name));
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

void NodeContext::expectOutputs(size_t min, size_t max) const {
  if (numOutputs() < min || numOutputs() > max)
    error(min == max ? fmt::format("has {} outputs, expects {}", numOutputs(), min)
                     : fmt::format("has {} outputs, expects {} to {}", numOutputs(), min, max));
}

int64_t NodeContext::normaliseAxis(int64_t axis, size_t rank, bool allowEnd) const {
  int64_t r = static_cast<int64_t>(rank);
  int64_t hi = allowEnd ? r : r - 1;
  if (axis < -r || axis > hi) error(fmt::format("axis {} is out of range for rank {}", axis, rank));
  return axis < 0 ? axis + r : axis;
}

namespace {

// Values computed from known ones are kept known only while small: they are shapes, axes and indices.
constexpr int64_t kMaxKnownElements = 4096;

// Rethrows `e` (an ir::Error or ir::Unsupported) with `prefix` before its message, keeping its kind.
[[noreturn]] void rethrowPrefixed(const ir::Error& e, const std::string& prefix) {
  std::string message = prefix + e.what();
  if (dynamic_cast<const ir::Unsupported*>(&e)) throw ir::Unsupported(message);
  throw ir::Error(message);
}

class Importer final : public NodeContext {
 public:
  Importer(const onnx::ModelProto& m, std::string source, const ImportOptions& o)
      : model_(m), source_(std::move(source)), options_(o) {}

  ir::Graph run() {
    if (!model_.has_graph()) ir::fail("{}: not a valid ONNX model (it has no graph)", source_);
    findOpset();
    const onnx::GraphProto& graph = model_.graph();
    g_.name = graph.name().empty() ? "main" : graph.name();
    for (const auto& init : graph.initializer()) {
      if (init.name().empty()) ir::fail("{}: an initializer has no name", source_);
      if (names_.count(init.name())) ir::fail("{}: initializer '{}' is given twice", source_, init.name());
      bind(init.name(), g_.addParam(init.name(), tensorFromOnnx(init, init.name(), options_.externalDataDir)));
    }
    if (graph.sparse_initializer_size() > 0)
      ir::unsupported("{}: sparse initializer '{}' is not supported", source_,
                      graph.sparse_initializer(0).values().name());
    importInputs(graph);
    for (const auto& node : graph.node()) {
      node_ = &node;
      importNode(node);
    }
    node_ = nullptr;
    std::vector<ir::ValueId> outs;
    for (const auto& o : graph.output()) {
      if (o.has_type() && !o.type().has_tensor_type())
        ir::unsupported("output '{}' is not a tensor (sequence, map and optional values are not supported)", o.name());
      auto it = names_.find(o.name());
      if (it == names_.end()) ir::fail("{}: graph output '{}' is not produced by any node", source_, o.name());
      outs.push_back(it->second);
    }
    if (outs.empty()) ir::fail("{}: the graph has no outputs", source_);
    g_.setOutputs(outs);
    // Parameters that no op or output uses are dropped: initializers that only gave an ir attribute its value (a
    // Reshape's shape, reduction axes) and ones the model never used.
    g_.pruneParams();
    return std::move(g_);
  }

  // ---- NodeContext ----
  const onnx::NodeProto& node() const override { return *node_; }
  int64_t opset() const override { return opset_; }

  std::string describe() const override {
    const onnx::NodeProto& n = *node_;
    std::string name = !n.name().empty() ? n.name() : n.output_size() ? n.output(0) : std::string("?");
    if (isDefaultDomain(n.domain())) return fmt::format("node '{}' ({}, opset {})", name, n.op_type(), opset_);
    return fmt::format("node '{}' ({}.{}, opset {})", name, n.domain(), n.op_type(), domainOpset(n.domain()));
  }
  [[noreturn]] void error(const std::string& what) const override { ir::fail("{}: {}", describe(), what); }
  [[noreturn]] void unsupportedAttr(const std::string& attr, const std::string& value) const override {
    ir::unsupported("{}: unsupported attribute {}={}", describe(), attr, value);
  }

  ir::ValueId input(size_t i) const override {
    if (i >= numInputs() || node_->input(static_cast<int>(i)).empty()) return kAbsent;
    const std::string& name = node_->input(static_cast<int>(i));
    auto it = names_.find(name);
    if (it == names_.end()) error(fmt::format("input '{}' is not defined before this node", name));
    return it->second;
  }
  const ir::TensorType& typeOf(ir::ValueId v) const override { return g_.value(v).type; }
  const std::string& nameOf(ir::ValueId v) const override { return g_.value(v).name; }

  std::optional<ir::Tensor> constant(ir::ValueId v) const override {
    if (v == kAbsent) return std::nullopt;
    const ir::Value& val = g_.value(v);
    if (val.role == ir::ValueRole::Input) {
      auto it = options_.inputValues.find(val.name);
      if (it == options_.inputValues.end()) return std::nullopt;
      if (!(it->second.type() == val.type))
        error(fmt::format("the value given for input '{}' is {}, the input is {}", val.name, it->second.type().str(),
                          val.type.str()));
      return it->second;
    }
    if (val.role == ir::ValueRole::Param && val.data) return *val.data;
    auto known = known_.find(v);
    if (known != known_.end()) return known->second;
    return std::nullopt;
  }

  ir::ValueId emit(ir::OpKind kind, std::vector<ir::ValueId> operands, ir::Attributes attrs,
                   const std::string& output) override {
    std::string resultName =
        output.empty() ? g_.uniqueName(outputName() + "." + std::string(ir::opKindName(kind))) : output;
    if (!output.empty()) checkNewName(output);
    std::vector<ir::TensorType> in;
    for (ir::ValueId v : operands) in.push_back(g_.value(v).type);
    ir::OpId o = g_.addOp(kind, std::move(operands), {resultName}, std::move(attrs), node_->name());
    std::vector<ir::TensorType> types;
    try {
      types = ir::inferResultTypes(g_.op(o), in);
    } catch (const ir::Error& e) {
      rethrowPrefixed(e, describe() + ": ");
    } catch (const std::invalid_argument& e) {  // an attribute of the wrong kind
      error(e.what());
    }
    ir::ValueId r = g_.op(o).results.at(0);
    g_.value(r).type = types.at(0);
    if (!output.empty()) bind(output, r);
    foldIfKnown(g_.op(o));
    return r;
  }

  // Small integer values computed from known ones stay known (shape arithmetic as exporters write it:
  // Shape -> Gather -> Concat -> Reshape), so that ops taking them as attributes can read them.
  void foldIfKnown(const ir::Op& op) {
    const ir::TensorType& t = g_.value(op.results[0]).type;
    if (!t.shape.isStatic() || t.shape.numElements() > kMaxKnownElements) return;
    std::vector<ir::Tensor> known;
    for (ir::ValueId v : op.operands) {
      // Checked on the type first: constant() copies, and a large weight must not be copied to be refused.
      const ir::Shape& s = g_.value(v).type.shape;
      if (!s.isStatic() || s.numElements() > kMaxKnownElements) return;
      std::optional<ir::Tensor> k = constant(v);
      if (!k) return;
      known.push_back(std::move(*k));
    }
    std::vector<const ir::Tensor*> ptrs;
    for (const auto& k : known) ptrs.push_back(&k);
    try {
      known_[op.results[0]] = ir::evaluateOp(op, ptrs);
    } catch (const ir::Error&) {
      // Not foldable here (an element type the interpreter refuses): it is computed at run time.
    }
  }

  ir::ValueId constantValue(ir::Tensor t) override {
    return g_.addParam(g_.uniqueName(outputName() + ".const"), std::move(t));
  }

  void defineConstantOutput(ir::Tensor t) override {
    checkNewName(outputName());
    bind(outputName(), g_.addParam(outputName(), std::move(t)));
  }

  void recordKnownValue(ir::ValueId v, ir::Tensor t) override { known_[v] = std::move(t); }

 private:
  static bool isDefaultDomain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

  int64_t domainOpset(const std::string& domain) const {
    for (const auto& o : model_.opset_import())
      if (o.domain() == domain) return o.version();
    return 1;
  }

  void bind(const std::string& name, ir::ValueId v) { names_[name] = v; }
  void checkNewName(const std::string& name) const {
    if (names_.count(name)) error(fmt::format("defines '{}', which is already defined", name));
  }

  void findOpset() {
    opset_ = 0;
    for (const auto& o : model_.opset_import())
      if (isDefaultDomain(o.domain())) opset_ = o.version();
    // IR version 1 and 2 models have no opset_import; they are opset 1. Otherwise 0 stays: the model has no
    // default-domain node to import (checked in importNode).
    if (model_.opset_import_size() == 0) opset_ = 1;
  }

  std::string dynamicDimError(const std::string& name, const ir::Shape& s) const {
    ir::Shape example = s;
    example.dimNames.clear();
    for (auto& x : example.dims)
      if (x < 0) x = 1;
    for (size_t d = 0; d < s.rank(); ++d)
      if (s.dims[d] < 0) {
        std::string dim = d < s.dimNames.size() && !s.dimNames[d].empty()
                              ? fmt::format("dynamic dimension '{}'", s.dimNames[d])
                              : fmt::format("an unknown dimension {}", d);
        return fmt::format("input '{}' has {} (shape {}); give it with --shape {}={}", name, dim, s.str(), name,
                           example.xstr());
      }
    return "";
  }

  void importInputs(const onnx::GraphProto& graph) {
    std::set<std::string> inputNames;
    for (const auto& in : graph.input()) {
      inputNames.insert(in.name());
      if (names_.count(in.name())) {
        // An initializer listed as an input too (IR version < 4 lists every one): it stays a parameter.
        if (auto given = options_.inputShapes.find(in.name()); given != options_.inputShapes.end())
          ir::fail("--shape {}={}: '{}' is an initializer (a parameter) of the model, not an input", in.name(),
                   given->second.xstr(), in.name());
        continue;
      }
      if (in.name().empty()) ir::fail("{}: a graph input has no name", source_);
      if (!in.type().has_tensor_type())
        ir::unsupported("input '{}' is not a tensor (sequence, map and optional inputs are not supported)", in.name());
      const auto& tt = in.type().tensor_type();
      ir::TensorType type;
      type.dtype = dtypeFromOnnx(tt.elem_type(), "input '" + in.name() + "'");
      bool named = false;
      for (const auto& d : tt.shape().dim()) {
        if (d.has_dim_value() && d.dim_value() < 0)
          ir::fail("{}: input '{}' has the negative dimension {}", source_, in.name(), d.dim_value());
        type.shape.dims.push_back(d.has_dim_value() ? d.dim_value() : ir::kDynamicDim);
        type.shape.dimNames.push_back(d.has_dim_param() ? d.dim_param() : "");
        named = named || d.has_dim_param();
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
      } else if (!tt.has_shape()) {
        ir::fail("input '{}' has no shape in the model (not even its rank); give it with --shape {}=DIMS", in.name(),
                 in.name());
      } else if (!type.shape.isStatic() && !options_.allowDynamic) {
        ir::fail("{}", dynamicDimError(in.name(), type.shape));
      }
      if (options_.batchDivisor > 1) {
        if (type.shape.dims.empty() || type.shape.dims[0] <= 0 || type.shape.dims[0] % options_.batchDivisor != 0)
          ir::fail("--micro-batches {}: input '{}' is {}, its dim 0 (the batch) does not divide into {} micro-batches",
                   options_.batchDivisor, in.name(), type.shape.str(), options_.batchDivisor);
        type.shape.dims[0] /= options_.batchDivisor;
      }
      bind(in.name(), g_.addInput(in.name(), type));
    }
    for (const auto& [name, shape] : options_.inputShapes)
      if (!inputNames.count(name)) ir::fail("--shape {}={}: the model has no input '{}'", name, shape.xstr(), name);
    for (const auto& [name, value] : options_.inputValues)
      if (!inputNames.count(name)) ir::fail("{}: the model has no input '{}' to give a value to", source_, name);
  }

  void importNode(const onnx::NodeProto& node) {
    const auto& table = opImporters();
    auto it = isDefaultDomain(node.domain()) ? table.find(node.op_type()) : table.end();
    if (node.domain() == kShardcOnnxDomain) {
      if (node.output_size() == 0 || node.output(0).empty()) error("has no output");
      importRankOp(*this);
      return;
    }
    if (it == table.end())
      ir::unsupported("{}: unsupported operator; supported: {}", describe(), fmt::join(supportedOnnxOps(), ", "));
    if (opset_ <= 0) ir::fail("{}: the model imports no opset of the default ONNX domain", describe());
    if (node.output_size() == 0 || node.output(0).empty()) error("has no output");
    try {
      it->second(*this);
    } catch (const ir::Error&) {
      throw;
    } catch (const std::invalid_argument& e) {  // a malformed tensor or attribute found below the importer
      error(e.what());
    }
    for (const auto& out : node.output())
      if (!out.empty() && !names_.count(out))
        ir::unsupported("{}: output '{}' is not supported (only {} of its {} outputs are)", describe(), out,
                        names_.count(node.output(0)) ? 1 : 0, node.output_size());
  }

  const onnx::ModelProto& model_;
  std::string source_;
  const ImportOptions& options_;
  ir::Graph g_;
  std::map<std::string, ir::ValueId> names_;
  std::map<ir::ValueId, ir::Tensor> known_;
  int64_t opset_ = 1;
  const onnx::NodeProto* node_ = nullptr;
};

}  // namespace
}  // namespace onnx_import

const std::vector<std::string>& supportedOnnxOps() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, importer] : onnx_import::opImporters()) n.push_back(name);
    return n;
  }();
  return names;
}

ir::Graph importOnnx(const onnx::ModelProto& model, const std::string& sourceName, const ImportOptions& options) {
  return onnx_import::Importer(model, sourceName, options).run();
}

ir::Graph importOnnxFile(const std::string& path, const ImportOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) ir::fail("{}: is a directory, not an ONNX model", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) ir::fail("{}: not a valid ONNX model: truncated or corrupt (protobuf parse failed)", path);
  if (!model.has_graph()) ir::fail("{}: not a valid ONNX model (it has no graph)", path);
  ImportOptions withDir = options;
  if (withDir.externalDataDir.empty()) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    withDir.externalDataDir = dir.empty() ? "." : dir;
  }
  return importOnnx(model, path, withDir);
}

}  // namespace shardc::frontend
