#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "frontend/npy.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

TEST(Npy, EveryDtypeRoundTripsByteExactly) {
  for (ir::DType t : {ir::DType::f16, ir::DType::f32, ir::DType::f64, ir::DType::i8, ir::DType::i16, ir::DType::i32,
                      ir::DType::i64, ir::DType::u8, ir::DType::u16, ir::DType::u32, ir::DType::u64, ir::DType::boolean}) {
    ir::Tensor x(t, ir::Shape({3, 5}));
    for (size_t i = 0; i < x.byteSize(); ++i) x.bytes()[i] = std::byte(t == ir::DType::boolean ? (i % 2) : (i * 37 + 11));
    ir::Tensor y = parseNpy(serializeNpy(x), "mem");
    EXPECT_EQ(y.type(), x.type()) << ir::dtypeName(t);
    EXPECT_EQ(std::memcmp(x.bytes(), y.bytes(), x.byteSize()), 0) << ir::dtypeName(t);
  }
}

TEST(Npy, HeaderIsVersion1AndDataIs64ByteAligned) {
  ir::Tensor x(ir::DType::f32, ir::Shape({2, 3}));
  std::string bytes = serializeNpy(x);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  // 10 bytes of prefix, the dict, spaces, a newline: 128 bytes, so the data starts 64-byte aligned.
  EXPECT_EQ(bytes.size(), 128u + 24u);
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes.substr(10 + dict.size(), 127 - 10 - dict.size()), std::string(127 - 10 - dict.size(), ' '));
  EXPECT_EQ(bytes[127], '\n');
  EXPECT_EQ(bytes[8], char(128 - 10));
  // Scalars and vectors spell their shape as numpy does.
  EXPECT_NE(serializeNpy(ir::Tensor(ir::DType::i64, ir::Shape{})).find("'shape': ()"), std::string::npos);
  EXPECT_NE(serializeNpy(ir::Tensor(ir::DType::u8, ir::Shape({7}))).find("'descr': '|u1', 'fortran_order': False, 'shape': (7,)"),
            std::string::npos);
}

void expectRejected(const std::string& bytes, const std::string& message) {
  try {
    parseNpy(bytes, "f.npy");
    FAIL() << "accepted";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(Npy, RejectsBrokenFilesNamingThem) {
  std::string good = serializeNpy(ir::Tensor(ir::DType::f32, ir::Shape({2, 3})));
  expectRejected("PK\x03\x04 not numpy", "f.npy: not a .npy file (bad magic)");
  expectRejected(good.substr(0, good.size() - 4), "f.npy: .npy data has 20 bytes, shape [2,3] of f32 needs 24");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  expectRejected(fortran, "f.npy: Fortran-order .npy arrays are not supported");
  std::string big = good;
  big.replace(big.find("<f4"), 3, ">f4");
  expectRejected(big, "f.npy: big-endian .npy arrays are not supported (dtype '>f4')");
  std::string complex = good;
  complex.replace(complex.find("<f4"), 3, "<c8");
  expectRejected(complex, "f.npy: unsupported .npy dtype '<c8'");
  EXPECT_THROW(readNpy("/nonexistent/x.npy"), ir::Error);
}

// A .npy written by hand: version, header dict (padded by the caller or not), data.
std::string npyBytes(int major, const std::string& dict, const std::string& data) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  size_t len = dict.size();
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (major >= 2) {
    out += static_cast<char>((len >> 16) & 0xff);
    out += static_cast<char>((len >> 24) & 0xff);
  }
  return out + dict + data;
}

std::string floatBytes(std::vector<float> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

TEST(Npy, FilesRoundTripValuesScalarsAndEmptyArrays) {
  std::string path = (std::filesystem::path(::testing::TempDir()) / "shardc_npy_roundtrip.npy").string();
  for (const ir::Tensor& t : {ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape({2, 2}), {1.5, -2, 1e-30, 3e38}),
                              ir::Tensor::fromDoubles(ir::DType::f64, ir::Shape{}, {0.1}),
                              ir::Tensor::fromInts(ir::DType::i64, ir::Shape({3}), {INT64_MIN, 0, INT64_MAX}),
                              ir::Tensor::fromInts(ir::DType::boolean, ir::Shape({2, 1, 2}), {1, 0, 0, 1}),
                              ir::Tensor(ir::DType::i32, ir::Shape({0, 3}))}) {
    writeNpy(path, t);
    ir::Tensor back = readNpy(path);
    EXPECT_EQ(back.type(), t.type()) << t.type().str();
    // An empty tensor has no buffer: memcmp may not be given its null pointer.
    EXPECT_TRUE(t.byteSize() == 0 || std::memcmp(back.bytes(), t.bytes(), t.byteSize()) == 0) << t.type().str();
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
}

TEST(Npy, EveryHeaderIsPaddedTo64Bytes) {
  for (ir::Shape s : {ir::Shape{}, ir::Shape({1}), ir::Shape({7, 1}), ir::Shape({1, 2, 3, 4, 5, 6}),
                      ir::Shape({100000, 0, 123456789})}) {
    std::string bytes = serializeNpy(ir::Tensor(ir::DType::u8, s));
    size_t headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    EXPECT_EQ((10 + headerLen) % 64, 0u) << s.str();
    EXPECT_EQ(bytes[10 + headerLen - 1], '\n') << s.str();
    EXPECT_EQ(parseNpy(bytes, "m").shape().dims, s.dims);
  }
}

// What other writers produce: versions 2 and 3, headers padded to 16 (old numpy), '=' and no byte order.
TEST(Npy, ReadsOtherWritersHeaders) {
  std::string data = floatBytes({1, 2, 3});
  for (int major : {1, 2, 3}) {
    ir::Tensor t = parseNpy(npyBytes(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }    \n", data),
                            "v");
    EXPECT_EQ(t.type().str(), "f32[3]") << major;
    EXPECT_EQ(t.data<float>()[2], 3.0f) << major;
  }
  EXPECT_EQ(parseNpy(npyBytes(1, "{'descr':'=f4','fortran_order':False,'shape':(1,3)}\n", data), "v").type().str(),
            "f32[1,3]");
  EXPECT_EQ(parseNpy(npyBytes(1, "{'shape': (3,), 'fortran_order': False, 'descr': '|b1'}\n", std::string("\1\0\1", 3)), "v")
                .type()
                .str(),
            "bool[3]");
}

TEST(Npy, RejectsMalformedHeaders) {
  std::string data = floatBytes({1, 2});
  expectRejected(npyBytes(4, "{}", ""), "f.npy: unsupported .npy version 4");
  expectRejected(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", data).substr(0, 30),
                 "f.npy: truncated .npy header");
  expectRejected(std::string("\x93NUMPY\x02\x00\x01", 9), "f.npy: not a .npy file (bad magic)");
  expectRejected(std::string("\x93NUMPY\x02\x00\x01\x00", 10), "f.npy: truncated .npy header");
  expectRejected(npyBytes(1, "{'descr': '<f4', 'fortran_order': False}\n", data), "f.npy: .npy header has no 'shape'");
  expectRejected(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }\n", data),
                 "f.npy: bad shape (2, x) in .npy header");
  expectRejected(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", data),
                 "f.npy: bad shape (-2,) in .npy header");
  expectRejected(npyBytes(1, "{'descr': '<U8', 'fortran_order': False, 'shape': (2,), }\n", data),
                 "f.npy: unsupported .npy dtype '<U8'");
  expectRejected(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", data + "xx"),
                 "f.npy: .npy data has 10 bytes, shape [2] of f32 needs 8");
}

TEST(Npy, BigEndianAndFortranOrderAreRefusedForEveryType) {
  for (const char* descr : {">f8", ">i4", ">u2", ">i8"})
    expectRejected(npyBytes(1, std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }\n",
                            std::string(8, '\0')),
                   std::string("f.npy: big-endian .npy arrays are not supported (dtype '") + descr + "')");
  expectRejected(npyBytes(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }\n", std::string(8, '\0')),
                 "f.npy: Fortran-order .npy arrays are not supported");
}

TEST(Npy, ReadErrorsNameTheFile) {
  std::string path = (std::filesystem::path(::testing::TempDir()) / "shardc_npy_bad.npy").string();
  std::ofstream(path, std::ios::binary) << "not numpy at all";
  try {
    readNpy(path);
    FAIL() << "accepted";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": not a .npy file (bad magic)");
  }
  std::filesystem::remove(path);
  try {
    readNpy("/nonexistent/x.npy");
    FAIL() << "accepted";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/x.npy: cannot open .npy file");
  }
}

}  // namespace
}  // namespace shardc::frontend
