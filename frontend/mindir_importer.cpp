// The MindIR importer walks the model's graphs — resolving REF:: references, inlining called sub-graphs, removing
// the plumbing (Load, Depend, UpdateState, tuples) — and lowers each primitive to ONNX operators
// (mindir_primitives.cpp), so that the ONNX importer, which already normalises those to the ir with every attribute
// checked, builds the graph. Weights are moved, not copied, into that ONNX model; external data stays in its files
// and is mapped by the ONNX importer's external data reader. in_strategy attributes are put on the ops afterwards.
#include "frontend/mindir_importer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/mindir_file.h"
#include "frontend/mindir_import_context.h"
#include "frontend/mindir_proto.h"
#include "frontend/onnx_importer_proto.h"
#include "frontend/onnx_tensor.h"
#include "frontend/onnx_writer.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace mindir_import {
namespace {

using shardc::mindir::GraphProto;
using shardc::mindir::NodeProto;
using Dims = std::vector<int64_t>;

// The ONNX opset the lowerings are written for: one axis for Softmax, axes as inputs for Reduce*/Squeeze.
constexpr int64_t kOnnxOpset = 21;
// Sub-graph calls nest at most this deep (MindIR allows recursion, which cannot be inlined).
constexpr int kMaxCallDepth = 64;

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// What a MindIR name stands for while the graph is walked.
struct Binding {
  enum class Kind { Tensor, Value, Tuple, Missing };
  Kind kind = Kind::Value;
  std::string onnx;                           // Tensor: the ONNX value
  std::optional<ir::TensorType> type;         // Tensor: when the model gives it
  std::shared_ptr<const MindIrValue> value;   // Value; for a constant Tensor, its contents
  std::vector<Binding> items;                 // Tuple
  std::string missing;                        // Missing: why it cannot be used

  static Binding tensor(std::string onnx, std::optional<ir::TensorType> type) {
    Binding b;
    b.kind = Kind::Tensor;
    b.onnx = std::move(onnx);
    b.type = std::move(type);
    return b;
  }
  static Binding of(MindIrValue v) {
    Binding b;
    b.value = std::make_shared<const MindIrValue>(std::move(v));
    return b;
  }
  static Binding tuple(std::vector<Binding> items) {
    Binding b;
    b.kind = Kind::Tuple;
    b.items = std::move(items);
    return b;
  }
  bool isMonad() const { return kind == Kind::Value && value->kind == MindIrValue::Kind::Monad; }
};

// Names visible in a graph: its own, then its caller's (MindIR names are global, "<graph>:<name>", and a
// sub-graph may use its caller's values and the main graph's parameters).
struct Scope {
  std::map<std::string, Binding> names;
  const Scope* parent = nullptr;
  const Binding* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent)
      if (auto it = s->names.find(name); it != s->names.end()) return &it->second;
    return nullptr;
  }
};

// Where a node's in_strategy goes: the ONNX node producing `onnxOutput` (then the ir op of that result).
struct StrategyRequest {
  MindIrValue inStrategy;
  std::vector<std::vector<int>> dimsOf;
  std::string node;  // describe() of the MindIR node, for messages
};

// ':' is MindSpore's separator inside names; the ir's names read better (and stay bare in text IR) without it.
std::string sanitize(std::string s) {
  std::replace(s.begin(), s.end(), ':', '_');
  return s;
}

class Translator;

class NodeLowering final : public PrimitiveContext {
 public:
  NodeLowering(Translator& t, std::string primitive, std::string scopeName, std::string outputBase,
               std::vector<Binding> inputs, const MindIrAttrs& attrs, std::optional<ir::TensorType> outputType)
      : t_(t), primitive_(std::move(primitive)), scopeName_(std::move(scopeName)), base_(std::move(outputBase)),
        inputs_(std::move(inputs)), attrs_(attrs), outputType_(std::move(outputType)) {}

  std::string describe() const override { return fmt::format("MindIR node '{}' ({})", scopeName_, primitive_); }
  const std::string& source() const override;

  size_t numInputs() const override { return inputs_.size(); }
  std::string tensor(size_t i, std::optional<ir::DType> scalarType) override;
  std::vector<std::string> tensors(size_t i) override;
  std::optional<ir::TensorType> typeOf(size_t i) const override {
    const Binding& b = input(i);
    return b.kind == Binding::Kind::Tensor ? b.type : std::nullopt;
  }
  const MindIrValue* constant(size_t i) const override { return input(i).value.get(); }
  const MindIrValue* attr(const std::string& name) const override {
    auto it = attrs_.find(name);
    return it == attrs_.end() ? nullptr : &it->second;
  }

  std::vector<std::string> emitN(const std::string& op, std::vector<std::string> inputs,
                                 std::vector<onnx::AttributeProto> attrs, size_t nOutputs) override;
  std::string emitOutput(const std::string& op, std::vector<std::string> inputs,
                         std::vector<onnx::AttributeProto> attrs) override;
  std::string constInts(const std::vector<int64_t>& v) override;
  void defineTuple(std::vector<std::string> items, const std::string& missing) override {
    std::vector<Binding> bs;
    for (auto& item : items) {
      Binding b = Binding::tensor(item, std::nullopt);
      if (item.empty()) {
        b.kind = Binding::Kind::Missing;
        b.missing = missing;
      }
      bs.push_back(std::move(b));
    }
    result_ = Binding::tuple(std::move(bs));
  }
  void strategyOn(const std::string& onnxOutput, std::vector<std::vector<int>> dimsOf) override {
    strategyTarget_ = onnxOutput;
    dimsOf_ = std::move(dimsOf);
  }
  std::string emitRankOp(const std::string& op, std::vector<std::string> inputs,
                         std::vector<onnx::AttributeProto> attrs) override;
  const std::map<std::string, std::vector<int64_t>>& namedGroups() const override;

  const Binding& result() const { return result_; }
  const std::optional<std::string>& strategyTarget() const { return strategyTarget_; }
  const std::vector<std::vector<int>>& dimsOf() const { return dimsOf_; }

 private:
  const Binding& input(size_t i) const {
    if (i >= inputs_.size()) error(fmt::format("input {} is required", i));
    return inputs_[i];
  }
  void addNode(const std::string& op, std::vector<std::string> inputs, std::vector<onnx::AttributeProto> attrs,
               const std::vector<std::string>& outputs, const std::string& domain = "");

  Translator& t_;
  std::string primitive_, scopeName_, base_;
  std::vector<Binding> inputs_;
  const MindIrAttrs& attrs_;
  std::optional<ir::TensorType> outputType_;
  Binding result_;
  std::optional<std::string> strategyTarget_;
  std::vector<std::vector<int>> dimsOf_;
};

class Translator {
 public:
  Translator(shardc::mindir::ModelProto& model, std::string source, const ImportOptions& options)
      : model_(model), source_(std::move(source)), options_(options) {}

  ir::Graph run() {
    onnx_.set_ir_version(8);
    onnx_.set_producer_name("shardc-mindir");
    auto* opset = onnx_.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOnnxOpset);
    og_ = onnx_.mutable_graph();
    const GraphProto& main = model_.graph();
    og_->set_name(main.name().empty() ? "main" : sanitize(main.name()));
    for (const auto& p : model_.primitives()) primitives_[p.name()] = &p;
    for (const auto& f : model_.functions()) {
      if (f.name().empty()) ir::fail("{}: a sub-graph (function) has no name", source_);
      if (!functions_.emplace(f.name(), &f).second) ir::fail("{}: sub-graph '{}' is defined twice", source_, f.name());
    }
    for (auto& p : *model_.mutable_graph()->mutable_parameter()) addParameter(p, main.name());
    for (auto& f : *model_.mutable_functions())
      for (auto& p : *f.mutable_parameter()) addParameter(p, f.name());
    addInputs(main);
    walk(main, global_, "");
    std::vector<Binding> outs;
    for (const auto& o : main.output()) outs.push_back(lookup(global_, o.name(), "the graph's output"));
    if (outs.empty()) ir::fail("{}: the main graph has no outputs", source_);
    std::set<std::string> outputNames;
    for (const Binding& b : outs) addOutputs(b, outputNames);

    ImportOptions withDir = options_;
    withDir.externalDataDir = modelDir();
    ir::Graph g = importOnnx(onnx_, source_, withDir);
    applyStrategies(g);
    return g;
  }

  // ---- for NodeLowering ----
  const std::string& source() const { return source_; }
  std::string fresh(const std::string& base) {
    std::string name = base.empty() ? "v" : base;
    for (int k = 1; used_.count(name); ++k) name = base + "_" + std::to_string(k);
    used_.insert(name);
    return name;
  }
  std::string addInitializer(const ir::Tensor& t, const std::string& base) {
    std::string name = fresh(base);
    *og_->add_initializer() = tensorToOnnx(t, name);
    return name;
  }
  onnx::NodeProto* addNode() { return og_->add_node(); }
  const ImportOptions& options() const { return options_; }
  // A node of shardc's domain is about to be added: the model imports that domain.
  void useRankOps() {
    if (rankOps_) return;
    rankOps_ = true;
    auto* opset = onnx_.add_opset_import();
    opset->set_domain(kShardcOnnxDomain);
    opset->set_version(1);
  }

 private:
  std::string modelDir() const {
    std::string dir = std::filesystem::path(source_).parent_path().string();
    return dir.empty() ? "." : dir;
  }

  // "<graph>:<name>" -> "<name>", as MindSpore's own loader names parameters and inputs.
  static std::string plain(const std::string& name, const std::string& graph) {
    return !graph.empty() && startsWith(name, graph + ":") ? name.substr(graph.size() + 1) : name;
  }

  void addParameter(shardc::mindir::TensorProto& p, const std::string& graph) {
    if (p.name().empty()) ir::fail("{}: a parameter of graph '{}' has no name", source_, graph);
    std::string name = plain(p.name(), graph);
    std::string what = fmt::format("{}: parameter '{}'", source_, name);
    ir::TensorType type;
    type.dtype = mindir_proto::dtypeFromMindIr(p.data_type(), what);
    type.shape = ir::Shape(Dims(p.dims().begin(), p.dims().end()));
    std::string onnxName = fresh(name);
    onnx::TensorProto* init = og_->add_initializer();
    if (p.has_external_data()) {
      const auto& ext = p.external_data();
      std::filesystem::path file = std::filesystem::path(modelDir()) / ext.location();
      if (ext.location().empty()) ir::fail("{}: its external data has no location", what);
      std::error_code ec;
      if (!std::filesystem::exists(file, ec))
        ir::fail("{}: its external data file {} does not exist", what, file.string());
      // The ONNX tensor's type and dims, its bytes left where they are (read by range when the ONNX importer
      // builds the parameter).
      shardc::mindir::TensorProto header;
      header.set_data_type(p.data_type());
      *header.mutable_dims() = p.dims();
      *init = mindir_proto::toOnnxTensor(header, onnxName);
      init->set_data_location(onnx::TensorProto::EXTERNAL);
      for (auto [key, value] : {std::pair<std::string, std::string>{"location", ext.location()},
                                {"offset", std::to_string(ext.offset())},
                                {"length", std::to_string(ext.length())}}) {
        auto* e = init->add_external_data();
        e->set_key(key);
        e->set_value(value);
      }
    } else {
      bool hasData = p.has_raw_data() || p.float_data_size() || p.int32_data_size() || p.int64_data_size() ||
                     p.double_data_size() || p.uint64_data_size() || type.shape.numElements() == 0;
      if (!hasData) ir::fail("{}: has no data (a model exported without its weights?)", what);
      *init = mindir_proto::toOnnxTensor(p, onnxName);
    }
    global_.names[p.name()] = Binding::tensor(onnxName, type);
  }

  void addInputs(const GraphProto& main) {
    for (const auto& in : main.input()) {
      if (global_.find(in.name())) continue;  // a parameter listed among the inputs too
      std::string name = plain(in.name(), main.name());
      if (in.tensor_size() == 0) ir::fail("{}: input '{}' has no tensor type", source_, name);
      const auto& t = in.tensor(0);
      ir::TensorType type;
      type.dtype = mindir_proto::dtypeFromMindIr(t.data_type(), fmt::format("{}: input '{}'", source_, name));
      if (used_.count(name)) ir::fail("{}: input '{}' is defined twice", source_, name);
      used_.insert(name);
      auto* vi = og_->add_input();
      vi->set_name(name);
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(dtypeToOnnx(type.dtype));
      auto* shape = tt->mutable_shape();
      for (int64_t d : t.dims()) {
        auto* dim = shape->add_dim();
        if (d >= 0) dim->set_dim_value(d);
        type.shape.dims.push_back(d >= 0 ? d : ir::kDynamicDim);
      }
      global_.names[in.name()] = Binding::tensor(name, type);
    }
  }

  const Binding& lookup(const Scope& scope, const std::string& name, const std::string& what) const {
    const Binding* b = scope.find(name);
    if (!b) ir::fail("{}: {} '{}' is not defined", source_, what, name);
    return *b;
  }

  // Each tensor of `b` becomes an output of the ONNX graph (an Identity where it is an input, a parameter or an
  // output already: the ir keeps outputs distinct values produced by ops).
  void addOutputs(const Binding& b, std::set<std::string>& names) {
    if (b.kind == Binding::Kind::Tuple) {
      for (const Binding& item : b.items) addOutputs(item, names);
      return;
    }
    if (b.kind == Binding::Kind::Missing) ir::fail("{}: a graph output: {}", source_, b.missing);
    if (b.kind != Binding::Kind::Tensor) ir::unsupported("{}: the graph outputs {}, not a tensor", source_, b.value->str());
    std::string name = b.onnx;
    bool produced = false;
    for (const auto& n : og_->node())
      for (const auto& o : n.output()) produced = produced || o == name;
    if (!produced || names.count(name)) {
      std::string copy = fresh(name + ".out");
      auto* n = og_->add_node();
      n->set_op_type("Identity");
      n->set_name("output");
      n->add_input(name);
      n->add_output(copy);
      name = copy;
    }
    names.insert(name);
    og_->add_output()->set_name(name);
  }

  // The nodes of `g` in order, binding each output in `scope`. `prefix` names the values of an inlined call.
  void walk(const GraphProto& g, Scope& scope, const std::string& prefix) {
    for (const NodeProto& node : g.node()) {
      if (node.output_size() == 0 || node.output(0).empty())
        ir::fail("{}: node '{}' of graph '{}' has no output", source_, node.name(), g.name());
      std::string base = prefix + sanitize(plain(node.output(0), g.name()));
      if (node.op_type() == "Constant") {
        scope.names[node.output(0)] = constantBinding(node, base);
        continue;
      }
      scope.names[node.output(0)] = lowerNode(node, g, scope, base);
    }
  }

  Binding constantBinding(const NodeProto& node, const std::string& base) {
    const shardc::mindir::AttributeProto* valueAttr = nullptr;
    for (const auto& a : node.attribute())
      if (a.name() == "value" || !valueAttr) valueAttr = &a;
    if (!valueAttr) ir::fail("{}: Constant '{}' has no value", source_, node.output(0));
    MindIrValue v = mindir_proto::decodeValue(*valueAttr, fmt::format("{}: Constant '{}'", source_, node.output(0)));
    if (v.kind != MindIrValue::Kind::Tensor) return Binding::of(std::move(v));
    Binding b = Binding::tensor(addInitializer(*v.tensor, base), v.tensor->type());
    b.value = std::make_shared<const MindIrValue>(std::move(v));
    return b;
  }

  Binding lowerNode(const NodeProto& node, const GraphProto& g, Scope& scope, const std::string& base) {
    const std::string scopeName = node.domain().empty() ? sanitize(plain(node.name(), g.name())) : node.domain();
    const std::string& opType = node.op_type();
    std::string primitive;
    MindIrAttrs attrs;
    const GraphProto* callee = nullptr;
    auto where = [&] { return fmt::format("{}: MindIR node '{}'", source_, scopeName); };
    if (startsWith(opType, "REF::")) {
      std::string ref = opType.substr(5);
      if (auto p = primitives_.find(ref); p != primitives_.end()) {
        primitive = p->second->op_type();
        for (const auto& a : p->second->attribute()) decodeAttr(a, attrs, where());
      } else if (auto f = functions_.find(ref); f != functions_.end()) {
        callee = f->second;
      } else if (ref == model_.graph().name()) {
        ir::unsupported("{}: calls the main graph '{}' (recursion cannot be inlined)", where(), ref);
      } else if (startsWith(ref, "MetaFuncGraph::") || startsWith(ref, "ClassType::")) {
        ir::unsupported("{}: uses MindSpore's {} (a Python-level construct), which shardc does not import", where(), ref);
      } else if (scope.find(ref)) {
        ir::unsupported("{}: calls '{}', a value computed at run time (a closure), which shardc does not import",
                        where(), ref);
      } else {
        ir::fail("{}: op_type '{}' refers to '{}', which is neither a primitive nor a graph of the model", where(),
                 opType, ref);
      }
    } else {
      // Old style; "S_Prim_" marks a primitive behind MindSpore's implicit type conversion (DoSignature).
      primitive = startsWith(opType, "S_Prim_") ? opType.substr(7) : opType;
    }
    std::optional<ir::TensorType> abstract;
    for (const auto& a : node.attribute()) {
      if (mindir_proto::isAbstract(a)) {
        abstract = mindir_proto::abstractType(a);
        continue;
      }
      if (!a.name().empty()) decodeAttr(a, attrs, where());
    }
    std::vector<Binding> inputs;
    for (const auto& in : node.input()) {
      const Binding* b = scope.find(in);
      if (!b) ir::fail("{}: input '{}' is not defined before this node", where(), in);
      inputs.push_back(*b);
    }
    if (callee) return call(*callee, std::move(inputs), scope, scopeName, base + ".");
    if (Binding b; plumbing(primitive, inputs, b, where)) return b;

    auto lowering = primitiveLowerings().find(primitive);
    if (lowering == primitiveLowerings().end() && refusedPrimitive(primitive))
      ir::unsupported("{}: unsupported primitive {}: {}", where(), primitive, refusedPrimitive(primitive));
    if (lowering == primitiveLowerings().end())
      ir::unsupported("{}: unsupported primitive {}; supported: {}", where(), primitive,
                      fmt::join(supportedMindIrPrimitives(), ", "));
    // Side-effect ordering inputs (a trailing UMonad) carry no data.
    while (!inputs.empty() && inputs.back().isMonad()) inputs.pop_back();
    NodeLowering lowered(*this, primitive, scopeName, base, std::move(inputs), attrs, abstract);
    lowering->second(lowered);
    if (lowered.result().kind == Binding::Kind::Value)
      ir::fail("{}: internal error: the lowering of {} defined no value", where(), primitive);
    if (auto s = attrs.find("in_strategy"); s != attrs.end() && s->second.kind != MindIrValue::Kind::None) {
      if (!lowered.strategyTarget())
        ir::unsupported("{}: in_strategy {} is not supported on {} (shardc imports it as several ops)", where(),
                        s->second.str(), primitive);
      strategies_[*lowered.strategyTarget()] = {s->second, lowered.dimsOf(), lowered.describe()};
    }
    return lowered.result();
  }

  // An attribute that does not decode is kept as Other, so that only a lowering that reads it fails.
  static void decodeAttr(const shardc::mindir::AttributeProto& a, MindIrAttrs& attrs, const std::string& where) {
    try {
      attrs[a.name()] = mindir_proto::decodeValue(a, fmt::format("{}: attribute '{}'", where, a.name()));
    } catch (const ir::Error& e) {
      MindIrValue other;
      other.kind = MindIrValue::Kind::Other;
      other.s = e.what();
      attrs[a.name()] = std::move(other);
    }
  }

  // Load, Depend, UpdateState, tuples, Return: MindSpore's graph plumbing, resolved to what flows through it.
  template <typename Where>
  bool plumbing(const std::string& primitive, const std::vector<Binding>& inputs, Binding& out, Where where) {
    auto need = [&](size_t n) {
      if (inputs.size() < n) ir::fail("{}: {} has {} inputs, expects at least {}", where(), primitive, inputs.size(), n);
    };
    if (primitive == "Load" || primitive == "Depend" || primitive == "Return" || primitive == "StopGradient" ||
        primitive == "stop_gradient" || primitive == "Identity") {
      need(1);
      out = inputs[0];
      return true;
    }
    if (primitive == "UpdateState") {
      out = Binding::of(MindIrValue::monad());
      return true;
    }
    if (primitive == "MakeTuple" || primitive == "make_tuple" || primitive == "MakeList") {
      out = Binding::tuple(inputs);
      return true;
    }
    if (primitive == "TupleGetItem" || primitive == "tuple_getitem" || primitive == "ListGetItem") {
      need(2);
      if (inputs[0].kind != Binding::Kind::Tuple) ir::fail("{}: {} of a value that is not a tuple", where(), primitive);
      if (!inputs[1].value || inputs[1].value->kind != MindIrValue::Kind::Int)
        ir::fail("{}: {} needs a constant integer index", where(), primitive);
      int64_t n = static_cast<int64_t>(inputs[0].items.size()), i = inputs[1].value->i;
      if (i < -n || i >= n) ir::fail("{}: index {} of a tuple of {}", where(), i, n);
      out = inputs[0].items[size_t(i < 0 ? i + n : i)];
      if (out.kind == Binding::Kind::Missing) ir::unsupported("{}: {}", where(), out.missing);
      return true;
    }
    return false;
  }

  // Inlines a call of sub-graph `g`: its inputs are bound to the arguments, its nodes walked in a scope of their
  // own (seeing the caller's names), its output(s) returned.
  Binding call(const GraphProto& g, std::vector<Binding> args, const Scope& caller, const std::string& scopeName,
               const std::string& prefix) {
    if (++depth_ > kMaxCallDepth)
      ir::unsupported("{}: MindIR node '{}': sub-graph calls nest deeper than {} (a recursive graph?)", source_,
                      scopeName, kMaxCallDepth);
    while (!args.empty() && args.back().isMonad() && args.size() > size_t(g.input_size())) args.pop_back();
    if (args.size() != size_t(g.input_size()))
      ir::fail("{}: MindIR node '{}': calls graph '{}' with {} arguments, it takes {}", source_, scopeName, g.name(),
               args.size(), g.input_size());
    Scope scope;
    scope.parent = &caller;
    for (int i = 0; i < g.input_size(); ++i) scope.names[g.input(i).name()] = std::move(args[size_t(i)]);
    walk(g, scope, prefix);
    std::vector<Binding> outs;
    for (const auto& o : g.output()) outs.push_back(lookup(scope, o.name(), "graph '" + g.name() + "': output"));
    --depth_;
    if (outs.empty()) ir::fail("{}: sub-graph '{}' has no output", source_, g.name());
    return outs.size() == 1 ? outs[0] : Binding::tuple(std::move(outs));
  }

  // Puts each in_strategy on the ir op computing its target, with the attributes assign-strategies reads
  // ("strategy": every input's splits, flattened; "strategy_ranks": how many entries each input has). They are set
  // here directly, as passes/assign_strategies.cpp's setAssignedStrategy does: the frontend does not include passes.
  void applyStrategies(ir::Graph& g) const {
    std::set<std::string> placed;
    for (ir::Op& op : g.ops()) {
      if (op.results.empty()) continue;
      auto it = strategies_.find(g.value(op.results[0]).name);
      if (it == strategies_.end()) continue;
      std::vector<Dims> splits = operandSplits(g, op, it->second);
      Dims flat, ranks;
      for (const Dims& s : splits) {
        ranks.push_back(static_cast<int64_t>(s.size()));
        flat.insert(flat.end(), s.begin(), s.end());
      }
      op.attrs.set("strategy", flat);
      op.attrs.set("strategy_ranks", ranks);
      placed.insert(it->first);
    }
    for (const auto& [target, request] : strategies_)
      if (!placed.count(target))
        ir::fail("{}: {}: internal error: no op computes '{}' to carry its in_strategy", source_, request.node, target);
  }

  // MindSpore's in_strategy, one tuple per tensor input (None: not split), as the splits of the op's operands.
  std::vector<Dims> operandSplits(const ir::Graph& g, const ir::Op& op, const StrategyRequest& r) const {
    auto bad = [&](const std::string& why) -> std::vector<Dims> {
      ir::fail("{}: {}: in_strategy {} {}", source_, r.node, r.inStrategy.str(), why);
    };
    if (!r.inStrategy.isSequence()) return bad("is not a tuple of tuples");
    const auto& entries = r.inStrategy.items;
    std::vector<Dims> out;
    size_t k = 0;
    for (size_t j = 0; j < op.operands.size(); ++j) {
      size_t rank = g.value(op.operands[j]).type.shape.rank();
      // Scalars take no entry unless the strategy gives every operand one.
      if (entries.size() < op.operands.size() && rank == 0) {
        out.emplace_back();
        continue;
      }
      if (k >= entries.size()) return bad(fmt::format("has {} entries, the op has more tensor inputs", entries.size()));
      const MindIrValue& e = entries[k++];
      Dims given;
      if (e.kind != MindIrValue::Kind::None) {
        try {
          given = e.toInts();
        } catch (const std::invalid_argument&) {
          return bad(fmt::format("entry {} is {}, expected a tuple of integers", k - 1, e.str()));
        }
        for (int64_t x : given)
          if (x < 1) return bad(fmt::format("entry {} has the split {} (splits are >= 1)", k - 1, x));
      }
      const std::vector<int>* dims = j < r.dimsOf.size() && !r.dimsOf[j].empty() ? &r.dimsOf[j] : nullptr;
      size_t givenRank = dims ? std::count_if(dims->begin(), dims->end(), [](int d) { return d >= 0; }) : rank;
      if (e.kind == MindIrValue::Kind::None) given.assign(givenRank, 1);
      if (given.size() != givenRank)
        return bad(fmt::format("entry {} has {} values, input {} has rank {}", k - 1, given.size(), j, givenRank));
      Dims split;
      if (dims)
        for (int d : *dims) split.push_back(d < 0 ? 1 : given.at(size_t(d)));
      else
        split = given;
      out.push_back(split);
    }
    if (k != entries.size()) return bad(fmt::format("has {} entries, the op has {} tensor inputs", entries.size(), k));
    return out;
  }

  shardc::mindir::ModelProto& model_;
  std::string source_;
  const ImportOptions& options_;
  onnx::ModelProto onnx_;
  onnx::GraphProto* og_ = nullptr;
  std::set<std::string> used_;
  std::map<std::string, const shardc::mindir::PrimitiveProto*> primitives_;
  std::map<std::string, const GraphProto*> functions_;
  std::map<std::string, StrategyRequest> strategies_;
  Scope global_;
  int depth_ = 0;
  bool rankOps_ = false;
};

// ---- NodeLowering ----

const std::string& NodeLowering::source() const { return t_.source(); }

std::string NodeLowering::tensor(size_t i, std::optional<ir::DType> scalarType) {
  const Binding& b = input(i);
  switch (b.kind) {
    case Binding::Kind::Tensor: return b.onnx;
    case Binding::Kind::Missing: unsupported(b.missing);
    case Binding::Kind::Tuple: error(fmt::format("input {} is a tuple, expected a tensor", i));
    case Binding::Kind::Value: break;
  }
  const MindIrValue& v = *b.value;
  ir::Tensor t;
  if (v.kind == MindIrValue::Kind::Int || v.kind == MindIrValue::Kind::Bool) {
    ir::DType d = scalarType.value_or(v.kind == MindIrValue::Kind::Bool ? ir::DType::boolean : ir::DType::i64);
    t = ir::Tensor::fromDoubles(d, ir::Shape{}, {static_cast<double>(v.i)});
  } else if (v.kind == MindIrValue::Kind::Float) {
    t = ir::Tensor::fromDoubles(scalarType.value_or(ir::DType::f32), ir::Shape{}, {v.f});
  } else if (v.isSequence()) {
    Dims ints;
    try {
      ints = v.toInts();
    } catch (const std::invalid_argument&) {
      error(fmt::format("input {} is {}, expected a tensor", i, v.str()));
    }
    t = ir::Tensor::fromInts(scalarType.value_or(ir::DType::i64), ir::Shape({int64_t(ints.size())}), ints);
  } else {
    error(fmt::format("input {} is {}, expected a tensor", i, v.str()));
  }
  return t_.addInitializer(t, base_ + ".const");
}

std::vector<std::string> NodeLowering::tensors(size_t i) {
  const Binding& b = input(i);
  if (b.kind != Binding::Kind::Tuple) error(fmt::format("input {} is not a tuple of tensors", i));
  std::vector<std::string> out;
  for (const Binding& item : b.items) {
    if (item.kind == Binding::Kind::Tensor) out.push_back(item.onnx);
    else if (item.kind == Binding::Kind::Missing) unsupported(item.missing);
    else error(fmt::format("input {} holds {}, expected tensors", i, item.value ? item.value->str() : "a tuple"));
  }
  return out;
}

void NodeLowering::addNode(const std::string& op, std::vector<std::string> inputs,
                           std::vector<onnx::AttributeProto> attrs, const std::vector<std::string>& outputs,
                           const std::string& domain) {
  onnx::NodeProto* n = t_.addNode();
  n->set_op_type(op);
  if (!domain.empty()) n->set_domain(domain);
  n->set_name(scopeName_);  // every ir op of this MindIR node carries its scope name
  for (auto& in : inputs) n->add_input(in);
  for (auto& o : outputs) n->add_output(o);
  for (auto& a : attrs) *n->add_attribute() = std::move(a);
}

std::vector<std::string> NodeLowering::emitN(const std::string& op, std::vector<std::string> inputs,
                                             std::vector<onnx::AttributeProto> attrs, size_t nOutputs) {
  std::vector<std::string> outs;
  std::string stem = op;
  std::transform(stem.begin(), stem.end(), stem.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (size_t k = 0; k < nOutputs; ++k) outs.push_back(t_.fresh(base_ + "." + stem + (k ? std::to_string(k) : "")));
  addNode(op, std::move(inputs), std::move(attrs), outs);
  return outs;
}

std::string NodeLowering::emitOutput(const std::string& op, std::vector<std::string> inputs,
                                     std::vector<onnx::AttributeProto> attrs) {
  std::string out = t_.fresh(base_);
  addNode(op, std::move(inputs), std::move(attrs), {out});
  result_ = Binding::tensor(out, outputType_);
  return out;
}

std::string NodeLowering::emitRankOp(const std::string& op, std::vector<std::string> inputs,
                                     std::vector<onnx::AttributeProto> attrs) {
  t_.useRankOps();
  std::string out = t_.fresh(base_);
  addNode(op, std::move(inputs), std::move(attrs), {out}, kShardcOnnxDomain);
  result_ = Binding::tensor(out, outputType_);
  return out;
}

const std::map<std::string, std::vector<int64_t>>& NodeLowering::namedGroups() const {
  return t_.options().groupRanks;
}

std::string NodeLowering::constInts(const std::vector<int64_t>& v) {
  return t_.addInitializer(ir::Tensor::fromInts(ir::DType::i64, ir::Shape({int64_t(v.size())}), v), base_ + ".const");
}

}  // namespace
}  // namespace mindir_import

const std::vector<std::string>& supportedMindIrPrimitives() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n{"Depend", "Load", "MakeTuple", "Return", "StopGradient", "TupleGetItem", "UpdateState"};
    for (const auto& [name, lowering] : mindir_import::primitiveLowerings()) n.push_back(name);
    std::sort(n.begin(), n.end());
    return n;
  }();
  return names;
}

bool isMindIrFile(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (ext == ".mindir") return true;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return mindir_file::looksLikeModel(head);
}

ir::Graph importMindIrFile(const std::string& path, const ImportOptions& options) {
  shardc::mindir::ModelProto model = mindir_file::readModel(path);
  return mindir_import::Translator(model, path, options).run();
}

}  // namespace shardc::frontend
