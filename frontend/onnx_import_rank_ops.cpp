// Nodes of the custom domain "shardc" (written by `shardc export` for one rank's program): each is the ir op its
// op type names — a collective, or an op whose meaning depends on the rank — with every attribute as written.
#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "frontend/onnx_import_context.h"

namespace shardc::frontend::onnx_import {

void importRankOp(NodeContext& c) {
  const onnx::NodeProto& n = c.node();
  std::optional<ir::OpKind> kind = ir::parseOpKind(n.op_type());
  if (!kind) c.error(fmt::format("'{}' is not an op of the shardc domain", n.op_type()));
  std::vector<ir::ValueId> operands;
  for (size_t i = 0; i < c.numInputs(); ++i) operands.push_back(c.requiredInput(i));
  ir::Attributes attrs;
  for (const auto& a : n.attribute()) {
    switch (a.type()) {
      case onnx::AttributeProto::INT: attrs.set(a.name(), a.i()); break;
      case onnx::AttributeProto::FLOAT: attrs.set(a.name(), double(a.f())); break;
      case onnx::AttributeProto::STRING: attrs.set(a.name(), a.s()); break;
      case onnx::AttributeProto::INTS: attrs.set(a.name(), std::vector<int64_t>(a.ints().begin(), a.ints().end())); break;
      case onnx::AttributeProto::FLOATS: attrs.set(a.name(), std::vector<double>(a.floats().begin(), a.floats().end())); break;
      default: c.error(fmt::format("attribute '{}' has a kind the shardc domain does not use", a.name()));
    }
  }
  c.emitOutput(*kind, std::move(operands), std::move(attrs));
}

}  // namespace shardc::frontend::onnx_import
