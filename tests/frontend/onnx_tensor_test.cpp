// ONNX TensorProto <-> ir::Tensor: raw and typed data of every element type, and the tensors refused.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include "frontend/onnx_tensor.h"
#include "frontend/onnx_tensor_file.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {
namespace fs = std::filesystem;
using ir::DType;

const std::pair<int32_t, DType> kAllTypes[] = {
    {onnx::TensorProto::FLOAT, DType::f32},    {onnx::TensorProto::DOUBLE, DType::f64},
    {onnx::TensorProto::FLOAT16, DType::f16},  {onnx::TensorProto::BFLOAT16, DType::bf16},
    {onnx::TensorProto::INT8, DType::i8},      {onnx::TensorProto::INT16, DType::i16},
    {onnx::TensorProto::INT32, DType::i32},    {onnx::TensorProto::INT64, DType::i64},
    {onnx::TensorProto::UINT8, DType::u8},     {onnx::TensorProto::UINT16, DType::u16},
    {onnx::TensorProto::UINT32, DType::u32},   {onnx::TensorProto::UINT64, DType::u64},
    {onnx::TensorProto::BOOL, DType::boolean},
};

std::string errorOf(const std::function<void()>& f, bool* unsupported = nullptr) {
  try {
    f();
  } catch (const ir::Unsupported& e) {
    if (unsupported) *unsupported = true;
    return e.what();
  } catch (const ir::Error& e) {
    if (unsupported) *unsupported = false;
    return e.what();
  }
  return "";
}

onnx::TensorProto proto(int32_t type, std::vector<int64_t> dims) {
  onnx::TensorProto p;
  p.set_name("t");
  p.set_data_type(type);
  for (int64_t d : dims) p.add_dims(d);
  return p;
}

TEST(OnnxTensor, ElementTypeCodesMapBothWays) {
  for (auto [code, dtype] : kAllTypes) {
    EXPECT_EQ(dtypeFromOnnx(code, "x"), dtype) << code;
    EXPECT_EQ(dtypeToOnnx(dtype), code) << ir::dtypeName(dtype);
  }
}

TEST(OnnxTensor, UnsupportedElementTypesAreNamed) {
  for (auto [code, name] : std::vector<std::pair<int32_t, std::string>>{{onnx::TensorProto::STRING, "STRING"},
                                                                        {onnx::TensorProto::COMPLEX64, "COMPLEX64"},
                                                                        {onnx::TensorProto::COMPLEX128, "COMPLEX128"},
                                                                        {17, "FLOAT8E4M3FN"},
                                                                        {18, "FLOAT8E4M3FNUZ"},
                                                                        {19, "FLOAT8E5M2"},
                                                                        {20, "FLOAT8E5M2FNUZ"},
                                                                        {21, "UINT4"},
                                                                        {22, "INT4"},
                                                                        {23, "FLOAT4E2M1"},
                                                                        {1000, "1000"}}) {
    bool unsupported = false;
    EXPECT_EQ(errorOf([&] { tensorFromOnnx(proto(code, {1}), "w"); }, &unsupported),
              "tensor 'w': element type " + name + " is not supported");
    EXPECT_TRUE(unsupported) << name;
  }
  bool unsupported = true;
  EXPECT_EQ(errorOf([] { dtypeFromOnnx(onnx::TensorProto::UNDEFINED, "input 'x'"); }, &unsupported),
            "input 'x': element type is not given (UNDEFINED)");
  EXPECT_FALSE(unsupported);
}

TEST(OnnxTensor, EveryTypeRoundTripsThroughRawData) {
  for (auto [code, dtype] : kAllTypes) {
    ir::Tensor t(dtype, ir::Shape({2, 3}));
    for (size_t i = 0; i < t.byteSize(); ++i)
      t.bytes()[i] = std::byte(dtype == DType::boolean ? i % 2 : (i * 29 + 3) & 0xff);
    onnx::TensorProto p = tensorToOnnx(t, "w");
    EXPECT_EQ(p.name(), "w");
    EXPECT_EQ(p.data_type(), code);
    EXPECT_EQ(std::vector<int64_t>(p.dims().begin(), p.dims().end()), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(p.raw_data().size(), t.byteSize());
    ir::Tensor back = tensorFromOnnx(p, "w");
    EXPECT_EQ(back.type(), t.type()) << ir::dtypeName(dtype);
    EXPECT_EQ(std::memcmp(back.bytes(), t.bytes(), t.byteSize()), 0) << ir::dtypeName(dtype);
  }
}

TEST(OnnxTensor, RawBoolBytesBecomeZeroOrOne) {
  onnx::TensorProto p = proto(onnx::TensorProto::BOOL, {3});
  p.set_raw_data(std::string("\x00\x02\xff", 3));
  ir::Tensor t = tensorFromOnnx(p, "b");
  EXPECT_EQ(std::memcmp(t.bytes(), "\x00\x01\x01", 3), 0);
}

TEST(OnnxTensor, ScalarsAndEmptyTensors) {
  ir::Tensor s = tensorFromOnnx(tensorToOnnx(ir::Tensor::fromDoubles(DType::f64, ir::Shape{}, {2.5}), "s"), "s");
  EXPECT_EQ(s.type().str(), "f64[]");
  EXPECT_EQ(s.elementAsDouble(0), 2.5);
  onnx::TensorProto scalarTyped = proto(onnx::TensorProto::INT64, {});
  scalarTyped.add_int64_data(-7);
  EXPECT_EQ(tensorFromOnnx(scalarTyped, "s").toInts(), (std::vector<int64_t>{-7}));
  ir::Tensor e = tensorFromOnnx(proto(onnx::TensorProto::FLOAT, {0, 3}), "e");
  EXPECT_EQ(e.type().str(), "f32[0,3]");
  EXPECT_EQ(e.byteSize(), 0u);
}

// Typed fields, as onnx.helper.make_tensor writes them: int32_data also holds int8/16, uint8/16, bool and the bits
// of float16/bfloat16; uint64_data holds uint32 and uint64.
TEST(OnnxTensor, TypedFields) {
  onnx::TensorProto f = proto(onnx::TensorProto::FLOAT, {3});
  for (float v : {1.5f, -2.0f, 1e30f}) f.add_float_data(v);
  ir::Tensor ft = tensorFromOnnx(f, "f");
  EXPECT_EQ(ft.data<float>()[0], 1.5f);
  EXPECT_EQ(ft.data<float>()[2], 1e30f);

  onnx::TensorProto d = proto(onnx::TensorProto::DOUBLE, {2});
  d.add_double_data(0.1);
  d.add_double_data(-1e300);
  EXPECT_EQ(tensorFromOnnx(d, "d").data<double>()[1], -1e300);

  onnx::TensorProto l = proto(onnx::TensorProto::INT64, {2});
  l.add_int64_data(INT64_MIN);
  l.add_int64_data(INT64_MAX);
  EXPECT_EQ(tensorFromOnnx(l, "l").toInts(), (std::vector<int64_t>{INT64_MIN, INT64_MAX}));

  for (auto [code, dtype] : std::vector<std::pair<int32_t, DType>>{{onnx::TensorProto::INT8, DType::i8},
                                                                   {onnx::TensorProto::INT16, DType::i16},
                                                                   {onnx::TensorProto::INT32, DType::i32}}) {
    onnx::TensorProto p = proto(code, {2});
    p.add_int32_data(-5);
    p.add_int32_data(100);
    ir::Tensor t = tensorFromOnnx(p, "i");
    EXPECT_EQ(t.dtype(), dtype);
    EXPECT_EQ(t.toInts(), (std::vector<int64_t>{-5, 100})) << ir::dtypeName(dtype);
  }
  for (auto [code, dtype] : std::vector<std::pair<int32_t, DType>>{{onnx::TensorProto::UINT8, DType::u8},
                                                                   {onnx::TensorProto::UINT16, DType::u16}}) {
    onnx::TensorProto p = proto(code, {2});
    p.add_int32_data(200);
    p.add_int32_data(7);
    EXPECT_EQ(tensorFromOnnx(p, "u").toInts(), (std::vector<int64_t>{200, 7})) << ir::dtypeName(dtype);
  }
  for (auto code : {onnx::TensorProto::UINT32, onnx::TensorProto::UINT64}) {
    onnx::TensorProto p = proto(code, {2});
    p.add_uint64_data(4000000000u);
    p.add_uint64_data(1);
    ir::Tensor t = tensorFromOnnx(p, "u");
    EXPECT_EQ(t.elementAsDouble(0), 4e9) << code;
    EXPECT_EQ(t.elementAsDouble(1), 1.0) << code;
  }

  onnx::TensorProto b = proto(onnx::TensorProto::BOOL, {3});
  for (int v : {1, 0, 1}) b.add_int32_data(v);
  ir::Tensor bt = tensorFromOnnx(b, "b");
  EXPECT_EQ(bt.dtype(), DType::boolean);
  EXPECT_EQ(bt.toInts(), (std::vector<int64_t>{1, 0, 1}));

  onnx::TensorProto h = proto(onnx::TensorProto::FLOAT16, {2});
  h.add_int32_data(0x3c00);  // 1.0
  h.add_int32_data(0xc100);  // -2.5
  ir::Tensor ht = tensorFromOnnx(h, "h");
  EXPECT_EQ(ht.elementAsDouble(0), 1.0);
  EXPECT_EQ(ht.elementAsDouble(1), -2.5);

  onnx::TensorProto bf = proto(onnx::TensorProto::BFLOAT16, {1});
  bf.add_int32_data(0x4040);  // 3.0
  EXPECT_EQ(tensorFromOnnx(bf, "bf").elementAsDouble(0), 3.0);
}

TEST(OnnxTensor, SizeMismatchesNameTheTensor) {
  onnx::TensorProto typed = proto(onnx::TensorProto::FLOAT, {2, 2});
  typed.add_float_data(1);
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(typed, "layer1.bias"); }),
            "tensor 'layer1.bias': 1 values for shape [2,2] (4 elements)");

  // Values in the field of another type count as none.
  onnx::TensorProto wrongField = proto(onnx::TensorProto::INT64, {2});
  wrongField.add_int32_data(1);
  wrongField.add_int32_data(2);
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(wrongField, "k"); }), "tensor 'k': 0 values for shape [2] (2 elements)");

  onnx::TensorProto raw = proto(onnx::TensorProto::FLOAT, {3});
  raw.set_raw_data(std::string(7, '\0'));
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(raw, "w"); }), "tensor 'w': 7 bytes of raw data, shape [3] of f32 needs 12");

  onnx::TensorProto negative = proto(onnx::TensorProto::FLOAT, {2, -1});
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(negative, "w"); }), "tensor 'w': negative dimension in shape [2,-1]");

  // A corrupt shape claiming terabytes is refused before anything is allocated.
  onnx::TensorProto huge = proto(onnx::TensorProto::FLOAT, {1 << 30, 1 << 30});
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(huge, "w"); }), "tensor 'w': shape [1073741824,1073741824] is too large");
}

TEST(OnnxTensor, ExternalDataNeedsTheModelsFolderAndSegmentsAreNotSupported) {
  onnx::TensorProto ext = proto(onnx::TensorProto::FLOAT, {4});
  ext.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = ext.add_external_data();
  loc->set_key("location");
  loc->set_value("weights.bin");
  bool unsupported = false;
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(ext, "big.weight"); }, &unsupported),
            "tensor 'big.weight': its data is in an external file, found from the model file's folder (import a file)");
  EXPECT_FALSE(unsupported);

  onnx::TensorProto seg = proto(onnx::TensorProto::FLOAT, {1});
  seg.add_float_data(1);
  seg.mutable_segment()->set_begin(0);
  seg.mutable_segment()->set_end(1);
  EXPECT_EQ(errorOf([&] { tensorFromOnnx(seg, "s"); }), "tensor 's': segmented tensors are not supported");
}

TEST(OnnxTensorFile, ReadsASerializedTensorProto) {
  std::string path =
      (fs::path(::testing::TempDir()) / ("shardc_tensor_" + std::to_string(::getpid()) + ".pb")).string();
  ir::Tensor t = ir::Tensor::fromInts(DType::i32, ir::Shape({2, 2}), {1, -2, 3, -4});
  std::ofstream(path, std::ios::binary) << tensorToOnnx(t, "input").SerializeAsString();
  ir::Tensor back = readOnnxTensorFile(path);
  EXPECT_EQ(back.type().str(), "i32[2,2]");
  EXPECT_EQ(back.toInts(), (std::vector<int64_t>{1, -2, 3, -4}));

  // Errors name the file.
  onnx::TensorProto bad = tensorToOnnx(t, "input");
  bad.add_dims(2);
  std::ofstream(path, std::ios::binary) << bad.SerializeAsString();
  EXPECT_EQ(errorOf([&] { readOnnxTensorFile(path); }),
            path + ": tensor 'input': 16 bytes of raw data, shape [2,2,2] of i32 needs 32");
  std::ofstream(path, std::ios::binary) << "\xff\xff\xff not a protobuf";
  EXPECT_EQ(errorOf([&] { readOnnxTensorFile(path); }),
            path + ": not a serialized ONNX tensor (protobuf parse failed)");
  fs::remove(path);
  EXPECT_EQ(errorOf([&] { readOnnxTensorFile(path); }), path + ": cannot open");
}

TEST(OnnxTensorFile, ReadsOnnxTestData) {
#ifdef SHARDC_CONFORMANCE_DIR
  fs::path file = fs::path(SHARDC_CONFORMANCE_DIR) / "node/test_matmul_2d/test_data_set_0/input_0.pb";
#else
  fs::path file;
#endif
  std::error_code ec;
  if (file.empty() || !fs::exists(file, ec)) GTEST_SKIP() << "no ONNX conformance data (SHARDC_CONFORMANCE_DIR)";
  ir::Tensor t = readOnnxTensorFile(file.string());
  EXPECT_EQ(t.type().str(), "f32[3,4]");
}

}  // namespace
}  // namespace shardc::frontend
