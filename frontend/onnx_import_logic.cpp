// Comparisons, logic, Where and Cast. Opset changes that matter here (ONNX's Changelog.md):
//   Equal/Less/Greater  < 7: `broadcast`/`axis` as Add; later numpy broadcasting and more element types
//   LessOrEqual/GreaterOrEqual from 12; Where from 9
//   Cast  opset 1 names the type as a string; from 6 an enum; `saturate` (19) concerns float8 types only
#include <fmt/format.h>

#include "frontend/onnx_import_context.h"
#include "frontend/onnx_tensor.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;

void notOp(NodeContext& c) {
  c.expectInputs(1, 1);
  c.emitOutput(OpKind::Not, {c.requiredInput(0)});
}

void where(NodeContext& c) {
  c.expectInputs(3, 3);
  c.emitOutput(OpKind::Where, {c.requiredInput(0), c.requiredInput(1), c.requiredInput(2)});
}

void cast(NodeContext& c) {
  c.expectInputs(1, 1);
  const onnx::AttributeProto* to = c.attr("to");
  if (!to) c.error("has no 'to' attribute");
  if (to->type() == onnx::AttributeProto::STRING || (!to->has_type() && !to->s().empty()))
    c.unsupportedAttr("to", to->s() + " (a type name: opset 1's form)");
  ir::DType t = dtypeFromOnnx(static_cast<int32_t>(to->i()), c.describe() + ": 'to'");
  ir::Attributes a;
  a.set("to", std::string(ir::dtypeName(t)));
  c.emitOutput(OpKind::Cast, {c.requiredInput(0)}, a);
}

// CastLike (from 15): Cast to the second input's element type.
void castLike(NodeContext& c) {
  c.expectInputs(2, 2);
  ir::Attributes a;
  a.set("to", std::string(ir::dtypeName(c.typeOf(c.requiredInput(1)).dtype)));
  c.emitOutput(OpKind::Cast, {c.requiredInput(0)}, a);
}

}  // namespace

void addLogicImporters(ImporterTable& t) {
  for (auto [name, kind] : std::initializer_list<std::pair<const char*, OpKind>>{
           {"Equal", OpKind::Equal},
           {"Less", OpKind::Less},
           {"Greater", OpKind::Greater},
           {"LessOrEqual", OpKind::LessOrEqual},
           {"GreaterOrEqual", OpKind::GreaterOrEqual},
           {"And", OpKind::And},
           {"Or", OpKind::Or},
           {"Xor", OpKind::Xor}})
    t[name] = [kind = kind](NodeContext& c) { binary(c, kind); };
  t["Not"] = notOp;
  t["Where"] = where;
  t["Cast"] = cast;
  t["CastLike"] = castLike;
}

}  // namespace shardc::frontend::onnx_import
