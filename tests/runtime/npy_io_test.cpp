// The executables' .npy reader: every malformed file is an error message (the runtime has no exceptions to give
// its callers), including those the runtime_npy fuzzer found (tests/fuzz/regressions/runtime_npy/).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "runtime/npy_io.h"

namespace {

std::string writeFile(const std::string& name, const std::string& bytes) {
  std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string npy(const std::string& header, const std::string& data) {
  std::string h = header;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(h.size() & 0xff) + char(h.size() >> 8) + h + data;
}

TEST(NpyIo, AMalformedDimIsAnErrorNotAnException) {
  shardrt::NpyArray a;
  std::string found = std::string(SHARDC_SOURCE_DIR) + "/tests/fuzz/regressions/runtime_npy/malformed_dim";
  EXPECT_EQ(shardrt::readNpy(found, a).rfind("malformed shape", 0), 0u);
  for (const char* shape : {"(2, x)", "(99999999999999999999999,)", "(-3,)", "(2, 3 4)"}) {
    std::string path = writeFile("shardc_npy_bad.npy", npy(std::string("{'descr': '<f4', 'fortran_order': False, 'shape': ") + shape + ", }", ""));
    EXPECT_EQ(shardrt::readNpy(path, a).rfind("malformed shape", 0), 0u) << shape;
  }
  // A shape whose element count overflows is a size mismatch, not a wrapped-around count.
  std::string path = writeFile("shardc_npy_big.npy",
                               npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "abcd"));
  EXPECT_EQ(shardrt::readNpy(path, a), "data size does not match the shape");
  // An empty tensor needs no data, even beside a huge dim.
  std::string empty = writeFile("shardc_npy_empty.npy",
                                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 0), }", ""));
  EXPECT_EQ(shardrt::readNpy(empty, a), "");
  std::string empty2 = writeFile("shardc_npy_empty2.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0, 4), }", ""));
  EXPECT_EQ(shardrt::readNpy(empty2, a), "");
  std::string good = writeFile("shardc_npy_good.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", std::string(8, '\0')));
  EXPECT_EQ(shardrt::readNpy(good, a), "");
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2}));
}

}  // namespace
