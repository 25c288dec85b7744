#include "frontend/onnx_writer.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "frontend/atomic_file.h"
#include "frontend/onnx_tensor.h"
#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::frontend {
namespace {
using ir::OpKind;

// The IR version each opset was released with (ONNX's docs/Versioning.md).
int64_t irVersionForOpset(int64_t opset) {
  if (opset <= 8) return 3;
  if (opset == 9) return 4;
  if (opset == 10) return 5;
  if (opset == 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

void setType(onnx::ValueInfoProto* info, const ir::Value& v) {
  info->set_name(v.name);
  auto* tt = info->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtypeToOnnx(v.type.dtype));
  auto* shape = tt->mutable_shape();
  for (size_t d = 0; d < v.type.shape.rank(); ++d) {
    auto* dim = shape->add_dim();
    if (v.type.shape.dims[d] >= 0)
      dim->set_dim_value(v.type.shape.dims[d]);
    else if (d < v.type.shape.dimNames.size() && !v.type.shape.dimNames[d].empty())
      dim->set_dim_param(v.type.shape.dimNames[d]);
  }
}

void addIntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void addFloatAttr(onnx::NodeProto* n, const std::string& name, double v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(static_cast<float>(v));
}

void addIntsAttr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

// Every attribute of an ir op, as ONNX attributes of the same names (doubles become ONNX's floats).
void addAllAttrs(onnx::NodeProto* n, const ir::Attributes& attrs) {
  for (const auto& [name, value] : attrs.all()) {
    if (auto* i = std::get_if<int64_t>(&value)) {
      addIntAttr(n, name, *i);
    } else if (auto* d = std::get_if<double>(&value)) {
      addFloatAttr(n, name, *d);
    } else if (auto* str = std::get_if<std::string>(&value)) {
      auto* a = n->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::STRING);
      a->set_s(*str);
    } else if (auto* is = std::get_if<std::vector<int64_t>>(&value)) {
      addIntsAttr(n, name, *is);
    } else if (auto* ds = std::get_if<std::vector<double>>(&value)) {
      auto* a = n->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::FLOATS);
      for (double x : *ds) a->add_floats(static_cast<float>(x));
    }
  }
}

// Ops of a rank program that no ONNX operator expresses.
bool isRankOp(const ir::Op& op) {
  switch (op.kind) {
    case OpKind::AllReduce:
    case OpKind::AllGather:
    case OpKind::ReduceScatter:
    case OpKind::AllToAll:
    case OpKind::ShardSlice: return true;
    default: return op.attrs.has("shard_axes") || op.attrs.has("divisor");
  }
}

class Writer {
 public:
  Writer(const ir::Graph& g, int64_t opset, bool rankProgram) : g_(g), opset_(opset), rankProgram_(rankProgram) {
    for (size_t v = 0; v < g.numValues(); ++v) usedNames_.insert(g.value(static_cast<ir::ValueId>(v)).name);
  }

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(irVersionForOpset(opset_));
    model.set_producer_name("shardc");
    auto* os = model.add_opset_import();
    os->set_domain("");
    os->set_version(opset_);
    if (rankProgram_) {
      auto* custom = model.add_opset_import();
      custom->set_domain(kShardcOnnxDomain);
      custom->set_version(1);
    }
    graph_ = model.mutable_graph();
    graph_->set_name(g_.name);
    for (ir::ValueId v : g_.inputs()) setType(graph_->add_input(), g_.value(v));
    for (ir::ValueId p : g_.params()) {
      const ir::Value& v = g_.value(p);
      if (!v.data) ir::fail("parameter '{}' has no data to write", v.name);
      addInitializer(*v.data, v.name);
    }
    for (const ir::Op& op : g_.ops()) writeOp(op);
    for (ir::ValueId v : g_.outputs()) setType(graph_->add_output(), g_.value(v));
    return model;
  }

 private:
  [[noreturn]] void cannot(const ir::Op& op, const std::string& why) const {
    ir::fail("{}: cannot be written as ONNX opset {}: {}", ir::describeOp(g_, op), opset_, why);
  }

  void addInitializer(const ir::Tensor& t, const std::string& name) {
    *graph_->add_initializer() = tensorToOnnx(t, name);
    // IR version 3 requires every initializer among the graph inputs too.
    if (irVersionForOpset(opset_) < 4) {
      ir::Value v;
      v.name = name;
      v.type = t.type();
      setType(graph_->add_input(), v);
    }
  }

  // An int64 initializer named after the op's result, as the input that ONNX takes where the ir has an attribute.
  std::string uniqueName(const ir::Op& op, const std::string& suffix) {
    std::string base = g_.value(op.results.at(0)).name + suffix, name = base;
    for (int i = 1; usedNames_.count(name); ++i) name = fmt::format("{}_{}", base, i);
    usedNames_.insert(name);
    return name;
  }

  void intsInput(onnx::NodeProto* n, const ir::Op& op, const std::string& suffix, const std::vector<int64_t>& v) {
    std::string name = uniqueName(op, suffix);
    addInitializer(ir::Tensor::fromInts(ir::DType::i64, ir::Shape({static_cast<int64_t>(v.size())}), v), name);
    n->add_input(name);
  }

  size_t operandRank(const ir::Op& op, size_t i = 0) const { return g_.value(op.operands.at(i)).type.shape.rank(); }

  static int64_t nonNegativeAxis(int64_t axis, size_t rank) {
    return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
  }

  void writeOp(const ir::Op& op) {
    if (op.results.size() != 1) cannot(op, fmt::format("it has {} results", op.results.size()));
    auto* n = graph_->add_node();
    n->set_name(op.name);
    n->set_op_type(std::string(ir::opKindName(op.kind)));
    for (ir::ValueId v : op.operands) n->add_input(g_.value(v).name);
    const ir::Value& result = g_.value(op.results[0]);
    n->add_output(result.name);
    bool isOutput = false;
    for (ir::ValueId o : g_.outputs()) isOutput = isOutput || o == op.results[0];
    if (!isOutput) setType(graph_->add_value_info(), result);
    if (rankProgram_ && isRankOp(op)) {
      n->set_domain(kShardcOnnxDomain);
      addAllAttrs(n, op.attrs);
      return;
    }

    switch (op.kind) {
      case OpKind::Identity:
      case OpKind::Neg:
      case OpKind::Relu:
      case OpKind::Sigmoid:
      case OpKind::Tanh:
      case OpKind::Exp:
      case OpKind::Sqrt:
      case OpKind::Abs:
      case OpKind::Log:
      case OpKind::Reciprocal:
      case OpKind::Erf:
      case OpKind::Floor:
      case OpKind::Ceil:
      case OpKind::Pow:
      case OpKind::Max:
      case OpKind::Min:
      case OpKind::Add:
      case OpKind::Sub:
      case OpKind::Mul:
      case OpKind::Div:
      case OpKind::Equal:
      case OpKind::Less:
      case OpKind::Greater:
      case OpKind::Not:
      case OpKind::And:
      case OpKind::Or:
      case OpKind::Xor:
      case OpKind::MatMul: break;
      case OpKind::LessOrEqual:
      case OpKind::GreaterOrEqual:
        if (opset_ < 12) cannot(op, "LessOrEqual and GreaterOrEqual need opset 12 or later");
        break;
      case OpKind::Where:
        if (opset_ < 9) cannot(op, "Where needs opset 9 or later");
        break;
      case OpKind::Cast: {
        std::optional<ir::DType> to = ir::parseDType(op.attrs.getString("to", ""));
        if (!to) cannot(op, "its 'to' is not an element type");
        addIntAttr(n, "to", dtypeToOnnx(*to));
        break;
      }
      case OpKind::Expand:
        if (opset_ < 8) cannot(op, "Expand needs opset 8 or later");
        intsInput(n, op, ".shape", op.attrs.getInts("shape"));
        break;
      case OpKind::Conv: {
        const ir::Shape& w = g_.value(op.operands.at(1)).type.shape;
        addIntsAttr(n, "kernel_shape", std::vector<int64_t>(w.dims.begin() + 2, w.dims.end()));
        for (const char* a : {"strides", "pads", "dilations"}) addIntsAttr(n, a, op.attrs.getInts(a));
        addIntAttr(n, "group", op.attrs.getInt("group", 1));
        break;
      }
      case OpKind::MaxPool:
      case OpKind::AveragePool: {
        for (const char* a : {"kernel_shape", "strides", "pads"}) addIntsAttr(n, a, op.attrs.getInts(a));
        std::vector<int64_t> dil = op.attrs.getInts("dilations");
        bool dilated = std::any_of(dil.begin(), dil.end(), [](int64_t d) { return d != 1; });
        if (dilated && opset_ < (op.kind == OpKind::MaxPool ? 11 : 19)) cannot(op, "a dilated pool needs a later opset");
        if (dilated) addIntsAttr(n, "dilations", dil);
        if (op.attrs.getInt("ceil_mode", 0)) {
          if (opset_ < 10) cannot(op, "ceil_mode needs opset 10 or later");
          addIntAttr(n, "ceil_mode", 1);
        }
        if (op.kind == OpKind::AveragePool) addIntAttr(n, "count_include_pad", op.attrs.getInt("count_include_pad", 0));
        break;
      }
      case OpKind::ReduceProd: {
        size_t rank = operandRank(op);
        std::vector<int64_t> axes;
        for (int64_t a : op.attrs.getInts("axes")) axes.push_back(nonNegativeAxis(a, rank));
        if (!axes.empty()) {
          if (opset_ >= 18) intsInput(n, op, ".axes", axes);
          else addIntsAttr(n, "axes", axes);
        }
        addIntAttr(n, "keepdims", op.attrs.getInt("keepdims", 1) != 0 ? 1 : 0);
        break;
      }
      case OpKind::ArgMax:
      case OpKind::ArgMin:
        addIntAttr(n, "axis", op.attrs.getInt("axis", 0));
        addIntAttr(n, "keepdims", op.attrs.getInt("keepdims", 1));
        if (op.attrs.getInt("select_last_index", 0)) {
          if (opset_ < 12) cannot(op, "select_last_index needs opset 12 or later");
          addIntAttr(n, "select_last_index", 1);
        }
        break;
      case OpKind::TopK:
      case OpKind::ConvTranspose:
        cannot(op, "it is written only as imported (TopK's two outputs, ConvTranspose's padding)");
      case OpKind::GatherElements:
        if (opset_ < 11) cannot(op, "GatherElements needs opset 11 or later");
        addIntAttr(n, "axis", op.attrs.getInt("axis", 0));
        break;
      case OpKind::Pad: {
        std::string mode = op.attrs.getString("mode", "constant");
        auto* m = n->add_attribute();
        m->set_name("mode");
        m->set_type(onnx::AttributeProto::STRING);
        m->set_s(mode);
        if (opset_ < 11) {
          addIntsAttr(n, "pads", op.attrs.getInts("pads"));
          addFloatAttr(n, "value", op.attrs.getFloat("value", 0.0));
        } else {
          intsInput(n, op, ".pads", op.attrs.getInts("pads"));
          std::string name = uniqueName(op, ".value");
          addInitializer(ir::Tensor::fromDoubles(g_.value(op.operands[0]).type.dtype, ir::Shape{}, {op.attrs.getFloat("value", 0.0)}), name);
          n->add_input(name);
        }
        break;
      }
      case OpKind::Gather:
        addIntAttr(n, "axis", nonNegativeAxis(op.attrs.getInt("axis", 0), operandRank(op)));
        if (op.attrs.has("shard_axes")) cannot(op, "a vocabulary-split Gather belongs to rank programs");
        break;
      case OpKind::Slice: {
        const ir::Shape& in = g_.value(op.operands.at(0)).type.shape;
        std::vector<int64_t> starts = op.attrs.getInts("starts"), ends = op.attrs.getInts("ends"),
                             steps = op.attrs.getInts("steps"), axes;
        for (size_t d = 0; d < starts.size(); ++d) {
          axes.push_back(int64_t(d));
          // An end of -1 with a negative step runs past the front: ONNX reads -1 as the last element.
          if (ends[d] < 0) ends[d] = -in.dims[d] - 1;
        }
        if (opset_ < 10) {
          for (int64_t st : steps)
            if (st != 1) cannot(op, "a Slice with steps needs opset 10 or later");
          addIntsAttr(n, "starts", starts);
          addIntsAttr(n, "ends", ends);
          addIntsAttr(n, "axes", axes);
        } else {
          intsInput(n, op, ".starts", starts);
          intsInput(n, op, ".ends", ends);
          intsInput(n, op, ".axes", axes);
          intsInput(n, op, ".steps", steps);
        }
        break;
      }
      case OpKind::Gemm:
        if (op.operands.size() < 3 && opset_ < 11) cannot(op, "Gemm without C needs opset 11 or later");
        addFloatAttr(n, "alpha", op.attrs.getFloat("alpha", 1.0));
        addFloatAttr(n, "beta", op.attrs.getFloat("beta", 1.0));
        addIntAttr(n, "transA", op.attrs.getInt("transA", 0));
        addIntAttr(n, "transB", op.attrs.getInt("transB", 0));
        break;
      case OpKind::Transpose:
        if (op.attrs.has("perm")) addIntsAttr(n, "perm", op.attrs.getInts("perm"));
        break;
      case OpKind::Reshape: {
        std::vector<int64_t> shape = op.attrs.getInts("shape");
        // ONNX reads a 0 as "copy the input's dim" unless allowzero=1 (opset 14): the same where that dim is 0.
        bool zero = false, zeroDiffers = false;
        const ir::Shape& in = g_.value(op.operands.at(0)).type.shape;
        for (size_t i = 0; i < shape.size(); ++i)
          if (shape[i] == 0) {
            zero = true;
            zeroDiffers = zeroDiffers || i >= in.rank() || in.dims[i] != 0;
          }
        intsInput(n, op, ".shape", shape);
        if (zero && opset_ >= 14) addIntAttr(n, "allowzero", 1);
        else if (zeroDiffers) cannot(op, "a Reshape to a 0 dim needs allowzero (opset 14 or later)");
        break;
      }
      case OpKind::Flatten:
        addIntAttr(n, "axis", nonNegativeAxis(op.attrs.getInt("axis", 1), operandRank(op)));
        break;
      case OpKind::Concat:
        addIntAttr(n, "axis", nonNegativeAxis(op.attrs.getInt("axis", 0), operandRank(op)));
        break;
      case OpKind::Softmax: {
        size_t rank = operandRank(op);
        int64_t axis = nonNegativeAxis(op.attrs.getInt("axis", -1), rank);
        // Before opset 13 Softmax flattens to 2-D at `axis`: the same as one axis only for the last one.
        if (opset_ < 13 && axis != static_cast<int64_t>(rank) - 1)
          cannot(op, fmt::format("Softmax over axis {} of rank {} needs opset 13 or later (before, only the last "
                                 "axis means the same)", axis, rank));
        addIntAttr(n, "axis", axis);
        break;
      }
      case OpKind::ReduceSum:
      case OpKind::ReduceMean:
      case OpKind::ReduceMax:
      case OpKind::ReduceMin: {
        if (op.attrs.has("divisor")) cannot(op, "a divisor belongs to rank programs");
        size_t rank = operandRank(op);
        std::vector<int64_t> axes;
        for (int64_t a : op.attrs.getInts("axes")) axes.push_back(nonNegativeAxis(a, rank));
        bool asInput = opset_ >= (op.kind == OpKind::ReduceSum ? 13 : 18);
        if (!axes.empty()) {  // no axes: all of them, at every opset (noop_with_empty_axes stays 0)
          if (asInput) intsInput(n, op, ".axes", axes);
          else addIntsAttr(n, "axes", axes);
        }
        addIntAttr(n, "keepdims", op.attrs.getInt("keepdims", 1) != 0 ? 1 : 0);
        break;
      }
      case OpKind::AllReduce:
      case OpKind::AllGather:
      case OpKind::ReduceScatter:
      case OpKind::AllToAll:
      case OpKind::ShardSlice: cannot(op, "collectives have no ONNX operator");
    }
  }

  const ir::Graph& g_;
  int64_t opset_;
  bool rankProgram_ = false;
  onnx::GraphProto* graph_ = nullptr;
  std::set<std::string> usedNames_;
};

}  // namespace

std::string serializeOnnxModel(const ir::Graph& g, int64_t opset, bool rankProgram) {
  if (opset < kOnnxWriterMinOpset || opset > kOnnxWriterMaxOpset)
    ir::fail("the ONNX writer writes opsets {} to {}, not {}", kOnnxWriterMinOpset, kOnnxWriterMaxOpset, opset);
  onnx::ModelProto model = Writer(g, opset, rankProgram).run();
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    ir::fail("graph '{}': cannot serialise as an ONNX model (protobuf limit of 2 GiB?)", g.name);
  return bytes;
}

void writeOnnxModel(const ir::Graph& g, const std::string& path, int64_t opset, bool rankProgram) {
  std::string bytes;
  try {
    bytes = serializeOnnxModel(g, opset, rankProgram);
  } catch (const ir::Error& e) {
    ir::fail("{}: {}", path, e.what());
  }
  writeFileAtomically(path, bytes);
}

}  // namespace shardc::frontend
