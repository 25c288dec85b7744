// shardc shard / reshard / inspect on checkpoints: the seed's 8-rank split of layer1.weight worked by hand, and
// every bad input one error line with nothing written.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "frontend/checkpoint_store.h"
#include "ir/tensor_box.h"
#include "tools/shardc/demo_model.h"

namespace shardc {
namespace {
using testing::runCli;
using testing::TempDir;

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

// The demo MLP's parameters as one whole checkpoint.
void writeWhole(const ir::Graph& g, const std::string& path) {
  std::vector<frontend::CheckpointTensorInfo> infos;
  for (ir::ValueId p : g.params()) {
    const ir::Tensor& t = *g.value(p).data;
    infos.push_back({g.value(p).name, t.dtype(), t.shape().dims, uint64_t(t.byteSize())});
  }
  auto w = frontend::createCheckpoint(path, frontend::CheckpointFormat::ckpt, infos);
  for (size_t i = 0; i < infos.size(); ++i) {
    w->beginTensor(infos[i]);
    w->write(g.value(g.params()[i]).data->bytes(), infos[i].bytes);
    w->endTensor();
  }
  w->commit();
}

// reference/mindspore.md §4.4: layer1.weight [784,512] on dev [2,2,2] with map [-1,1] (columns split by the middle
// device dim): ranks {0,1,4,5} hold columns 0-255, {2,3,6,7} columns 256-511; layer3.weight [512,10] map [1,-1]:
// rows 0-255 on {0,1,4,5}. Parameters the strategy does not list (the biases, layer2) are whole on every rank.
TEST(CliCheckpoint, ShardWritesTheSeedsSlicesComputedByHand) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  TempDir dir("shard_seed");
  ir::Graph g = tools::buildDemoMlp(1);
  writeWhole(g, dir / "full.ckpt");
  auto r = runCli({"shard", "--strategy", kFixtures + "synthetic_strategy_8dev.json", "--checkpoint", dir / "full.ckpt",
                   "-o", dir / "slices", "-q"});
  ASSERT_EQ(r.status, 0) << r.err;
  const ir::Tensor* w1 = nullptr;
  const ir::Tensor* w3 = nullptr;
  for (ir::ValueId p : g.params()) {
    if (g.value(p).name == "layer1.weight") w1 = g.value(p).data.get();
    if (g.value(p).name == "layer3.weight") w3 = g.value(p).data.get();
  }
  for (int rank = 0; rank < 8; ++rank) {
    auto reader = frontend::openCheckpoint(dir / ("slices/rank_" + std::to_string(rank) + "/net.ckpt"));
    ASSERT_EQ(reader->tensors().size(), g.params().size());
    bool low = rank == 0 || rank == 1 || rank == 4 || rank == 5;
    const frontend::CheckpointTensorInfo* t1 = reader->find("layer1.weight");
    ASSERT_EQ(t1->dims, (std::vector<int64_t>{784, 256}));
    ir::Tensor expected1 = ir::extractBox(*w1, ir::Box{{0, low ? 0 : 256}, {784, 256}});
    std::string got(t1->bytes, '\0');
    reader->read("layer1.weight", 0, t1->bytes, got.data());
    EXPECT_EQ(std::memcmp(got.data(), expected1.bytes(), got.size()), 0) << "rank " << rank;
    const frontend::CheckpointTensorInfo* t3 = reader->find("layer3.weight");
    ASSERT_EQ(t3->dims, (std::vector<int64_t>{256, 10}));
    ir::Tensor expected3 = ir::extractBox(*w3, ir::Box{{low ? 0 : 256, 0}, {256, 10}});
    got.assign(t3->bytes, '\0');
    reader->read("layer3.weight", 0, t3->bytes, got.data());
    EXPECT_EQ(std::memcmp(got.data(), expected3.bytes(), got.size()), 0) << "rank " << rank;
    EXPECT_EQ(reader->find("layer2.weight")->dims, (std::vector<int64_t>{512, 512}));
  }
  // inspect lists every tensor with its checksum; equal slices have equal checksums.
  auto a = runCli({"inspect", dir / "slices/rank_0/net.ckpt"});
  auto b = runCli({"inspect", dir / "slices/rank_4/net.ckpt"});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.out.find("layer1.weight"), std::string::npos);
  EXPECT_NE(a.out.find("f32   [784,256] 802816 bytes crc32 "), std::string::npos) << a.out;
  EXPECT_EQ(a.out.substr(a.out.find('\n')), b.out.substr(b.out.find('\n')));
}

TEST(CliCheckpoint, BadSlicesAreOneErrorLineAndNothingIsWritten) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  TempDir dir("reshard_errors");
  ir::Graph g = tools::buildDemoMlp(1);
  writeWhole(g, dir / "full.ckpt");
  const std::string train = kFixtures + "synthetic_strategy_8dev.json";
  ASSERT_EQ(runCli({"shard", "--strategy", train, "--checkpoint", dir / "full.ckpt", "-o", dir / "slices", "-q"}).status, 0);
  // A missing rank folder.
  std::filesystem::rename(dir / "slices/rank_7", dir / "rank_7.away");
  auto r = runCli({"reshard", "--from", train, "--checkpoint", dir / "slices", "--to", "none", "-o", dir / "out", "-q"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "shardc: error: " + (dir / "slices/rank_7") + ": missing (the strategy has 8 ranks)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
  // A slice of another shape: rank 7's slices saved whole.
  std::filesystem::create_directories(dir / "slices/rank_7");
  std::filesystem::copy_file(dir / "full.ckpt", dir / "slices/rank_7/net.ckpt");
  r = runCli({"reshard", "--from", train, "--checkpoint", dir / "slices", "--to", "none", "-o", dir / "out", "-q"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "shardc: error: parameter 'layer1.weight': " + (dir / "slices/rank_7/net.ckpt") +
                       " (rank 7) holds a slice of shape [784,512], its layout gives that rank [784,256] ([0:784, 256:512])\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
  // A strategy without parameter layouts cannot say how slices were cut.
  std::ofstream(dir / "ops.json") << R"({"format": "shardc-strategy", "ops": {"MatMul_layer1.weight": {"strategy": [[2, 1], [1, 2]]}}})";
  r = runCli({"shard", "--strategy", dir / "ops.json", "--checkpoint", dir / "full.ckpt", "-o", dir / "out", "-q"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(testing::lineCount(r.err), 1);
  EXPECT_NE(r.err.find("the strategy lists no parameter layouts"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

}  // namespace
}  // namespace shardc
