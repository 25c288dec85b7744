#include "frontend/mindir_proto.h"

#include <fmt/format.h>

#include "frontend/onnx_tensor.h"
#include "ir/error.h"

namespace shardc::frontend::mindir_proto {
namespace {
using shardc::mindir::AttributeProto;
using shardc::mindir::TensorProto;

constexpr int32_t kMindIrFloat64 = TensorProto::FLOAT64;

bool isIntegerType(AttributeProto::AttributeType t) {
  switch (t) {
    case AttributeProto::UINT8:
    case AttributeProto::INT8:
    case AttributeProto::UINT16:
    case AttributeProto::INT16:
    case AttributeProto::INT32:
    case AttributeProto::INT64:
    case AttributeProto::UINT32:
    case AttributeProto::UINT64: return true;
    default: return false;
  }
}

// A TENSORS attribute is a tensor when it carries data, a dtype otherwise (MindSpore's loader tells them apart
// the same way).
MindIrValue tensorOrType(const AttributeProto& a, const std::string& what) {
  if (a.tensors_size() == 0) ir::fail("{}: a TENSORS value without a tensor", what);
  const TensorProto& t = a.tensors(0);
  if (t.has_raw_data() || t.float_data_size() || t.int32_data_size() || t.int64_data_size() || t.double_data_size())
    return MindIrValue::tensorValue(tensorFromMindIr(t, what));
  return MindIrValue::dtype(dtypeFromMindIr(t.data_type(), what));
}

// One scalar of a new-style value: MindSpore writes a top-level scalar in `i`/`f`/`d`/`s`, a tuple's element in
// the repeated field's first entry.
MindIrValue scalar(const AttributeProto& a, const std::string& what) {
  AttributeProto::AttributeType t = a.type();
  if (isIntegerType(t) || t == AttributeProto::BOOL) {
    int64_t v = a.has_i() || a.ints_size() == 0 ? a.i() : a.ints(0);
    return t == AttributeProto::BOOL ? MindIrValue::boolean(v != 0) : MindIrValue::integer(v);
  }
  if (t == AttributeProto::FLOAT) return MindIrValue::real(a.has_f() || a.floats_size() == 0 ? a.f() : a.floats(0));
  if (t == AttributeProto::DOUBLE) return MindIrValue::real(a.has_d() || a.doubles_size() == 0 ? a.d() : a.doubles(0));
  if (t == AttributeProto::STRING)
    return MindIrValue::string(a.has_s() || a.strings_size() == 0 ? a.s() : a.strings(0));
  MindIrValue other;
  other.kind = MindIrValue::Kind::Other;
  other.s = AttributeProto::AttributeType_IsValid(t) ? AttributeProto::AttributeType_Name(t) : std::to_string(int(t));
  (void)what;
  return other;
}

MindIrValue decodeNewStyle(const AttributeProto& a, const std::string& what) {
  switch (a.type()) {
    case AttributeProto::TENSORS: return tensorOrType(a, what);
    case AttributeProto::NONE: return MindIrValue::none();
    case AttributeProto::UMONAD:
    case AttributeProto::IOMONAD: return MindIrValue::monad();
    case AttributeProto::TUPLE:
    case AttributeProto::LIST: {
      std::vector<MindIrValue> items;
      for (const auto& v : a.values()) items.push_back(decodeNewStyle(v, what));
      return a.type() == AttributeProto::TUPLE ? MindIrValue::tuple(std::move(items)) : MindIrValue::list(std::move(items));
    }
    default: return scalar(a, what);
  }
}

// The k-th entry (0-based) of an old-style attribute's flat list of its `type`.
MindIrValue oldStyleElement(const AttributeProto& a, int k, const std::string& what) {
  auto missing = [&] { ir::fail("{}: attribute '{}' names value{} that it does not hold", what, a.ref_attr_name(), k + 1); };
  if (k < 0) missing();  // "value0" or a negative index (found by the mindir fuzzer)
  AttributeProto::AttributeType t = a.type();
  if (isIntegerType(t) || t == AttributeProto::BOOL) {
    if (k >= a.ints_size()) missing();
    return t == AttributeProto::BOOL ? MindIrValue::boolean(a.ints(k) != 0) : MindIrValue::integer(a.ints(k));
  }
  if (t == AttributeProto::FLOAT) {
    if (k >= a.floats_size()) missing();
    return MindIrValue::real(a.floats(k));
  }
  if (t == AttributeProto::DOUBLE) {
    if (k >= a.doubles_size()) missing();
    return MindIrValue::real(a.doubles(k));
  }
  if (t == AttributeProto::STRING) {
    if (k >= a.strings_size()) missing();
    return MindIrValue::string(a.strings(k));
  }
  if (k < a.tensors_size()) return MindIrValue::tensorValue(tensorFromMindIr(a.tensors(k), what));
  missing();
}

// "Tuple[value1,Tuple[value2,value3,],]," read from `pos`: sequences nest, `valueK` is entry K-1 of the flat list.
MindIrValue parseOldSequence(const AttributeProto& a, const std::string& text, size_t& pos, const std::string& what) {
  auto bad = [&] { ir::fail("{}: malformed attribute reference '{}'", what, a.ref_attr_name()); };
  bool tuple = text.compare(pos, 6, "Tuple[") == 0;
  if (!tuple && text.compare(pos, 5, "List[") != 0) bad();
  pos += tuple ? 6 : 5;
  std::vector<MindIrValue> items;
  while (pos < text.size() && text[pos] != ']') {
    if (text[pos] == ',') {
      ++pos;
      continue;
    }
    if (text.compare(pos, 5, "value") == 0) {
      size_t end = text.find_first_of(",]", pos);
      if (end == std::string::npos) bad();
      int k = 0;
      try {
        k = std::stoi(text.substr(pos + 5, end - pos - 5));
      } catch (const std::exception&) {
        bad();
      }
      items.push_back(oldStyleElement(a, k - 1, what));
      pos = end;
    } else {
      items.push_back(parseOldSequence(a, text, pos, what));
    }
  }
  if (pos >= text.size()) bad();
  ++pos;  // ']'
  return tuple ? MindIrValue::tuple(std::move(items)) : MindIrValue::list(std::move(items));
}

MindIrValue decodeOldStyle(const AttributeProto& a, const std::string& what) {
  const std::string& ref = a.ref_attr_name();
  if (ref.rfind("type:", 0) == 0) {
    if (a.tensors_size() == 0) ir::fail("{}: a type attribute without its tensor", what);
    return MindIrValue::dtype(dtypeFromMindIr(a.tensors(0).data_type(), what));
  }
  if (ref.rfind("tensor:", 0) == 0) {
    if (a.tensors_size() == 0) ir::fail("{}: a tensor attribute without its tensor", what);
    return MindIrValue::tensorValue(tensorFromMindIr(a.tensors(0), what));
  }
  if (ref.rfind("none", 0) == 0) return MindIrValue::none();
  if (ref.rfind("Monad:", 0) == 0) return MindIrValue::monad();
  if (ref.rfind("scalar:", 0) != 0) ir::fail("{}: unknown attribute reference '{}'", what, ref);
  std::string rest = ref.substr(7);
  if (rest.rfind("value0", 0) == 0) {
    AttributeProto single = a;
    single.clear_ref_attr_name();
    return scalar(single, what);
  }
  size_t pos = 0;
  return parseOldSequence(a, rest, pos, what);
}

void setScalarElement(const MindIrValue& v, AttributeProto& a) {
  switch (v.kind) {
    case MindIrValue::Kind::Bool:
      a.set_type(AttributeProto::BOOL);
      a.add_ints(v.i);
      break;
    case MindIrValue::Kind::Int:
      a.set_type(AttributeProto::INT64);
      a.add_ints(v.i);
      break;
    case MindIrValue::Kind::Float:
      a.set_type(AttributeProto::FLOAT);
      a.add_floats(static_cast<float>(v.f));
      break;
    case MindIrValue::Kind::String:
      a.set_type(AttributeProto::STRING);
      a.add_strings(v.s);
      break;
    default: encodeValue(v, a);
  }
}

// Old style flattens a (nested) sequence of one scalar kind into the attribute's list and writes its structure in
// ref_attr_name.
std::string flattenOldStyle(const MindIrValue& v, AttributeProto& a, int& count) {
  if (v.isSequence()) {
    std::string s = v.kind == MindIrValue::Kind::Tuple ? "Tuple[" : "List[";
    for (const auto& item : v.items) s += flattenOldStyle(item, a, count) + ",";
    return s + "]";
  }
  if (v.kind != MindIrValue::Kind::Bool && v.kind != MindIrValue::Kind::Int && v.kind != MindIrValue::Kind::Float &&
      v.kind != MindIrValue::Kind::String)
    ir::fail("old-style MindIR cannot hold {} in a sequence", v.str());
  AttributeProto::AttributeType before = a.has_type() ? a.type() : AttributeProto::UNDEFINED;
  setScalarElement(v, a);
  if (before != AttributeProto::UNDEFINED && before != a.type())
    ir::fail("old-style MindIR cannot hold a sequence of mixed kinds ({})", v.str());
  return "value" + std::to_string(++count);
}

}  // namespace

ir::DType dtypeFromMindIr(int32_t code, const std::string& what) {
  if (code == kMindIrFloat64) return ir::DType::f64;
  if (code > TensorProto::BFLOAT16 || code == TensorProto::STRING || code == TensorProto::COMPLEX64 ||
      code == TensorProto::COMPLEX128) {
    std::string name = TensorProto::DataType_IsValid(code)
                           ? TensorProto::DataType_Name(static_cast<TensorProto::DataType>(code))
                           : std::to_string(code);
    ir::unsupported("{}: element type {} is not supported", what, name);
  }
  return dtypeFromOnnx(code, what);
}

int32_t dtypeToMindIr(ir::DType t) { return dtypeToOnnx(t); }

onnx::TensorProto toOnnxTensor(TensorProto& t, const std::string& name) {
  onnx::TensorProto o;
  o.set_name(name);
  int32_t code = t.data_type();
  dtypeFromMindIr(code, "tensor '" + name + "'");  // refuses what ONNX would misname
  o.set_data_type(code == kMindIrFloat64 ? onnx::TensorProto::DOUBLE : code);
  for (int64_t d : t.dims()) o.add_dims(d);
  if (t.has_raw_data()) {
    o.mutable_raw_data()->swap(*t.mutable_raw_data());
    t.clear_raw_data();
    return o;
  }
  o.mutable_float_data()->Swap(t.mutable_float_data());
  o.mutable_int32_data()->Swap(t.mutable_int32_data());
  o.mutable_int64_data()->Swap(t.mutable_int64_data());
  o.mutable_double_data()->Swap(t.mutable_double_data());
  o.mutable_uint64_data()->Swap(t.mutable_uint64_data());
  return o;
}

ir::Tensor tensorFromMindIr(const TensorProto& t, const std::string& what) {
  TensorProto copy = t;
  return tensorFromOnnx(toOnnxTensor(copy, what), what);
}

TensorProto tensorToMindIr(const ir::Tensor& t, const std::string& name) {
  TensorProto p;
  p.set_name(name);
  p.set_data_type(dtypeToMindIr(t.dtype()));
  for (int64_t d : t.shape().dims) p.add_dims(d);
  p.set_raw_data(std::string(reinterpret_cast<const char*>(t.bytes()), t.byteSize()));
  return p;
}

bool isAbstract(const AttributeProto& a) {
  if (a.has_ref_attr_name()) return a.ref_attr_name().rfind("shape:", 0) == 0;
  return a.name() == "shape";
}

std::optional<ir::TensorType> abstractType(const AttributeProto& a) {
  if (!isAbstract(a) || a.tensors_size() != 1) return std::nullopt;
  if (a.has_ref_attr_name() ? a.ref_attr_name().find("Tuple[") != std::string::npos : a.type() != AttributeProto::TENSORS)
    return std::nullopt;
  const TensorProto& t = a.tensors(0);
  ir::TensorType type;
  try {
    type.dtype = dtypeFromMindIr(t.data_type(), "abstract");
  } catch (const ir::Error&) {
    return std::nullopt;  // an output shardc cannot hold says so where it is used
  }
  for (int64_t d : t.dims()) type.shape.dims.push_back(d < 0 ? ir::kDynamicDim : d);
  return type;
}

MindIrValue decodeValue(const AttributeProto& a, const std::string& what) {
  if (a.has_ref_attr_name() && !a.ref_attr_name().empty()) return decodeOldStyle(a, what);
  return decodeNewStyle(a, what);
}

void encodeValue(const MindIrValue& v, AttributeProto& a) {
  switch (v.kind) {
    case MindIrValue::Kind::None: a.set_type(AttributeProto::NONE); break;
    case MindIrValue::Kind::Monad: a.set_type(AttributeProto::UMONAD); break;
    case MindIrValue::Kind::Bool:
      a.set_type(AttributeProto::BOOL);
      a.set_i(v.i);
      break;
    case MindIrValue::Kind::Int:
      a.set_type(AttributeProto::INT64);
      a.set_i(v.i);
      break;
    case MindIrValue::Kind::Float:
      a.set_type(AttributeProto::FLOAT);
      a.set_f(static_cast<float>(v.f));
      break;
    case MindIrValue::Kind::String:
      a.set_type(AttributeProto::STRING);
      a.set_s(v.s);
      break;
    case MindIrValue::Kind::Type:
      a.set_type(AttributeProto::TENSORS);
      a.add_tensors()->set_data_type(dtypeToMindIr(v.type));
      break;
    case MindIrValue::Kind::Tensor:
      a.set_type(AttributeProto::TENSORS);
      *a.add_tensors() = tensorToMindIr(*v.tensor, "value0");
      break;
    case MindIrValue::Kind::Tuple:
    case MindIrValue::Kind::List:
      a.set_type(v.kind == MindIrValue::Kind::Tuple ? AttributeProto::TUPLE : AttributeProto::LIST);
      for (const auto& item : v.items) setScalarElement(item, *a.add_values());
      break;
    case MindIrValue::Kind::Other: ir::fail("cannot write the MindIR value {}", v.str());
  }
}

void encodeValueOldStyle(const MindIrValue& v, AttributeProto& a) {
  switch (v.kind) {
    case MindIrValue::Kind::None: a.set_ref_attr_name("none"); break;
    case MindIrValue::Kind::Monad: a.set_ref_attr_name("Monad:UMonad"); break;
    case MindIrValue::Kind::Type:
      a.set_ref_attr_name("type:value0");
      a.add_tensors()->set_data_type(dtypeToMindIr(v.type));
      break;
    case MindIrValue::Kind::Tensor:
      a.set_ref_attr_name("tensor:value0");
      *a.add_tensors() = tensorToMindIr(*v.tensor, "value0");
      break;
    case MindIrValue::Kind::Tuple:
    case MindIrValue::Kind::List: {
      int count = 0;
      a.set_ref_attr_name("scalar:" + flattenOldStyle(v, a, count) + ",");
      break;
    }
    case MindIrValue::Kind::Other: ir::fail("cannot write the MindIR value {}", v.str());
    default:
      encodeValue(v, a);
      a.set_ref_attr_name("scalar:value0");
  }
}

}  // namespace shardc::frontend::mindir_proto
