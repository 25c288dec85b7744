#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "frontend/strategy_file.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

std::string readAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool haveFixtures() { return std::filesystem::exists(kFixtures + "synthetic_strategy_8dev.ckpt"); }

TEST(StrategyFile, ReadsTheSeedExampleInBothMindSporeForms) {
  if (!haveFixtures()) GTEST_SKIP() << "no fixtures at " << kFixtures;
  ir::StrategyMap pb = readStrategyFile(kFixtures + "synthetic_strategy_8dev.ckpt");
  ir::StrategyMap js = readStrategyFile(kFixtures + "synthetic_strategy_8dev.json");
  EXPECT_EQ(detectStrategyFormat(kFixtures + "synthetic_strategy_8dev.ckpt"), StrategyFormat::MindSporeProtobuf);
  EXPECT_EQ(detectStrategyFormat(kFixtures + "synthetic_strategy_8dev.json"), StrategyFormat::MindSporeJson);
  for (const ir::StrategyMap* s : {&pb, &js}) {
    ASSERT_EQ(s->ops.size(), 2u);
    EXPECT_EQ(s->ops.at("MatMul_layer1.weight").inputSplits, (std::vector<std::vector<int64_t>>{{2, 1}, {1, 2}}));
    EXPECT_EQ(s->ops.at("MatMul_layer3.weight").inputSplits, (std::vector<std::vector<int64_t>>{{2, 2}, {2, 1}}));
    ASSERT_EQ(s->params.size(), 2u);
    EXPECT_EQ(s->params.at("layer1.weight").layout.dimAxes, (std::vector<std::vector<int>>{{}, {1}}));
    EXPECT_EQ(s->params.at("layer3.weight").layout.dimAxes, (std::vector<std::vector<int>>{{1}, {}}));
    EXPECT_EQ(s->params.at("layer1.weight").layout.mesh.shape, (std::vector<int64_t>{2, 2, 2}));
  }
  // Only the JSON form records the tensor's shape.
  EXPECT_EQ(js.params.at("layer1.weight").layout.shape.str(), "[784,512]");
  EXPECT_EQ(pb.params.at("layer1.weight").layout.shape.str(), "[?,?]");
}

// Written back as protobuf, MindSpore's binary form comes out byte for byte as MindSpore's schema encodes it.
TEST(StrategyFile, ProtobufWritesTheFixtureByteForByte) {
  if (!haveFixtures()) GTEST_SKIP() << "no fixtures at " << kFixtures;
  std::string original = readAll(kFixtures + "synthetic_strategy_8dev.ckpt");
  ir::StrategyMap s = parseStrategy(original, StrategyFormat::MindSporeProtobuf, "fixture");
  EXPECT_EQ(serializeStrategy(s, StrategyFormat::MindSporeProtobuf), original);
}

ir::StrategyMap sample(bool withShapes) {
  ir::StrategyMap s;
  s.mesh = ir::DeviceMesh({2, 2, 2});
  s.ops["MatMul_layer1.weight"] = {{{2, 1}, {1, 2}}, 0};
  s.ops["MatMul_layer3.weight"] = {{{2, 2}, {2, 1}}, 1};
  ir::ParamLayout w;
  w.layout.shape = withShapes ? ir::Shape({784, 512}) : ir::Shape({ir::kDynamicDim, ir::kDynamicDim});
  w.layout.mesh = ir::DeviceMesh({2, 2, 2});
  w.layout.dimAxes = {{}, {1}};
  w.optShardSize = 2;
  w.optShardStep = 4;
  s.params["layer1.weight"] = w;
  ir::ParamLayout b = w;
  b.layout.shape = withShapes ? ir::Shape({512}) : ir::Shape({ir::kDynamicDim});
  b.layout.dimAxes = {{0}};
  b.optShardSize = b.optShardStep = 0;
  s.params["layer1.bias"] = b;
  return s;
}

TEST(StrategyFile, EveryFormatPairRoundTrips) {
  const StrategyFormat all[] = {StrategyFormat::Shardc, StrategyFormat::MindSporeJson, StrategyFormat::MindSporeProtobuf};
  for (StrategyFormat a : all)
    for (StrategyFormat b : all) {
      // MindSpore's files do not carry the job's mesh, and its protobuf not the tensors' shapes.
      bool shapes = a != StrategyFormat::MindSporeProtobuf && b != StrategyFormat::MindSporeProtobuf;
      ir::StrategyMap s = sample(shapes);
      if (a != StrategyFormat::Shardc || b != StrategyFormat::Shardc) s.mesh = ir::DeviceMesh();
      ir::StrategyMap once = parseStrategy(serializeStrategy(s, a), a, "a");
      ir::StrategyMap twice = parseStrategy(serializeStrategy(once, b), b, "b");
      EXPECT_EQ(twice, s) << strategyFormatName(a) << " -> " << strategyFormatName(b);
    }
}

TEST(StrategyFile, NestedSplitsNeedProtobufOrShardc) {
  ir::StrategyMap s;
  ir::ParamLayout p;
  p.layout.shape = ir::Shape({8, 4});
  p.layout.mesh = ir::DeviceMesh({2, 2});
  p.layout.dimAxes = {{0, 1}, {}};
  s.params["emb"] = p;
  for (StrategyFormat f : {StrategyFormat::Shardc, StrategyFormat::MindSporeProtobuf}) {
    ir::StrategyMap back = parseStrategy(serializeStrategy(s, f), f, "x");
    EXPECT_EQ(back.params.at("emb").layout.dimAxes, p.layout.dimAxes) << strategyFormatName(f);
  }
  try {
    serializeStrategy(s, StrategyFormat::MindSporeJson);
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "parameter 'emb': a dim split over several device dims needs the protobuf or shardc format");
  }
}

std::string parseError(const std::string& text, StrategyFormat f) {
  try {
    parseStrategy(text, f, "s.json");
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "";
}

TEST(StrategyFile, BadFilesNameTheFileAndTheEntry) {
  EXPECT_EQ(parseError("{\"parallel_strategy_item\": ", StrategyFormat::MindSporeJson),
            "s.json: not a JSON strategy file (malformed JSON)");
  EXPECT_EQ(parseError(R"({"parallel_layout_item": {"w": {"dev_matrix": [2, 2], "tensor_map": [2, -1]}}})",
                       StrategyFormat::MindSporeJson),
            "s.json: parameter 'w': tensor map value 2 does not name a dimension of device matrix [2,2]");
  EXPECT_EQ(parseError(R"({"parallel_strategy_item": {"MatMul_w": {"stage": 0, "parallel_strategy": [[2, 0]]}}})",
                       StrategyFormat::MindSporeJson),
            "s.json: op 'MatMul_w': split 0 in strategy [2,0] is not positive");
  EXPECT_EQ(parseError(R"({"parallel_strategy_item": {"MatMul_w": {"stage": 0}}})", StrategyFormat::MindSporeJson),
            "s.json: op 'MatMul_w': missing \"parallel_strategy\"");
  EXPECT_EQ(parseError(R"({"format": "shardc-strategy", "mesh": [2, 4],
                          "params": {"w": {"shape": [6, 8], "dims": [[1], []]}}})",
                       StrategyFormat::Shardc),
            "s.json: parameter 'w': dimension 0 of size 6 does not divide into 4 parts");
  EXPECT_EQ(parseError("\x0a\xff\xff", StrategyFormat::MindSporeProtobuf),
            "s.json: not a MindSpore strategy file (protobuf parse failed)");
}

}  // namespace
}  // namespace shardc::frontend
