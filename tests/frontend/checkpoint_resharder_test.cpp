// The resharder over in-memory checkpoints: shard, reshard and merge back are bit-exact for every dtype and random
// layouts on 1-8 ranks; each needed byte is read once from one replica; bad slices are one error and nothing is
// committed.
#include <random>

#include <gtest/gtest.h>

#include "frontend/checkpoint_resharder.h"
#include "frontend/mindspore_layout.h"
#include "ir/error.h"
#include "ir/tensor_box.h"
#include "memory_checkpoint.h"

namespace shardc::frontend {
namespace {
using testing::MemoryCheckpoint;
using testing::MemoryReader;
using testing::MemoryWriter;

// Runs the resharder from `sources` (one per rank of `from`) to `to`, returning the target ranks' checkpoints.
std::vector<MemoryCheckpoint> reshard(const std::vector<MemoryCheckpoint>& sources, const CheckpointLayout& from,
                                      const CheckpointLayout& to, ReshardStats* stats = nullptr,
                                      std::vector<std::unique_ptr<MemoryReader>>* keepReaders = nullptr) {
  std::vector<std::unique_ptr<MemoryReader>> readers;
  ReshardRequest req;
  for (size_t r = 0; r < sources.size(); ++r) {
    readers.push_back(std::make_unique<MemoryReader>("rank_" + std::to_string(r) + ".ckpt", sources[r]));
    req.sources.push_back(readers.back().get());
  }
  req.from = from;
  req.to = to;
  std::vector<MemoryCheckpoint> out(size_t(to.ranks));
  ReshardStats s = reshardCheckpoint(req, [&](int64_t rank, const std::vector<CheckpointTensorInfo>&) {
    return std::make_unique<MemoryWriter>(out[size_t(rank)]);
  });
  if (stats) *stats = s;
  if (keepReaders) *keepReaders = std::move(readers);
  return out;
}

MemoryCheckpoint randomModel(std::mt19937& gen, int params) {
  const std::vector<ir::DType> dtypes = {ir::DType::f16, ir::DType::bf16, ir::DType::f32, ir::DType::f64,
                                         ir::DType::i8,  ir::DType::i16,  ir::DType::i32, ir::DType::i64,
                                         ir::DType::u8,  ir::DType::u16,  ir::DType::u32, ir::DType::u64,
                                         ir::DType::boolean};
  const std::vector<int64_t> sizes = {1, 2, 4, 6, 8, 12, 24};
  MemoryCheckpoint m;
  for (int i = 0; i < params; ++i) {
    testing::MemoryTensor t;
    t.info.name = "p" + std::to_string(i);
    t.info.dtype = dtypes[size_t(i) % dtypes.size()];
    size_t rank = std::uniform_int_distribution<size_t>(0, 3)(gen);
    for (size_t d = 0; d < rank; ++d) t.info.dims.push_back(sizes[std::uniform_int_distribution<size_t>(0, sizes.size() - 1)(gen)]);
    t.info.bytes = uint64_t(ir::boxVolume(ir::Box{std::vector<int64_t>(rank, 0), t.info.dims})) * ir::dtypeSize(t.info.dtype);
    for (uint64_t b = 0; b < t.info.bytes; ++b)
      t.bytes.push_back(t.info.dtype == ir::DType::boolean ? char(gen() & 1) : char(gen()));
    m.push_back(t);
  }
  return m;
}

// A random mesh of `ranks` and, per parameter, each mesh axis splitting a random dim it divides (or repeating).
CheckpointLayout randomLayout(std::mt19937& gen, const MemoryCheckpoint& model, int64_t ranks) {
  std::vector<int64_t> mesh;
  for (int64_t left = ranks, f = 2; left > 1;) {
    if (left % f != 0) {
      ++f;
      continue;
    }
    if (!mesh.empty() && gen() % 2) mesh.back() *= f;
    else mesh.push_back(f);
    left /= f;
  }
  if (mesh.empty()) mesh.push_back(1);
  std::shuffle(mesh.begin(), mesh.end(), gen);
  CheckpointLayout c;
  c.ranks = ranks;
  for (const auto& t : model) {
    if (gen() % 5 == 0) continue;  // not listed: whole on every rank
    ir::TensorLayout l = ir::TensorLayout::replicated(ir::Shape(t.info.dims), ir::DeviceMesh(mesh));
    for (size_t a = 0; a < mesh.size(); ++a) {
      size_t d = std::uniform_int_distribution<size_t>(0, t.info.dims.size())(gen);
      if (d < t.info.dims.size() && t.info.dims[d] % (l.splitFactor(d) * mesh[a]) == 0) l.dimAxes[d].push_back(int(a));
    }
    // Strategy files often leave dims unknown; the slices say them.
    if (gen() % 2) l.shape.dims.assign(l.shape.rank(), ir::kDynamicDim);
    c.params[t.info.name] = l;
  }
  return c;
}

TEST(CheckpointResharder, ShardReshardMergeIsBitExactForEveryDtype) {
  std::mt19937 gen(20261122);
  const std::vector<int64_t> rankCounts = {1, 2, 3, 4, 6, 8};
  CheckpointLayout whole;  // one rank, every parameter whole
  int trials = 0;
  for (int trial = 0; trial < 60; ++trial) {
    MemoryCheckpoint model = randomModel(gen, 13);
    int64_t trainRanks = rankCounts[gen() % rankCounts.size()], inferRanks = rankCounts[gen() % rankCounts.size()];
    CheckpointLayout train = randomLayout(gen, model, trainRanks), infer = randomLayout(gen, model, inferRanks);
    std::vector<MemoryCheckpoint> slices = reshard({model}, whole, train);
    ASSERT_EQ(slices.size(), size_t(trainRanks));
    std::vector<MemoryCheckpoint> target = reshard(slices, train, infer);
    // Each target rank holds exactly its box of every parameter.
    for (int64_t r = 0; r < inferRanks; ++r)
      for (size_t i = 0; i < model.size(); ++i) {
        auto it = infer.params.find(model[i].info.name);
        std::vector<int64_t> extent = model[i].info.dims;
        if (it != infer.params.end()) {
          ir::TensorLayout l = it->second;
          l.shape = ir::Shape(model[i].info.dims);
          extent = l.box(r).extent;
        }
        ASSERT_EQ(target[size_t(r)][i].info.dims, extent) << model[i].info.name;
      }
    std::vector<MemoryCheckpoint> merged = reshard(target, infer, whole);
    ASSERT_EQ(merged.size(), 1u);
    ASSERT_EQ(merged[0].size(), model.size());
    for (size_t i = 0; i < model.size(); ++i) {
      EXPECT_EQ(merged[0][i].info.name, model[i].info.name);
      EXPECT_EQ(merged[0][i].info.dtype, model[i].info.dtype);
      EXPECT_EQ(merged[0][i].info.dims, model[i].info.dims);
      ASSERT_EQ(merged[0][i].bytes, model[i].bytes) << "trial " << trial << " " << model[i].info.name;
    }
    ++trials;
  }
  EXPECT_EQ(trials, 60);
}

// 8 training ranks as the seed's layer1.weight [784,512]: dev [2,2,2], columns split by the middle axis (ranks
// {0,1,4,5} hold columns 0-255). To 4 ranks holding column quarters: each needed byte is read once, from the first
// replica (ranks 0 and 2 only), and the largest buffer is one output slice.
TEST(CheckpointResharder, ReadsEachNeededByteOnceFromOneReplica) {
  MemoryCheckpoint model;
  testing::MemoryTensor w;
  w.info = {"layer1.weight", ir::DType::f32, {784, 512}, 784 * 512 * 4};
  w.bytes.resize(w.info.bytes);
  for (size_t i = 0; i < w.bytes.size(); ++i) w.bytes[i] = char(i * 7);
  model.push_back(w);
  CheckpointLayout train;
  train.ranks = 8;
  ir::TensorLayout tl = ir::TensorLayout::replicated(ir::Shape({784, 512}), ir::DeviceMesh({2, 2, 2}));
  tl.dimAxes[1] = {1};
  train.params["layer1.weight"] = tl;
  std::vector<MemoryCheckpoint> slices = reshard({model}, CheckpointLayout{}, train);
  // The golden slices: rank K holds columns 256 * ((K / 2) % 2) onwards.
  for (int64_t r = 0; r < 8; ++r) {
    ASSERT_EQ(slices[size_t(r)][0].info.dims, (std::vector<int64_t>{784, 256}));
    int64_t c0 = 256 * ((r / 2) % 2);
    for (int64_t row : {0, 1, 783})
      ASSERT_EQ(std::memcmp(slices[size_t(r)][0].bytes.data() + row * 256 * 4, w.bytes.data() + (row * 512 + c0) * 4, 256 * 4), 0);
  }
  CheckpointLayout infer;
  infer.ranks = 4;
  ir::TensorLayout il = ir::TensorLayout::replicated(ir::Shape({784, 512}), ir::DeviceMesh({4}));
  il.dimAxes[1] = {0};
  infer.params["layer1.weight"] = il;
  ReshardStats stats;
  std::vector<std::unique_ptr<MemoryReader>> readers;
  reshard(slices, train, infer, &stats, &readers);
  EXPECT_EQ(stats.bytesRead, 784u * 512 * 4);
  EXPECT_EQ(stats.largestBuffer, 784u * 128 * 4);
  EXPECT_EQ(stats.bytesWritten, 784u * 512 * 4);
  for (size_t r = 0; r < 8; ++r) EXPECT_EQ(readers[r]->bytesRead(), r == 0 || r == 2 ? 784u * 256 * 4 : 0u) << r;
  // A target replicated on 4 ranks is assembled once and written four times.
  CheckpointLayout replicated;
  replicated.ranks = 4;
  reshard(slices, train, replicated, &stats);
  EXPECT_EQ(stats.bytesRead, 784u * 512 * 4);
  EXPECT_EQ(stats.bytesWritten, 4u * 784 * 512 * 4);
  EXPECT_EQ(stats.largestBuffer, 784u * 512 * 4);
}

// MindSpore's optimizer shard: 4 ranks, dev [2,2] with columns split by the right axis, so ranks 0 and 2 repeat
// columns 0-1; an opt group of 2 ranks 2 apart splits their rows: rank 0 rows 0-3, rank 2 rows 4-7.
TEST(CheckpointResharder, OptimizerShardSplitsRowsAcrossTheRepeats) {
  ir::TensorLayout l = ir::TensorLayout::replicated(ir::Shape({8, 4}), ir::DeviceMesh({2, 2}));
  l.dimAxes[1] = {1};
  ir::TensorLayout opt = withOptimizerShard(l, 2, 2, "w");
  EXPECT_EQ(opt.str(), "[8,4] over [2,2]: (0, 1)");
  EXPECT_EQ(opt.box(0).str(), "[0:4, 0:2]");
  EXPECT_EQ(opt.box(2).str(), "[4:8, 0:2]");
  EXPECT_EQ(opt.box(3).str(), "[4:8, 2:4]");
  // Rows already split by the model: the opt shard divides each rank's rows further (innermost).
  ir::TensorLayout rows = ir::TensorLayout::replicated(ir::Shape({8, 4}), ir::DeviceMesh({2, 4}));
  rows.dimAxes[0] = {0};
  EXPECT_EQ(withOptimizerShard(rows, 1, 2, "w").str(), "[8,4] over [2,2,2]: (0.2, *)");
  EXPECT_EQ(withOptimizerShard(rows, 1, -1, "w").str(), "[8,4] over [2,4]: (0.1, *)");
  EXPECT_THROW(withOptimizerShard(rows, 4, 2, "w"), ir::Error);  // ranks 4 apart differ in their rows

  // Through a strategy's parameter layout: slices saved optimizer-sharded merge back to the original.
  ir::StrategyMap strategy;
  ir::ParamLayout pl;
  pl.layout = l;
  pl.optShardStep = 2;
  pl.optShardSize = 2;
  strategy.params["w"] = pl;
  CheckpointLayout saved = checkpointLayoutOf(strategy, 4);
  MemoryCheckpoint model;
  testing::MemoryTensor w;
  w.info = {"w", ir::DType::f32, {8, 4}, 128};
  for (int i = 0; i < 128; ++i) w.bytes.push_back(char(i));
  model.push_back(w);
  std::vector<MemoryCheckpoint> slices = reshard({model}, CheckpointLayout{}, saved);
  EXPECT_EQ(slices[2][0].info.dims, (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(slices[2][0].bytes[0], char(4 * 16));  // rank 2: row 4, column 0
  EXPECT_EQ(reshard(slices, saved, CheckpointLayout{})[0][0].bytes, w.bytes);
}

TEST(CheckpointResharder, BadSlicesAreOneErrorAndNothingIsCommitted) {
  std::mt19937 gen(3);
  MemoryCheckpoint model = randomModel(gen, 2);
  model[0].info.dims = {4, 6};
  model[0].info.dtype = ir::DType::f32;
  model[0].info.bytes = 96;
  model[0].bytes.assign(96, 1);
  CheckpointLayout train;
  train.ranks = 2;
  ir::TensorLayout l = ir::TensorLayout::replicated(ir::Shape({4, 6}), ir::DeviceMesh({2}));
  l.dimAxes[0] = {0};
  train.params["p0"] = l;
  std::vector<MemoryCheckpoint> slices = reshard({model}, CheckpointLayout{}, train);
  auto errorOf = [&](std::vector<MemoryCheckpoint> s, int64_t ranks = 2) {
    CheckpointLayout from = train;
    from.ranks = ranks;
    std::vector<MemoryCheckpoint> out(1);
    try {
      std::vector<std::unique_ptr<MemoryReader>> readers;
      ReshardRequest req;
      for (size_t r = 0; r < s.size(); ++r) {
        readers.push_back(std::make_unique<MemoryReader>("rank_" + std::to_string(r) + ".ckpt", s[r]));
        req.sources.push_back(readers.back().get());
      }
      req.from = from;
      reshardCheckpoint(req, [&](int64_t rank, const std::vector<CheckpointTensorInfo>&) {
        return std::make_unique<MemoryWriter>(out[size_t(rank)]);
      });
    } catch (const ir::Error& e) {
      EXPECT_TRUE(out[0].empty()) << "a failed reshard committed its output";
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(errorOf({slices[0]}), "1 checkpoint file(s) for a training layout of 2 ranks");
  auto missing = slices;
  missing[1].erase(missing[1].begin());
  EXPECT_EQ(errorOf(missing), "parameter 'p0' is missing from rank_1.ckpt (rank 1)");
  auto extra = slices;
  extra[1].push_back(extra[1][0]);
  extra[1].back().info.name = "stray";
  EXPECT_EQ(errorOf(extra), "parameter 'stray' is in rank_1.ckpt (rank 1) but missing from rank_0.ckpt (rank 0)");
  auto retyped = slices;
  retyped[1][0].info.dtype = ir::DType::i32;
  EXPECT_EQ(errorOf(retyped), "parameter 'p0' is f32 in rank_0.ckpt (rank 0) but i32 in rank_1.ckpt (rank 1)");
  auto reshaped = slices;
  reshaped[1][0].info.dims = {3, 6};
  EXPECT_EQ(errorOf(reshaped),
            "parameter 'p0': rank_1.ckpt (rank 1) holds a slice of shape [3,6], its layout gives that rank [2,6] "
            "([2:4, 0:6])");
}

}  // namespace
}  // namespace shardc::frontend
