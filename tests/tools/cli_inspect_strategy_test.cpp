#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "frontend/strategy_file.h"

namespace shardc {
namespace {
using testing::lineCount;
using testing::runCli;
using testing::TempDir;

const std::string kFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

TEST(CliInspectStrategy, ShowsWhichRanksHoldWhichBox) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  auto r = runCli({"inspect", kFixtures + "synthetic_strategy_8dev.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, R"(format: mindspore-json
strategy: 2 op(s), 2 parameter(s)
op MatMul_layer1.weight: ((2,1),(1,2))
op MatMul_layer3.weight: ((2,2),(2,1))
param layer1.weight: [784,512] over [2,2,2]: (*, 1)
  ranks 0,1,4,5: [0:784, 0:256]
  ranks 2,3,6,7: [0:784, 256:512]
param layer3.weight: [512,10] over [2,2,2]: (1, *)
  ranks 0,1,4,5: [0:256, 0:10]
  ranks 2,3,6,7: [256:512, 0:10]
)");
}

TEST(CliInspectStrategy, ConvertsBetweenFormats) {
  if (!std::filesystem::exists(kFixtures)) GTEST_SKIP() << "no fixtures";
  TempDir dir("convert");
  auto r = runCli({"inspect", kFixtures + "synthetic_strategy_8dev.json", "--format", "shardc", "-o", dir / "s.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  r = runCli({"inspect", dir / "s.json", "--format", "mindspore-pb", "-o", dir / "s.ckpt"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(frontend::readStrategyFile(dir / "s.json"), frontend::readStrategyFile(kFixtures + "synthetic_strategy_8dev.json"));
  // The protobuf written from it is MindSpore's file byte for byte.
  std::ifstream a(dir / "s.ckpt", std::ios::binary), b(kFixtures + "synthetic_strategy_8dev.ckpt", std::ios::binary);
  std::string x((std::istreambuf_iterator<char>(a)), {}), y((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(x, y);
}

TEST(CliInspectStrategy, BadStrategyIsOneLineNamingFileAndEntry) {
  TempDir dir("bad_strategy");
  std::ofstream(dir / "s.json") << R"({"parallel_layout_item": {"layer1.weight": {"dev_matrix": [2, 2], "tensor_map": [-1, 5]}}})";
  auto r = runCli({"inspect", dir / "s.json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lineCount(r.err), 1);
  EXPECT_EQ(r.err, "shardc: error: " + (dir / "s.json") +
                       ": parameter 'layer1.weight': tensor map value 5 does not name a dimension of device matrix [2,2]\n");
  r = runCli({"inspect", dir / "s.json", "-o", dir / "x.json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "shardc: error: -o needs --format (shardc, mindspore-json, mindspore-pb)\n");
}

}  // namespace
}  // namespace shardc
