// MindSpore .ckpt files: written byte for byte as protobuf serializes MindSpore's messages, read back field by
// field for every dtype, chunked tensors, the CRC trailer, and one error naming the file for each kind of damage.
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "file_test_util.h"
#include "frontend/mindspore_ckpt.h"
#include "ir/error.h"
#include "mindspore_checkpoint.pb.h"

namespace shardc::frontend {
namespace {
namespace pb = mindspore::ckptpb;

using MindSporeCkpt = testing::FileTest;
using testing::readFile;
using testing::writeFile;

struct Named {
  CheckpointTensorInfo info;
  std::string bytes;
};

Named tensor(const std::string& name, ir::DType t, std::vector<int64_t> dims, uint32_t seed) {
  uint64_t n = ir::dtypeSize(t);
  for (int64_t d : dims) n *= uint64_t(d);
  std::mt19937 gen(seed);
  std::string bytes;
  for (uint64_t i = 0; i < n; ++i) bytes += t == ir::DType::boolean ? char(gen() & 1) : char(gen());
  return {{name, t, std::move(dims), n}, bytes};
}

void write(const std::string& p, const std::vector<Named>& ts, CkptWriteOptions o = {}) {
  std::vector<CheckpointTensorInfo> infos;
  for (const auto& t : ts) infos.push_back(t.info);
  auto w = createMindSporeCkpt(p, infos, o);
  for (const auto& t : ts) {
    w->beginTensor(t.info);
    // In two pieces, as a resharder hands over runs.
    w->write(t.bytes.data(), t.bytes.size() / 2);
    w->write(t.bytes.data() + t.bytes.size() / 2, t.bytes.size() - t.bytes.size() / 2);
    w->endTensor();
  }
  w->commit();
}

// What MindSpore's Python writes for one tensor (or one chunk of it): a Checkpoint message of one value.
std::string serialized(const std::string& name, const std::string& type, const std::vector<int64_t>& dims,
                       const std::string& content) {
  pb::Checkpoint c;
  auto* v = c.add_value();
  v->set_tag(name);
  for (int64_t d : dims) v->mutable_tensor()->add_dims(d);
  v->mutable_tensor()->set_tensor_type(type);
  v->mutable_tensor()->set_tensor_content(content);
  return c.SerializeAsString();
}

std::string errorOf(const std::string& p) {
  try {
    MindSporeCkptReader r(p);
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(MindSporeCkpt, EveryDtypeRoundTripsByteExact) {
  const std::vector<ir::DType> all = {ir::DType::f16, ir::DType::bf16, ir::DType::f32, ir::DType::f64, ir::DType::i8,
                                      ir::DType::i16, ir::DType::i32,  ir::DType::i64, ir::DType::u8,  ir::DType::u16,
                                      ir::DType::u32, ir::DType::u64,  ir::DType::boolean};
  std::vector<Named> ts;
  for (size_t i = 0; i < all.size(); ++i) ts.push_back(tensor("t" + std::to_string(i), all[i], {3, int64_t(i) + 1}, uint32_t(i)));
  ts.push_back(tensor("scalar", ir::DType::f32, {}, 99));
  ts.push_back(tensor("empty", ir::DType::i32, {0, 4}, 98));
  write(path("all.ckpt"), ts);
  MindSporeCkptReader r(path("all.ckpt"));
  ASSERT_EQ(r.tensors().size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    const CheckpointTensorInfo& got = r.tensors()[i];
    EXPECT_EQ(got.name, ts[i].info.name);
    EXPECT_EQ(got.dtype, ts[i].info.dtype);
    EXPECT_EQ(got.dims, ts[i].info.dims);
    std::string bytes(got.bytes, '\0');
    r.read(got.name, 0, got.bytes, bytes.data());
    EXPECT_EQ(bytes, ts[i].bytes) << got.name;
  }
  // A range inside one tensor.
  std::string mid(5, '\0');
  r.read("t3", 7, 5, mid.data());
  EXPECT_EQ(mid, ts[3].bytes.substr(7, 5));
  EXPECT_EQ(r.bytesRead(), 5 + [&] { uint64_t s = 0; for (auto& t : ts) s += t.info.bytes; return s; }());
  EXPECT_THROW(r.read("t3", ts[3].info.bytes - 2, 4, mid.data()), ir::Error);
}

// The bytes are protobuf's serialization of MindSpore's messages, one Checkpoint per tensor, MindSpore's type names,
// a scalar saved with dims [0] as MindSpore saves it.
TEST_F(MindSporeCkpt, BytesAreProtobufSerializationOfMindSporesMessages) {
  Named w = tensor("layer1.weight", ir::DType::f32, {4, 3}, 1), s = tensor("global_step", ir::DType::i64, {}, 2),
        b = tensor("bias", ir::DType::bf16, {3}, 3);
  write(path("m.ckpt"), {w, s, b});
  EXPECT_EQ(readFile(path("m.ckpt")), serialized("layer1.weight", "Float32", {4, 3}, w.bytes) +
                                           serialized("global_step", "Int64", {0}, s.bytes) +
                                           serialized("bias", "BFloat16", {3}, b.bytes));
}

// Over the chunk limit (512 MiB in MindSpore; 10 bytes here) a tensor is consecutive messages with its name and
// dims, each with a part of the content; it reads back as one tensor.
TEST_F(MindSporeCkpt, LargeTensorsAreChunkedAndReadBackWhole) {
  Named big = tensor("big", ir::DType::f32, {2, 6}, 4), after = tensor("after", ir::DType::u8, {3}, 5);
  CkptWriteOptions o;
  o.chunkBytes = 10;
  write(path("chunks.ckpt"), {big, after}, o);
  std::string expected;
  for (size_t at = 0; at < big.bytes.size(); at += 10) expected += serialized("big", "Float32", {2, 6}, big.bytes.substr(at, 10));
  expected += serialized("after", "UInt8", {3}, after.bytes);
  EXPECT_EQ(readFile(path("chunks.ckpt")), expected);
  MindSporeCkptReader r(path("chunks.ckpt"));
  ASSERT_EQ(r.tensors().size(), 2u);
  EXPECT_EQ(r.tensors()[0].bytes, 48u);
  std::string all(48, '\0'), across(12, '\0');
  r.read("big", 0, 48, all.data());
  EXPECT_EQ(all, big.bytes);
  r.read("big", 5, 12, across.data());  // spans three chunks
  EXPECT_EQ(across, big.bytes.substr(5, 12));
}

// The trailer: "crc_num" and the CRC-32 of everything before it as 10 big-endian bytes; checked on open.
TEST_F(MindSporeCkpt, CrcTrailerIsWrittenAndChecked) {
  Named w = tensor("w", ir::DType::f32, {5}, 6);
  CkptWriteOptions o;
  o.crc = true;
  write(path("crc.ckpt"), {w}, o);
  std::string bytes = readFile(path("crc.ckpt"));
  std::string body = serialized("w", "Float32", {5}, w.bytes);
  ASSERT_EQ(bytes.size(), body.size() + 17);
  EXPECT_EQ(bytes.substr(0, body.size()), body);
  EXPECT_EQ(bytes.substr(body.size(), 7), "crc_num");
  // Python's crc_num.to_bytes(10, 'big'): six zero bytes, then the 32-bit CRC.
  EXPECT_EQ(bytes.substr(body.size() + 7, 6), std::string(6, '\0'));
  uint64_t stored = 0;
  for (size_t i = body.size() + 13; i < bytes.size(); ++i) stored = (stored << 8) | uint8_t(bytes[i]);
  // zlib's CRC-32 of the body, computed bitwise here.
  uint32_t crc = 0xffffffffu;
  for (char c : body) {
    crc ^= uint8_t(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  EXPECT_EQ(stored, uint64_t(~crc));
  MindSporeCkptReader r(path("crc.ckpt"));
  EXPECT_TRUE(r.hasCrc());
  ASSERT_EQ(r.tensors().size(), 1u);
  bytes[body.size() - 1] ^= 1;
  writeFile(path("bad.ckpt"), bytes);
  EXPECT_EQ(errorOf(path("bad.ckpt")).find(path("bad.ckpt") + ": CRC mismatch"), 0u) << errorOf(path("bad.ckpt"));
}

TEST_F(MindSporeCkpt, DamageIsOneErrorNamingTheFileAndTensor) {
  Named w = tensor("w", ir::DType::f32, {4}, 7);
  std::string good = serialized("w", "Float32", {4}, w.bytes);
  writeFile(path("cut.ckpt"), good.substr(0, good.size() - 3));
  EXPECT_EQ(errorOf(path("cut.ckpt")).rfind(path("cut.ckpt") + ": truncated", 0), 0u) << errorOf(path("cut.ckpt"));
  writeFile(path("short.ckpt"), serialized("w", "Float32", {5}, w.bytes));
  EXPECT_EQ(errorOf(path("short.ckpt")), path("short.ckpt") + ": tensor 'w': 16 bytes of content, shape [5] Float32 needs 20");
  writeFile(path("twice.ckpt"), good + serialized("v", "Float32", {4}, w.bytes) + good);
  EXPECT_EQ(errorOf(path("twice.ckpt")), path("twice.ckpt") + ": tensor 'w': appears twice");
  writeFile(path("int4.ckpt"), serialized("q", "Int4", {4}, "ab"));
  EXPECT_EQ(errorOf(path("int4.ckpt")), path("int4.ckpt") + ": tensor 'q': element type \"Int4\" is not supported");
  pb::Checkpoint map;
  auto* v = map.add_value();
  v->set_tag("table");
  auto* key = v->mutable_maptensor()->add_tensor();
  key->set_tensor_type("Int32");
  key->set_tensor_content("");
  writeFile(path("map.ckpt"), map.SerializeAsString());
  EXPECT_THROW(MindSporeCkptReader r(path("map.ckpt")), ir::Unsupported);
  EXPECT_EQ(errorOf(path("nope.ckpt")).rfind(path("nope.ckpt") + ": cannot open", 0), 0u);
}

// Strings that MindSpore saves beside the tensors (append_dict strings, the random seed) are skipped, not fatal.
TEST_F(MindSporeCkpt, StringEntriesAreSkipped) {
  Named w = tensor("w", ir::DType::f32, {2}, 8);
  writeFile(path("s.ckpt"), serialized("note", "str", {0}, "hello") + serialized("w", "Float32", {2}, w.bytes));
  MindSporeCkptReader r(path("s.ckpt"));
  ASSERT_EQ(r.tensors().size(), 1u);
  EXPECT_EQ(r.skipped(), std::vector<std::string>{"note"});
}

// The fixture written with protoc from MindSpore's schema (../shared/fixtures/mindspore/README.md): "w" Float32
// [2,2] = [[1,2],[3,4]], "global_step" Int32 [1] = 7. It reads as that, and writing the same tensors gives the same
// 70 bytes.
TEST_F(MindSporeCkpt, TheSchemaFixtureReadsAndIsRewrittenByteForByte) {
  const std::string fixture = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/synthetic_tiny.ckpt";
  if (!std::filesystem::exists(fixture)) GTEST_SKIP() << "no fixtures";
  MindSporeCkptReader r(fixture);
  ASSERT_EQ(r.tensors().size(), 2u);
  EXPECT_EQ(r.tensors()[0].name, "w");
  EXPECT_EQ(r.tensors()[0].dims, (std::vector<int64_t>{2, 2}));
  float w[4];
  r.read("w", 0, 16, w);
  EXPECT_EQ((std::vector<float>(w, w + 4)), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(r.tensors()[1].name, "global_step");
  EXPECT_EQ(r.tensors()[1].dtype, ir::DType::i32);
  int32_t step = 0;
  r.read("global_step", 0, 4, &step);
  EXPECT_EQ(step, 7);
  std::string wb(reinterpret_cast<char*>(w), 16), sb(reinterpret_cast<char*>(&step), 4);
  write(path("again.ckpt"), {{r.tensors()[0], wb}, {r.tensors()[1], sb}});
  EXPECT_EQ(readFile(path("again.ckpt")), readFile(fixture));
}

TEST_F(MindSporeCkpt, AnUncommittedWriterLeavesNothing) {
  Named w = tensor("w", ir::DType::f32, {2}, 9);
  {
    auto wr = createMindSporeCkpt(path("x.ckpt"), {w.info});
    wr->beginTensor(w.info);
    wr->write(w.bytes.data(), 4);
    EXPECT_THROW(wr->endTensor(), ir::Error);  // 4 bytes short
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace
}  // namespace shardc::frontend
