#include "frontend/onnx_writer.h"

#include <onnx/onnx_pb.h>

#include "frontend/atomic_file.h"
#include "frontend/onnx_tensor.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

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

}  // namespace

void writeOnnxModel(const ir::Graph& g, const std::string& path, int64_t opset) {
  if (opset < 13 || opset > 17) ir::fail("the ONNX writer writes opsets 13 to 17, not {}", opset);
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("shardc");
  auto* os = model.add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  auto* graph = model.mutable_graph();
  graph->set_name(g.name);
  for (ir::ValueId v : g.inputs()) setType(graph->add_input(), g.value(v));
  for (ir::ValueId p : g.params()) {
    const ir::Value& v = g.value(p);
    if (!v.data) ir::fail("parameter '{}' has no data to write", v.name);
    *graph->add_initializer() = tensorToOnnx(*v.data, v.name);
  }
  for (const ir::Op& op : g.ops()) {
    auto* n = graph->add_node();
    n->set_name(op.name);
    n->set_op_type(std::string(ir::opKindName(op.kind)));
    for (ir::ValueId v : op.operands) n->add_input(g.value(v).name);
    for (ir::ValueId r : op.results) n->add_output(g.value(r).name);
    const std::string& out = g.value(op.results[0]).name;
    // Operands that ONNX takes as inputs and the ir as attributes become initializers.
    auto intsInput = [&](const std::string& suffix, const std::vector<int64_t>& values) {
      std::string name = out + suffix;
      *graph->add_initializer() =
          tensorToOnnx(ir::Tensor::fromInts(ir::DType::i64, ir::Shape({int64_t(values.size())}), values), name);
      n->add_input(name);
    };
    switch (op.kind) {
      case ir::OpKind::Gemm:
        addFloatAttr(n, "alpha", op.attrs.getFloat("alpha", 1.0));
        addFloatAttr(n, "beta", op.attrs.getFloat("beta", 1.0));
        addIntAttr(n, "transA", op.attrs.getInt("transA", 0));
        addIntAttr(n, "transB", op.attrs.getInt("transB", 0));
        break;
      case ir::OpKind::Transpose: addIntsAttr(n, "perm", op.attrs.getInts("perm")); break;
      case ir::OpKind::Reshape: intsInput(".shape", op.attrs.getInts("shape")); break;
      case ir::OpKind::Flatten:
      case ir::OpKind::Concat:
      case ir::OpKind::Softmax: addIntAttr(n, "axis", op.attrs.getInt("axis", op.kind == ir::OpKind::Softmax ? -1 : op.kind == ir::OpKind::Flatten ? 1 : 0)); break;
      case ir::OpKind::ReduceSum:
      case ir::OpKind::ReduceMean: {
        std::vector<int64_t> axes = op.attrs.getInts("axes");
        bool asInput = op.kind == ir::OpKind::ReduceSum;  // ReduceMean takes an input only from opset 18
        if (!axes.empty()) {
          if (asInput) intsInput(".axes", axes);
          else addIntsAttr(n, "axes", axes);
        }
        addIntAttr(n, "keepdims", op.attrs.getInt("keepdims", 1));
        break;
      }
      default: break;
    }
  }
  for (ir::ValueId v : g.outputs()) setType(graph->add_output(), g.value(v));
  std::string bytes;
  if (!model.SerializeToString(&bytes)) ir::fail("{}: cannot serialise the model", path);
  writeFileAtomically(path, bytes);
}

}  // namespace shardc::frontend
