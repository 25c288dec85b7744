#include <gtest/gtest.h>

#include "frontend/mindspore_layout.h"
#include "ir/error.h"

namespace shardc::frontend {
namespace {

// The seed's 8-device example (reference/mindspore.md §4.4): layer1.weight [784, 512] under ((2,1),(1,2)) has
// device matrix [2,2,2] and tensor map [-1, 1]: its columns are split by the middle device dim, so ranks
// {0,1,4,5} hold columns 0-255 and {2,3,6,7} columns 256-511. A convention that counted device dims from the
// left would give the split to the first dim instead and fail here.
TEST(MindSporeLayout, SeedExampleLayer1WeightColumns) {
  ir::TensorLayout l = layoutFromMindSpore({{2, 2, 2}, {{-1}, {1}}}, ir::Shape({784, 512}), "layer1.weight");
  EXPECT_EQ(l.str(), "[784,512] over [2,2,2]: (*, 1)");
  for (int64_t r : {0, 1, 4, 5}) EXPECT_EQ(l.box(r).str(), "[0:784, 0:256]") << "rank " << r;
  for (int64_t r : {2, 3, 6, 7}) EXPECT_EQ(l.box(r).str(), "[0:784, 256:512]") << "rank " << r;
  EXPECT_EQ(l.replicaGroup(0), (std::vector<int64_t>{0, 1, 4, 5}));
  EXPECT_EQ(l.replicaGroup(6), (std::vector<int64_t>{2, 3, 6, 7}));
}

TEST(MindSporeLayout, SeedExampleLayer3WeightRows) {
  ir::TensorLayout l = layoutFromMindSpore({{2, 2, 2}, {{1}, {-1}}}, ir::Shape({512, 10}), "layer3.weight");
  for (int64_t r : {0, 1, 4, 5}) EXPECT_EQ(l.box(r).str(), "[0:256, 0:10]");
  for (int64_t r : {2, 3, 6, 7}) EXPECT_EQ(l.box(r).str(), "[256:512, 0:10]");
}

TEST(MindSporeLayout, RoundTripsAndStandardisesSizeOneDims) {
  MindSporeLayout ms{{2, 2, 2}, {{-1}, {1}}};
  MindSporeLayout back = layoutToMindSpore(layoutFromMindSpore(ms, ir::Shape({8, 8}), "w"));
  EXPECT_EQ(back.devMatrix, ms.devMatrix);
  EXPECT_EQ(back.tensorMap, ms.tensorMap);
  // [2,1,2] with the weight's columns on the last dim standardises to [2,2], map [-1, 0].
  MindSporeLayout withOne{{2, 1, 2}, {{-1}, {0}}};
  MindSporeLayout standard = layoutToMindSpore(layoutFromMindSpore(withOne, ir::Shape({8, 8}), "w"));
  EXPECT_EQ(standard.devMatrix, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(standard.tensorMap, (std::vector<std::vector<int64_t>>{{-1}, {0}}));
  // A nested map (Layout API): dim 0 split by device dims 2 then 1 (outer first).
  MindSporeLayout nested{{2, 2, 2}, {{2, 1}, {-1}}};
  ir::TensorLayout n = layoutFromMindSpore(nested, ir::Shape({8, 4}), "w");
  EXPECT_EQ(n.dimAxes, (std::vector<std::vector<int>>{{0, 1}, {}}));
  EXPECT_TRUE(isNested(layoutToMindSpore(n)));
  EXPECT_EQ(layoutToMindSpore(n).tensorMap, nested.tensorMap);
}

TEST(MindSporeLayout, RejectsMapsThatDoNotFitTheMatrix) {
  auto error = [](MindSporeLayout ms, ir::Shape s) {
    try {
      layoutFromMindSpore(ms, s, "f.json: parameter 'w'");
    } catch (const ir::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error({{2, 2}, {{2}, {-1}}}, ir::Shape({4, 4})),
            "f.json: parameter 'w': tensor map value 2 does not name a dimension of device matrix [2,2]");
  EXPECT_EQ(error({{2, 0}, {{0}, {-1}}}, ir::Shape({4, 4})),
            "f.json: parameter 'w': device matrix [2,0] has a dimension that is not positive");
  EXPECT_EQ(error({{4}, {{0}}}, ir::Shape({6})),
            "f.json: parameter 'w': dimension 0 of size 6 does not divide into 4 parts");
  EXPECT_EQ(error({{2, 2}, {{0}}}, ir::Shape({4, 4})),
            "f.json: parameter 'w': tensor map has 1 entries for a tensor of rank 2");
}

}  // namespace
}  // namespace shardc::frontend

namespace shardc::frontend {
namespace {

// reference/mindspore.md §4.3: on 8 devices, MatMul ((2,1),(1,2)) has dev matrix [2,1,2] and needs a repeat of 2:
// D = [2,1,2,2], A's map [2,1] becomes [3,2], B's [1,0] becomes [2,1].
TEST(MindSporeLayout, RepeatedCalculationAppendsTheRightmostDeviceDim) {
  ir::TensorLayout a = layoutFromMindSpore({{2, 1, 2}, {{2}, {1}}}, ir::Shape({8, 4}), "A");
  ir::TensorLayout b = layoutFromMindSpore({{2, 1, 2}, {{1}, {0}}}, ir::Shape({4, 6}), "B");
  EXPECT_EQ(withRepeatedCalculation(a, 8), layoutFromMindSpore({{2, 1, 2, 2}, {{3}, {2}}}, ir::Shape({8, 4}), "A"));
  EXPECT_EQ(withRepeatedCalculation(b, 8), layoutFromMindSpore({{2, 1, 2, 2}, {{2}, {1}}}, ir::Shape({4, 6}), "B"));
  // Consecutive ranks hold the same slice.
  ir::TensorLayout r = withRepeatedCalculation(b, 8);
  for (int64_t rank = 0; rank < 8; rank += 2) EXPECT_EQ(r.box(rank), r.box(rank + 1));
  EXPECT_EQ(r.box(0).str(), "[0:4, 0:3]");
  EXPECT_EQ(r.box(2).str(), "[0:4, 3:6]");
  EXPECT_THROW(withRepeatedCalculation(b, 6), ir::Error);
}

}  // namespace
}  // namespace shardc::frontend
