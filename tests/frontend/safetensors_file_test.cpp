// safetensors: the header as the format lays it out (length, JSON, space padding to 8), every dtype read back
// through mmap, metadata, and one error naming the file for each way a header can lie.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/safetensors_file.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

using Safetensors = testing::FileTest;
using testing::readFile;
using testing::writeFile;

// A file from a header text and data, the length prefix little-endian.
std::string fileOf(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += char((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string errorOf(const std::string& p) {
  try {
    SafetensorsReader r(p);
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(Safetensors, HeaderIsLengthJsonAndSpacePadding) {
  CheckpointTensorInfo a{"a", ir::DType::f32, {2}, 8};
  auto w = createSafetensors(path("a.safetensors"), {a});
  float v[2] = {1.5f, -2.0f};
  w->beginTensor(a);
  w->write(v, 8);
  w->endTensor();
  w->commit();
  std::string header = R"({"__metadata__":{"format":"ms"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(readFile(path("a.safetensors")), fileOf(header, std::string(reinterpret_cast<char*>(v), 8)));
  EXPECT_EQ((8 + header.size()) % 8, 0u);
}

TEST_F(Safetensors, EveryDtypeAndMetadataReadBack) {
  const std::vector<ir::DType> all = {ir::DType::f16, ir::DType::bf16, ir::DType::f32, ir::DType::f64, ir::DType::i8,
                                      ir::DType::i16, ir::DType::i32,  ir::DType::i64, ir::DType::u8,  ir::DType::u16,
                                      ir::DType::u32, ir::DType::u64,  ir::DType::boolean};
  std::vector<CheckpointTensorInfo> infos;
  std::vector<std::string> data;
  for (size_t i = 0; i < all.size(); ++i) {
    uint64_t n = 3 * (i + 1) * ir::dtypeSize(all[i]);
    infos.push_back({"t" + std::to_string(i), all[i], {3, int64_t(i) + 1}, n});
    std::string d;
    for (uint64_t k = 0; k < n; ++k) d += all[i] == ir::DType::boolean ? char(k & 1) : char(k * 31 + i);
    data.push_back(d);
  }
  infos.push_back({"scalar", ir::DType::i64, {}, 8});
  data.push_back(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  auto w = createSafetensors(path("all.safetensors"), infos, {{"format", "ms"}, {"remove_redundancy", "False"}});
  for (size_t i = 0; i < infos.size(); ++i) {
    w->beginTensor(infos[i]);
    w->write(data[i].data(), data[i].size());
    w->endTensor();
  }
  w->commit();
  SafetensorsReader r(path("all.safetensors"));
  EXPECT_EQ(r.metadata().at("remove_redundancy"), "False");
  ASSERT_EQ(r.tensors().size(), infos.size());
  for (size_t i = 0; i < infos.size(); ++i) {
    const CheckpointTensorInfo* t = r.find(infos[i].name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype, infos[i].dtype);
    EXPECT_EQ(t->dims, infos[i].dims);
    std::string got(t->bytes, '\0');
    r.read(t->name, 0, t->bytes, got.data());
    EXPECT_EQ(got, data[i]) << t->name;
  }
}

TEST_F(Safetensors, LyingHeadersAreOneErrorNamingTheFile) {
  auto err = [&](const std::string& name, const std::string& bytes) {
    writeFile(path(name), bytes);
    return errorOf(path(name));
  };
  std::string p = path("x.safetensors");
  EXPECT_EQ(err("x.safetensors", "abc"), p + ": truncated: 3 bytes, no header length");
  EXPECT_EQ(err("x.safetensors", fileOf("", "").substr(0, 7) + char(0x10)),
            p + ": a header of 1152921504606846976 bytes (more than safetensors allows)");
  EXPECT_EQ(err("x.safetensors", fileOf("{\"a\":", "")).rfind(p + ": the header is not JSON", 0), 0u);
  EXPECT_EQ(err("x.safetensors", fileOf(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'x'))),
            p + ": tensor 'b' overlaps the one before it");
  EXPECT_EQ(err("x.safetensors", fileOf(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'x'))),
            p + ": a hole of 4 bytes before tensor 'a'");
  EXPECT_EQ(err("x.safetensors", fileOf(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, 'x'))),
            p + ": tensor 'a': its data ends past the end of the file");
  EXPECT_EQ(err("x.safetensors", fileOf(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, 'x'))),
            p + ": tensor 'a': data_offsets [0, 8) hold 8 bytes, its shape and dtype need 12");
  EXPECT_EQ(err("x.safetensors", fileOf(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x")),
            p + ": tensor 'a': dtype F8_E4M3 is not supported");
  EXPECT_EQ(err("x.safetensors", fileOf(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "xy")),
            p + ": 1 bytes after the last tensor");
}

}  // namespace
}  // namespace shardc::frontend
