// Checkpoints saved by pipeline training (reference/mindspore.md §1.2, §8): each rank's file holds only its stage's
// parameters, laid out over the stage's ranks; the strategy is one merged file ("<stage>-<name>") or one per
// stage. Two stages of two ranks: stage 0 (ranks 0,1) holds fc1 [8,16] split by columns, stage 1 (ranks 2,3)
// fc2 [16,4] split by rows. The weights files are read back and compared byte for byte with the boxes expected.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "../checkpoint_file_writer.h"
#include "../weights_file_reader.h"
#include "cli_test_util.h"
#include "frontend/checkpoint_store.h"
#include "ir/error.h"
#include "ir/graph.h"
#include "ir/tensor_box.h"
#include "tools/shardc/checkpoint_weights.h"

namespace shardc {
namespace {
using testing::TempDir;
using testing::readWeightsFile;
using testing::writeCkpt;

ir::Tensor counting(ir::Shape shape, double from) {
  std::vector<double> v(size_t(shape.numElements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = from + double(i);
  return ir::Tensor::fromDoubles(ir::DType::f32, std::move(shape), v);
}

std::string bytesOf(const ir::Tensor& t) {
  return std::string(reinterpret_cast<const char*>(t.bytes()), size_t(t.byteSize()));
}

const char* kStrategyItems = R"("parallel_strategy_item": {
    "MatMul_fc1.weight": {"stage": 0, "parallel_strategy": [[1, 1], [1, 2]]},
    "MatMul_fc2.weight": {"stage": 1, "parallel_strategy": [[1, 2], [2, 1]]}})";
// MindSpore JSON layout items: fc1 columns split over the stage's 2 devices, fc2 rows.
std::string fc1Item(const std::string& name, int devices = 2) {
  return fmt::format(R"("{}": {{"dev_matrix": [{}], "tensor_map": [-1, 0], "tensor_shape": [8, 16], "field": 0,
    "opt_weight_shard_step": 0, "opt_weight_shard_size": 0}})", name, devices);
}
std::string fc2Item(const std::string& name, int devices = 2) {
  return fmt::format(R"("{}": {{"dev_matrix": [{}], "tensor_map": [0, -1], "tensor_shape": [16, 4], "field": 0,
    "opt_weight_shard_step": 0, "opt_weight_shard_size": 0}})", name, devices);
}
std::string strategyJson(const std::vector<std::string>& items) {
  std::string layouts;
  for (const auto& i : items) layouts += (layouts.empty() ? "" : ",\n    ") + i;
  return fmt::format("{{\"current_stage\": 1,\n  {},\n  \"parallel_layout_item\": {{\n    {}}}}}\n", kStrategyItems,
                     layouts);
}

class TrainingStages : public ::testing::Test {
 protected:
  void SetUp() override { build("fc2.weight"); }

  // The global graph: x [2,8] @ fc1 [8,16] @ fc2 [16,4], fc2 named `fc2`.
  void build(const std::string& fc2) {
    fc2Name = fc2;
    global = ir::Graph();
    fc1 = counting(ir::Shape({8, 16}), 0);
    this->fc2 = counting(ir::Shape({16, 4}), 1000);
    ir::ValueId x = global.addInput("x", {ir::DType::f32, ir::Shape({2, 8})});
    ir::ValueId w1 = global.addParam("fc1.weight", fc1);
    ir::ValueId w2 = global.addParam(fc2Name, this->fc2);
    ir::ValueId h = global.addOp1(ir::OpKind::MatMul, {x, w1}, "h", {}, "fc1");
    global.addOp1(ir::OpKind::MatMul, {h, w2}, "y", {}, "fc2");
  }

  // Pipeline training's slices: DIR/rank_K/net.ckpt, stage 0 (ranks 0,1) fc1's column halves, stage 1 (ranks 2,3)
  // fc2's row halves.
  std::vector<std::string> writeSlices(const std::string& dir) {
    std::vector<std::string> files;
    for (int64_t r = 0; r < 4; ++r) {
      files.push_back(dir + "/rank_" + std::to_string(r) + "/net.ckpt");
      if (r < 2)
        writeCkpt(files.back(), {{"fc1.weight", ir::extractBox(fc1, ir::Box{{0, 8 * r}, {8, 8}})}});
      else
        writeCkpt(files.back(), {{fc2Name, ir::extractBox(fc2, ir::Box{{8 * (r - 2), 0}, {8, 4}})}});
    }
    return files;
  }

  // The weights of a 2-rank target program holding `params` of the global graph (fc1 split by rows when held);
  // `oneStage`: through the job's sources/sourceLayout fields, given the first stage's.
  frontend::ReshardStats writeWeights(const tools::TrainingCheckpoint& tc, const std::vector<std::string>& params,
                                      const std::string& outDir, std::ostream& log, bool oneStage = false) {
    ir::Graph program;
    for (ir::ValueId p : global.params())
      for (const auto& name : params)
        if (global.value(p).name == name) program.addParam(name, global.value(p).type);
    tools::CheckpointWeightsJob job;
    job.program = &program;
    job.global = &global;
    job.ranks = 2;
    job.layouts["fc1.weight"] = ir::TensorLayout{ir::Shape({8, 16}), ir::DeviceMesh({2}), {{0}, {}}, {}};
    if (oneStage) {
      job.sources = tc.stages[0].sources;
      job.sourceLayout = tc.stages[0].layout;
    } else {
      job.training = &tc;
    }
    job.weightsPath = [&](int64_t r) { return outDir + "/rank_" + std::to_string(r) + ".bin"; };
    std::filesystem::create_directories(outDir);
    return tools::writeCheckpointWeights(job, log);
  }

  void expectBothWeights(const std::string& outDir) {
    for (int64_t r = 0; r < 2; ++r) {
      auto w = readWeightsFile(outDir + "/rank_" + std::to_string(r) + ".bin");
      ASSERT_EQ(w.size(), 2u);
      EXPECT_EQ(w["fc1.weight"].dims, (std::vector<int64_t>{4, 16}));
      EXPECT_EQ(w["fc1.weight"].bytes, bytesOf(ir::extractBox(fc1, ir::Box{{4 * r, 0}, {4, 16}}))) << "rank " << r;
      EXPECT_EQ(w[fc2Name].dims, (std::vector<int64_t>{16, 4}));
      EXPECT_EQ(w[fc2Name].bytes, bytesOf(fc2)) << "rank " << r;
    }
  }

  std::string fc2Name;
  ir::Tensor fc1, fc2;
  ir::Graph global;
};

TEST_F(TrainingStages, MergedStrategyReshardsEachStagesParameters) {
  TempDir dir("training_stages_merged");
  writeSlices(dir / "slices");
  std::ofstream(dir / "merged.json") << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc2.weight")});
  tools::TrainingCheckpoint tc = tools::openTrainingCheckpoint({dir / "slices"}, dir / "merged.json");
  ASSERT_EQ(tc.stages.size(), 2u);
  EXPECT_EQ(tc.stages[1].firstRank, 2);
  EXPECT_EQ(tc.stages[1].sources[0]->path(), dir / "slices/rank_2/net.ckpt");
  EXPECT_EQ(tc.stages[0].layout.ranks, 2);
  EXPECT_EQ(tc.stages[1].layout.params.count("fc2.weight"), 1u);
  std::ostringstream log;
  frontend::ReshardStats stats = writeWeights(tc, {"fc1.weight", "fc2.weight"}, dir / "weights", log);
  EXPECT_EQ(stats.tensors, 2);
  EXPECT_EQ(stats.bytesRead, uint64_t(8 * 16 + 16 * 4) * 4) << "each byte read once";
  expectBothWeights(dir / "weights");
  EXPECT_NE(log.str().find("[2/2] fc2.weight"), std::string::npos) << log.str();
}

TEST_F(TrainingStages, PerStageStrategyFilesReshardTheSame) {
  TempDir dir("training_stages_per_stage");
  std::vector<std::string> files = writeSlices(dir / "slices");
  std::ofstream(dir / "stage0.json") << strategyJson({fc1Item("fc1.weight")});
  std::ofstream(dir / "stage1.json") << strategyJson({fc2Item("fc2.weight")});
  tools::TrainingCheckpoint tc = tools::openTrainingCheckpoint(files, dir / "stage0.json" + "," + dir / "stage1.json");
  ASSERT_EQ(tc.stages.size(), 2u);
  std::ostringstream log;
  writeWeights(tc, {"fc1.weight", "fc2.weight"}, dir / "weights", log);
  expectBothWeights(dir / "weights");
}

// A pipeline inference stage holding fc2 alone: its files hold fc2 alone, whole, read from stage 1's files only.
TEST_F(TrainingStages, AnInferenceStageGetsOnlyItsParameters) {
  TempDir dir("training_stages_fc2");
  writeSlices(dir / "slices");
  std::ofstream(dir / "merged.json") << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc2.weight")});
  tools::TrainingCheckpoint tc =
      tools::openTrainingCheckpoint({dir / "slices/rank_{rank}/net.ckpt"}, dir / "merged.json");
  std::ostringstream log;
  writeWeights(tc, {"fc2.weight"}, dir / "weights", log);
  for (int64_t r = 0; r < 2; ++r) {
    auto w = readWeightsFile(dir / ("weights/rank_" + std::to_string(r) + ".bin"));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w.begin()->first, "fc2.weight");
    EXPECT_EQ(w.begin()->second.bytes, bytesOf(fc2));
  }
  EXPECT_EQ(tc.stages[0].sources[0]->bytesRead() + tc.stages[0].sources[1]->bytesRead(), 0u);
}

// MindSpore splits a merged name at its first '-': "1-fc-2.weight" is stage 1's "fc-2.weight".
TEST_F(TrainingStages, MergedNamesSplitAtTheFirstDash) {
  build("fc-2.weight");
  TempDir dir("training_stages_dash");
  writeSlices(dir / "slices");
  std::ofstream(dir / "merged.json") << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc-2.weight")});
  tools::TrainingCheckpoint tc = tools::openTrainingCheckpoint({dir / "slices"}, dir / "merged.json");
  ASSERT_EQ(tc.stages.size(), 2u);
  EXPECT_EQ(tc.stages[1].layout.params.count("fc-2.weight"), 1u);
  std::ostringstream log;
  writeWeights(tc, {"fc1.weight", "fc-2.weight"}, dir / "weights", log);
  expectBothWeights(dir / "weights");
}

// Without `training`, the sources/sourceLayout fields work as before: one stage's files and layout.
TEST_F(TrainingStages, TheSourcesFieldsStillGiveOneStage) {
  TempDir dir("training_stages_one");
  std::vector<std::string> files = writeSlices(dir / "slices");
  std::ofstream(dir / "stage0.json") << strategyJson({fc1Item("fc1.weight")});
  tools::TrainingCheckpoint tc = tools::openTrainingCheckpoint({files[0], files[1]}, dir / "stage0.json");
  ASSERT_EQ(tc.stages.size(), 1u);
  std::ostringstream log;
  writeWeights(tc, {"fc1.weight"}, dir / "weights", log, true);
  for (int64_t r = 0; r < 2; ++r) {
    auto w = readWeightsFile(dir / ("weights/rank_" + std::to_string(r) + ".bin"));
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w["fc1.weight"].bytes, bytesOf(ir::extractBox(fc1, ir::Box{{4 * r, 0}, {4, 16}}))) << "rank " << r;
  }
}

TEST_F(TrainingStages, AMergedStrategyNeedsEveryStagesFiles) {
  TempDir dir("training_stages_count");
  std::vector<std::string> files = writeSlices(dir / "slices");
  std::ofstream(dir / "merged.json") << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc2.weight")});
  files.pop_back();
  try {
    tools::openTrainingCheckpoint(files, dir / "merged.json");
    ADD_FAILURE() << "3 files accepted for 2 stages of 2 ranks";
  } catch (const ir::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "3 checkpoint file(s) for " + (dir / "merged.json") + ": 2 pipeline stages of 2 ranks");
  }
  // Stages of different sizes are no pipeline MindSpore saves.
  std::string uneven = dir / "uneven.json";
  std::ofstream(uneven) << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc2.weight", 4)});
  EXPECT_THROW(
      try { tools::openTrainingCheckpoint(files, uneven); } catch (const ir::Error& e) {
        EXPECT_EQ(std::string(e.what()), uneven + " (stage 1): its layouts are over 4 devices, those of " + uneven +
                                             " (stage 0) over 2 (pipeline stages have equal rank counts)");
        throw;
      },
      ir::Error);
}

// Per-stage files over 4 devices each (as if each stage had the whole job) do not fit 4 files of 2 stages.
TEST_F(TrainingStages, PerStageLayoutsMustMatchTheFileCount) {
  TempDir dir("training_stages_per_stage_count");
  std::vector<std::string> files = writeSlices(dir / "slices");
  std::ofstream(dir / "stage0.json") << strategyJson({fc1Item("fc1.weight", 4)});
  std::ofstream(dir / "stage1.json") << strategyJson({fc2Item("fc2.weight", 4)});
  std::string both = dir / "stage0.json" + "," + dir / "stage1.json";
  EXPECT_THROW(
      try { tools::openTrainingCheckpoint(files, both); } catch (const ir::Error& e) {
        EXPECT_EQ(std::string(e.what()), "4 checkpoint file(s) for " + both + ": 2 pipeline stages of 4 ranks");
        throw;
      },
      ir::Error);
}

// A stage whose second file lacks its parameter fails after the first stage was written: no weights file exists.
TEST_F(TrainingStages, AFailingStageLeavesNoWeightsFile) {
  TempDir dir("training_stages_atomic");
  std::vector<std::string> files = writeSlices(dir / "slices");
  writeCkpt(files[3], {{"other", fc2}});
  std::ofstream(dir / "merged.json") << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc2.weight")});
  tools::TrainingCheckpoint tc = tools::openTrainingCheckpoint(files, dir / "merged.json");
  std::ostringstream log;
  EXPECT_THROW(
      try { writeWeights(tc, {"fc1.weight", "fc2.weight"}, dir / "weights", log); } catch (const ir::Error& e) {
        EXPECT_NE(std::string(e.what()).find("rank_3/net.ckpt"), std::string::npos) << e.what();
        throw;
      },
      ir::Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir / "weights"));
}

TEST_F(TrainingStages, AParameterInNoStageIsAnError) {
  TempDir dir("training_stages_missing");
  std::vector<std::string> files = writeSlices(dir / "slices");
  std::ofstream(dir / "merged.json") << strategyJson({fc1Item("0-fc1.weight"), fc2Item("1-fc2.weight")});
  tools::TrainingCheckpoint tc = tools::openTrainingCheckpoint(files, dir / "merged.json");
  global.addParam("fc3.weight", counting(ir::Shape({4, 4}), 0));
  std::ostringstream log;
  EXPECT_THROW(
      try { writeWeights(tc, {"fc3.weight"}, dir / "weights", log); } catch (const ir::Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "parameter 'fc3.weight' is in neither the checkpoint of any of the 2 training stages nor the model");
        throw;
      },
      ir::Error);
}

}  // namespace
}  // namespace shardc
