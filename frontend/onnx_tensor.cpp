#include "frontend/onnx_tensor.h"

#include "frontend/onnx_external_data.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/onnx_external_data.h"
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

// Element types newer than Debian's libonnx 1.12, which cannot name them.
std::string onnxTypeName(int32_t elemType) {
  switch (elemType) {
    case 17: return "FLOAT8E4M3FN";
    case 18: return "FLOAT8E4M3FNUZ";
    case 19: return "FLOAT8E5M2";
    case 20: return "FLOAT8E5M2FNUZ";
    case 21: return "UINT4";
    case 22: return "INT4";
    case 23: return "FLOAT4E2M1";
    default: break;
  }
  if (onnx::TensorProto::DataType_IsValid(elemType))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elemType));
  return std::to_string(elemType);
}

// Number of values in the typed field that ONNX uses for `t` (onnx.proto: int32_data holds int8/16, uint8/16,
// bool and the bits of float16/bfloat16 too; uint64_data holds uint32 and uint64).
int64_t typedFieldSize(const onnx::TensorProto& p, DType t) {
  switch (t) {
    case DType::f32: return p.float_data_size();
    case DType::f64: return p.double_data_size();
    case DType::i64: return p.int64_data_size();
    case DType::u32:
    case DType::u64: return p.uint64_data_size();
    default: return p.int32_data_size();
  }
}

template <typename Field>
void copyTyped(ir::Tensor& out, const Field& field) {
  ir::dispatchDType(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = out.data<T>();
    for (int64_t i = 0; i < out.numElements(); ++i) dst[i] = static_cast<T>(field[static_cast<int>(i)]);
  });
}

}  // namespace

ir::DType dtypeFromOnnx(int32_t elemType, const std::string& what) {
  for (const auto& m : kTypes)
    if (m.onnx == elemType) return m.dtype;
  if (elemType == onnx::TensorProto::UNDEFINED) ir::fail("{}: element type is not given (UNDEFINED)", what);
  ir::unsupported("{}: element type {} is not supported", what, onnxTypeName(elemType));
}

int32_t dtypeToOnnx(ir::DType t) {
  for (const auto& m : kTypes)
    if (m.dtype == t) return m.onnx;
  ir::fail("no ONNX element type for {}", ir::dtypeName(t));
}

ir::Tensor tensorFromOnnx(const onnx::TensorProto& t, const std::string& what, const std::string& modelDir) {
  bool external = t.data_location() == onnx::TensorProto::EXTERNAL;
  if (external && modelDir.empty())
    ir::fail("tensor '{}': its data is in an external file, found from the model file's folder (import a file)", what);
  if (t.has_segment()) ir::unsupported("tensor '{}': segmented tensors are not supported", what);
  DType dtype = dtypeFromOnnx(t.data_type(), "tensor '" + what + "'");
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  std::string shapeText = fmt::format("[{}]", fmt::join(dims, ","));
  // The element count is checked against the data present before anything is allocated: a corrupt file must not
  // make us allocate what its dims claim.
  uint64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0) ir::fail("tensor '{}': negative dimension in shape {}", what, shapeText);
    if (d != 0 && count > (uint64_t{1} << 40) / static_cast<uint64_t>(d))
      ir::fail("tensor '{}': shape {} is too large", what, shapeText);
    count *= static_cast<uint64_t>(d);
  }
  if (external || t.has_raw_data()) {
    uint64_t need = count * ir::dtypeSize(dtype);
    if (!external && t.raw_data().size() != need)
      ir::fail("tensor '{}': {} bytes of raw data, shape {} of {} needs {}", what, t.raw_data().size(), shapeText,
               ir::dtypeName(dtype), need);
    ir::Tensor out(dtype, ir::Shape(dims));
    if (external)
      readExternalData(t, what, modelDir, need, std::span(out.bytes(), out.byteSize()));
    else if (need)
      std::memcpy(out.bytes(), t.raw_data().data(), need);
    if (dtype == DType::boolean)  // any non-zero byte is true; kernels read bytes other than 0 and 1 as bool
      for (size_t i = 0; i < out.byteSize(); ++i) out.bytes()[i] = std::byte(out.bytes()[i] != std::byte{0});
    return out;
  }
  int64_t present = typedFieldSize(t, dtype);
  if (static_cast<uint64_t>(present) != count)
    ir::fail("tensor '{}': {} values for shape {} ({} elements)", what, present, shapeText, count);
  ir::Tensor out(dtype, ir::Shape(dims));
  switch (dtype) {
    case DType::f32: copyTyped(out, t.float_data()); break;
    case DType::f64: copyTyped(out, t.double_data()); break;
    case DType::i64: copyTyped(out, t.int64_data()); break;
    case DType::u32:
    case DType::u64: copyTyped(out, t.uint64_data()); break;
    case DType::f16:
    case DType::bf16:  // their 16 bits, one value per int32
      for (int64_t i = 0; i < out.numElements(); ++i)
        out.data<uint16_t>()[i] = static_cast<uint16_t>(t.int32_data(static_cast<int>(i)));
      break;
    case DType::boolean:
      for (int64_t i = 0; i < out.numElements(); ++i) out.data<bool>()[i] = t.int32_data(static_cast<int>(i)) != 0;
      break;
    default: copyTyped(out, t.int32_data()); break;
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) ir::fail("{}: is a directory, not a serialized ONNX tensor", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&in)) ir::fail("{}: not a serialized ONNX tensor (protobuf parse failed)", path);
  try {
    return tensorFromOnnx(t, t.name().empty() ? path : t.name());
  } catch (const ir::Unsupported& e) {
    throw ir::Unsupported(path + ": " + e.what());
  } catch (const ir::Error& e) {
    throw ir::Error(path + ": " + e.what());
  }
}

}  // namespace shardc::frontend
