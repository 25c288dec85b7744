#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/tensor_layout.h"

namespace shardc::ir {
namespace {

TEST(DeviceMesh, RankAndCoordinateAreRowMajor) {
  DeviceMesh m({2, 4});
  EXPECT_EQ(m.numRanks(), 8);
  EXPECT_EQ(m.coordinate(5), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(m.coordinate(3), (std::vector<int64_t>{0, 3}));
  for (int64_t r = 0; r < 8; ++r) EXPECT_EQ(m.rankAt(m.coordinate(r)), r);
  EXPECT_EQ(m.groupAlong(5, {1}), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(m.groupAlong(5, {0}), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(m.groupAlong(5, {}), (std::vector<int64_t>{5}));
}

TEST(TensorLayout, BoxesOfATwoAxisSplit) {
  TensorLayout l;
  l.shape = Shape({8, 6});
  l.mesh = DeviceMesh({2, 3});
  l.dimAxes = {{0}, {1}};
  l.validate("t");
  EXPECT_EQ(l.localShape().str(), "[4,2]");
  EXPECT_EQ(l.box(0).str(), "[0:4, 0:2]");
  EXPECT_EQ(l.box(4).str(), "[4:8, 2:4]");
  EXPECT_EQ(l.replicaGroup(4), (std::vector<int64_t>{4}));
  EXPECT_EQ(l.str(), "[8,6] over [2,3]: (0, 1)");
}

// A dim split over two axes takes the first listed as the outer factor.
TEST(TensorLayout, NestedSplitOrdersAxesOuterFirst) {
  TensorLayout l;
  l.shape = Shape({8});
  l.mesh = DeviceMesh({2, 2});
  l.dimAxes = {{1, 0}};
  l.validate("t");
  // rank 1 = coordinate (0,1): part index = c[1] * 2 + c[0] = 2.
  EXPECT_EQ(l.box(1).str(), "[4:6]");
  EXPECT_EQ(l.box(2).str(), "[2:4]");
}

TEST(TensorLayout, ReplicasAndPartialSums) {
  TensorLayout l;
  l.shape = Shape({4, 4});
  l.mesh = DeviceMesh({2, 2, 2});
  l.dimAxes = {{}, {1}};
  l.partialAxes = {0};
  l.validate("t");
  EXPECT_EQ(l.replicatedAxes(), (std::vector<int>{2}));
  EXPECT_EQ(l.replicaGroup(2), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(l.str(), "[4,4] over [2,2,2]: (*, 1) partial(0)");
}

TEST(TensorLayout, ValidationNamesTheProblem) {
  auto error = [](TensorLayout l) {
    try {
      l.validate("w");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  TensorLayout l;
  l.shape = Shape({6});
  l.mesh = DeviceMesh({4});
  l.dimAxes = {{0}};
  EXPECT_EQ(error(l), "w: dimension 0 of size 6 does not divide into 4 parts");
  l.dimAxes = {{1}};
  EXPECT_EQ(error(l), "w: mesh axis 1 does not exist in device matrix [4]");
  l.shape = Shape({8, 8});
  l.dimAxes = {{0}, {0}};
  EXPECT_EQ(error(l), "w: mesh axis 0 is used twice");
  l.dimAxes = {{0}};
  EXPECT_EQ(error(l), "w: the layout maps 1 dims, the tensor has 2");
}

}  // namespace
}  // namespace shardc::ir
