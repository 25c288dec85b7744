#include "frontend/onnx_tensor.h"

#include <algorithm>
#include <cstring>

#include <fmt/ranges.h>
#include <fstream>

#include "frontend/onnx_tensor_file.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {
using ir::DType;

struct Mapping {
  int32_t onnx;
  DType dtype;
};
constexpr Mapping kTypes[] = {
    {onnx::TensorProto::FLOAT, DType::f32},   {onnx::TensorProto::DOUBLE, DType::f64},
    {onnx::TensorProto::FLOAT16, DType::f16}, {onnx::TensorProto::BFLOAT16, DType::bf16},
    {onnx::TensorProto::INT8, DType::i8},     {onnx::TensorProto::INT16, DType::i16},
    {onnx::TensorProto::INT32, DType::i32},   {onnx::TensorProto::INT64, DType::i64},
    {onnx::TensorProto::UINT8, DType::u8},    {onnx::TensorProto::UINT16, DType::u16},
    {onnx::TensorProto::UINT32, DType::u32},  {onnx::TensorProto::UINT64, DType::u64},
    {onnx::TensorProto::BOOL, DType::boolean},
};

template <typename Src, typename Field>
void copyTyped(ir::Tensor& out, const Field& field, const std::string& what) {
  if (static_cast<int64_t>(field.size()) != out.numElements())
    ir::fail("tensor '{}': {} values for shape {}", what, field.size(), out.shape().str());
  ir::dispatchDType(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < out.numElements(); ++i) out.data<T>()[i] = static_cast<T>(static_cast<Src>(field[int(i)]));
  });
}

}  // namespace

ir::DType dtypeFromOnnx(int32_t elemType, const std::string& what) {
  for (const auto& m : kTypes)
    if (m.onnx == elemType) return m.dtype;
  std::string name = onnx::TensorProto::DataType_IsValid(elemType)
                         ? onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elemType))
                         : std::to_string(elemType);
  ir::unsupported("{}: element type {} is not supported", what, name);
}

int32_t dtypeToOnnx(ir::DType t) {
  for (const auto& m : kTypes)
    if (m.dtype == t) return m.onnx;
  ir::fail("no ONNX element type for {}", ir::dtypeName(t));
}

ir::Tensor tensorFromOnnx(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    ir::unsupported("tensor '{}': external data is not supported yet", what);
  DType dtype = dtypeFromOnnx(t.data_type(), "tensor '" + what + "'");
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  // Check the element count against the data present before allocating: a corrupt file must not make us
  // allocate what its dims claim.
  uint64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) ir::fail("tensor '{}': negative dimension {}", what, d);
    if (d != 0 && count > (uint64_t{1} << 40) / static_cast<uint64_t>(d))
      ir::fail("tensor '{}': shape [{}] is too large", what, fmt::join(dims, ","));
    count *= static_cast<uint64_t>(d);
  }
  uint64_t present = t.has_raw_data() ? t.raw_data().size() / ir::dtypeSize(dtype)
                                      : static_cast<uint64_t>(std::max({t.float_data_size(), t.double_data_size(),
                                                                        t.int32_data_size(), t.int64_data_size(),
                                                                        t.uint64_data_size()}));
  if (present != count)
    ir::fail("tensor '{}': {} values for shape [{}]", what, present, fmt::join(dims, ","));
  ir::Tensor out(dtype, ir::Shape(dims));
  if (t.has_raw_data()) {
    if (t.raw_data().size() != out.byteSize())
      ir::fail("tensor '{}': {} bytes of raw data for {} ({} bytes)", what, t.raw_data().size(), out.type().str(),
               out.byteSize());
    if (out.byteSize()) std::memcpy(out.bytes(), t.raw_data().data(), out.byteSize());
    return out;
  }
  switch (dtype) {
    case DType::f32: copyTyped<float>(out, t.float_data(), what); break;
    case DType::f64: copyTyped<double>(out, t.double_data(), what); break;
    case DType::i64: copyTyped<int64_t>(out, t.int64_data(), what); break;
    case DType::u32:
    case DType::u64: copyTyped<uint64_t>(out, t.uint64_data(), what); break;
    case DType::f16:
    case DType::bf16:
      // Stored as their 16 bits in int32_data.
      if (static_cast<int64_t>(t.int32_data_size()) != out.numElements())
        ir::fail("tensor '{}': {} values for shape {}", what, t.int32_data_size(), out.shape().str());
      for (int64_t i = 0; i < out.numElements(); ++i) out.data<uint16_t>()[i] = static_cast<uint16_t>(t.int32_data(int(i)));
      break;
    default: copyTyped<int32_t>(out, t.int32_data(), what); break;
  }
  return out;
}

onnx::TensorProto tensorToOnnx(const ir::Tensor& t, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(dtypeToOnnx(t.dtype()));
  for (int64_t d : t.shape().dims) p.add_dims(d);
  p.set_raw_data(std::string(reinterpret_cast<const char*>(t.bytes()), t.byteSize()));
  return p;
}

ir::Tensor readOnnxTensorFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&in)) ir::fail("{}: not a serialized ONNX tensor", path);
  return tensorFromOnnx(t, path);
}

}  // namespace shardc::frontend
