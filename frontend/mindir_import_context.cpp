// PrimitiveContext's helpers, the same for every lowering, and ONNX attribute construction.
#include <fmt/format.h>

#include "frontend/mindir_import_context.h"
#include "ir/error.h"

namespace shardc::frontend::mindir_import {

void PrimitiveContext::error(const std::string& what) const { ir::fail("{}: {}: {}", source(), describe(), what); }

void PrimitiveContext::unsupported(const std::string& what) const {
  ir::unsupported("{}: {}: {}", source(), describe(), what);
}

void PrimitiveContext::expectInputs(size_t min, size_t max) const {
  size_t n = numInputs();
  if (n < min || n > max)
    error(min == max ? fmt::format("has {} inputs, expects {}", n, min)
                     : fmt::format("has {} inputs, expects {} to {}", n, min, max));
}

size_t PrimitiveContext::rankOf(size_t i) const {
  std::optional<ir::TensorType> t = typeOf(i);
  if (!t) error(fmt::format("needs the rank of input {}, which the model does not give (no abstract)", i));
  return t->shape.rank();
}

std::vector<int64_t> PrimitiveContext::constantInts(size_t i, const std::string& what) const {
  const MindIrValue* v = constant(i);
  if (!v) error(fmt::format("its {} (input {}) is computed at run time; shardc needs it at compile time", what, i));
  std::vector<int64_t> ints;
  try {
    ints = v->toInts();
  } catch (const std::invalid_argument&) {
    error(fmt::format("its {} (input {}) is {}, expected integers", what, i, v->str()));
  }
  return ints;
}

int64_t PrimitiveContext::intAttr(const std::string& name, int64_t dflt) const {
  const MindIrValue* v = attr(name);
  if (!v) return dflt;
  if (v->kind != MindIrValue::Kind::Int && v->kind != MindIrValue::Kind::Bool)
    error(fmt::format("attribute '{}' is {}, expected an integer", name, v->str()));
  return v->i;
}

double PrimitiveContext::floatAttr(const std::string& name, double dflt) const {
  const MindIrValue* v = attr(name);
  if (!v) return dflt;
  if (v->kind == MindIrValue::Kind::Int) return static_cast<double>(v->i);
  if (v->kind != MindIrValue::Kind::Float) error(fmt::format("attribute '{}' is {}, expected a number", name, v->str()));
  return v->f;
}

bool PrimitiveContext::boolAttr(const std::string& name, bool dflt) const { return intAttr(name, dflt ? 1 : 0) != 0; }

std::string PrimitiveContext::stringAttr(const std::string& name, const std::string& dflt) const {
  const MindIrValue* v = attr(name);
  if (!v) return dflt;
  if (v->kind != MindIrValue::Kind::String) error(fmt::format("attribute '{}' is {}, expected a string", name, v->str()));
  return v->s;
}

std::optional<std::vector<int64_t>> PrimitiveContext::intsAttr(const std::string& name) const {
  const MindIrValue* v = attr(name);
  if (!v) return std::nullopt;
  std::vector<int64_t> ints;
  try {
    ints = v->toInts();
  } catch (const std::invalid_argument&) {
    error(fmt::format("attribute '{}' is {}, expected integers", name, v->str()));
  }
  return ints;
}

onnx::AttributeProto onnxAttr(const std::string& name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}

onnx::AttributeProto onnxAttr(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}

onnx::AttributeProto onnxAttr(const std::string& name, float v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
  return a;
}

onnx::AttributeProto onnxAttr(const std::string& name, const std::string& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(v);
  return a;
}

}  // namespace shardc::frontend::mindir_import
