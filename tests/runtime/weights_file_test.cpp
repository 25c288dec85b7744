#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/include/shardrt/shardrt.h"
#include "runtime/weights_writer.h"

namespace {

std::string tempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("shardrt_" + name + "_" + std::to_string(::getpid()))).string();
}

std::string readAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeAll(const std::string& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

std::string openError(const std::string& path) {
  shardrt_weights* w = nullptr;
  if (shardrt_weights_open(nullptr, path.c_str(), &w) == 0) {
    shardrt_weights_close(w);
    return "";
  }
  return shardrt_last_error(nullptr);
}

class WeightsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) a[i] = float(i) * 1.5f;
    for (int i = 0; i < 3; ++i) b[i] = -i;
    shardrt::writeWeightsFile(path, {{"layer1.weight", SHARDRT_F32, {2, 3}, a, sizeof a},
                                     {"step", SHARDRT_I64, {3}, b, sizeof b},
                                     {"empty", SHARDRT_U8, {0}, nullptr, 0}});
  }
  void TearDown() override { std::filesystem::remove(path); }
  std::string path = tempPath("w.bin");
  float a[6];
  int64_t b[3];
};

TEST_F(WeightsFile, EntriesReadBackByteExactAndAligned) {
  shardrt_weights* w = nullptr;
  ASSERT_EQ(shardrt_weights_open(nullptr, path.c_str(), &w), 0) << shardrt_last_error(nullptr);
  ASSERT_EQ(shardrt_weights_count(w), 3);
  shardrt_tensor_desc d;
  const void* data = nullptr;
  uint64_t n = 0;
  ASSERT_EQ(shardrt_weights_entry(w, 0, &d, &data, &n), 0);
  EXPECT_STREQ(d.name, "layer1.weight");
  EXPECT_EQ(d.dtype, SHARDRT_F32);
  ASSERT_EQ(d.rank, 2);
  EXPECT_EQ(d.dims[0], 2);
  EXPECT_EQ(d.dims[1], 3);
  EXPECT_EQ(n, sizeof a);
  EXPECT_EQ(std::memcmp(data, a, sizeof a), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 4096, 0u) << "the first tensor starts the page-aligned data";
  EXPECT_EQ(shardrt_weights_find(w, "step"), 1);
  ASSERT_EQ(shardrt_weights_entry(w, 1, &d, &data, &n), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
  EXPECT_EQ(std::memcmp(data, b, sizeof b), 0);
  EXPECT_EQ(shardrt_weights_find(w, "nope"), -1);
  EXPECT_NE(shardrt_weights_entry(w, 3, &d, &data, &n), 0);
  shardrt_weights_close(w);
}

// The streaming writer takes tensors in any order and in pieces; the file is byte-identical.
TEST_F(WeightsFile, StreamingInAnyOrderAndInPiecesGivesTheSameFile) {
  std::string streamed = tempPath("streamed.bin");
  {
    shardrt::WeightsFileWriter w(streamed, {{"layer1.weight", SHARDRT_F32, {2, 3}, nullptr, sizeof a},
                                            {"step", SHARDRT_I64, {3}, nullptr, sizeof b},
                                            {"empty", SHARDRT_U8, {0}, nullptr, 0}});
    w.beginTensor(2);
    w.endTensor();
    w.beginTensor(1);
    w.write(b, sizeof b);
    w.endTensor();
    w.beginTensor(0);
    w.write(a, 8);
    w.write(reinterpret_cast<const char*>(a) + 8, sizeof a - 8);
    w.endTensor();
    EXPECT_FALSE(std::filesystem::exists(streamed)) << "nothing at the path before commit";
    w.commit();
  }
  EXPECT_EQ(readAll(streamed), readAll(path));
  std::filesystem::remove(streamed);
}

TEST_F(WeightsFile, AnUnfinishedWriterLeavesNothing) {
  std::string dir = tempPath("unfinished");
  std::filesystem::create_directories(dir);
  {
    shardrt::WeightsFileWriter w(dir + "/w.bin", {{"x", SHARDRT_F32, {2}, nullptr, 8}});
    w.beginTensor(0);
    EXPECT_THROW(w.write(a, 12), std::runtime_error);  // more than the tensor holds
  }
  {
    shardrt::WeightsFileWriter w(dir + "/w.bin", {{"x", SHARDRT_F32, {2}, nullptr, 8}, {"y", SHARDRT_F32, {1}, nullptr, 4}});
    w.beginTensor(0);
    w.write(a, 8);
    w.endTensor();
    EXPECT_THROW(w.commit(), std::runtime_error);  // y never written
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST_F(WeightsFile, HeaderIsTheDocumentedLayout) {
  std::string bytes = readAll(path);
  EXPECT_EQ(bytes.substr(0, 8), "SHARDCW1");
  uint32_t version, count;
  uint64_t tableOffset, dataOffset;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&count, bytes.data() + 12, 4);
  std::memcpy(&tableOffset, bytes.data() + 16, 8);
  std::memcpy(&dataOffset, bytes.data() + 32, 8);
  EXPECT_EQ(version, 1u);
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(tableOffset, 64u);
  EXPECT_EQ(dataOffset, 4096u);
  // a: 24 bytes padded to 64; b: 24 bytes padded to 64; the empty tensor starts (and ends) at 128.
  EXPECT_EQ(bytes.size(), 4096u + 128u);
}

TEST_F(WeightsFile, CorruptFilesGiveOneErrorNamingFileAndEntry) {
  std::string good = readAll(path);
  std::string bad = tempPath("bad.bin");
  writeAll(bad, "XXXXXXXX" + good.substr(8));
  EXPECT_EQ(openError(bad), bad + ": not a shardc weight file (bad magic)");
  writeAll(bad, good.substr(0, 80));
  EXPECT_EQ(openError(bad), bad + ": the table lies outside the file (truncated?)");
  writeAll(bad, good.substr(0, 4096 + 80));
  EXPECT_EQ(openError(bad), bad + ": entry 1 ('step'): its data lies outside the file (truncated?)");
  std::string wrongSize = good;
  // The first entry's nbytes field: after name_len(4) + 13 name bytes + dtype(4) + rank(4) + 2 dims(16) + offset(8).
  uint64_t n = 20;
  std::memcpy(wrongSize.data() + 64 + 4 + 13 + 4 + 4 + 16 + 8, &n, 8);
  writeAll(bad, wrongSize);
  EXPECT_EQ(openError(bad), bad + ": entry 0 ('layer1.weight'): 20 bytes do not match its shape");
  writeAll(bad, "short");
  EXPECT_EQ(openError(bad), bad + ": not a shardc weight file (too short)");
  EXPECT_EQ(openError("/nonexistent/w.bin"), "/nonexistent/w.bin: cannot open the weight file: No such file or directory");
  std::filesystem::remove(bad);
}

TEST(RuntimeContext, ErrorsStayWithTheirContext) {
  shardrt_options o{3, 8, 0, nullptr, 1};
  shardrt_context* ctx = nullptr;
  ASSERT_EQ(shardrt_context_create(&o, &ctx), 0);
  EXPECT_EQ(shardrt_rank(ctx), 3);
  EXPECT_EQ(shardrt_world_size(ctx), 8);
  EXPECT_STREQ(shardrt_last_error(ctx), "");
  shardrt_set_error(ctx, "rank %d: %s", 3, "boom");
  EXPECT_STREQ(shardrt_last_error(ctx), "rank 3: boom");
  shardrt_context_destroy(ctx);
  EXPECT_EQ(shardrt_dtype_size(SHARDRT_BF16), 2u);
  EXPECT_STREQ(shardrt_dtype_name(SHARDRT_BOOL), "bool");
  EXPECT_EQ(shardrt_dtype_size(99), 0u);
}

}  // namespace
