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

}  // namespace
}  // namespace shardc::frontend
