// Which splits pass through a Reshape: the split dim must lead its group of dims, and the group's new leading dim
// must divide by the same factor.
#include <gtest/gtest.h>

#include "passes/reshape_layout.h"

namespace shardc::passes {
namespace {

ir::TensorLayout on(ir::Shape shape, std::vector<int64_t> mesh, std::vector<std::vector<int>> dimAxes) {
  ir::TensorLayout l = ir::TensorLayout::replicated(std::move(shape), ir::DeviceMesh(std::move(mesh)));
  l.dimAxes = std::move(dimAxes);
  return l;
}

std::string through(const ir::TensorLayout& from, ir::Shape to) {
  ReshapeLayouts r = reshapeLayouts(from, to);
  return r.input.str() + " -> " + r.output.str();
}

TEST(ReshapeLayout, RowsOfAFlattenKeepTheirSplit) {
  EXPECT_EQ(through(on({8, 28, 28}, {4}, {{0}, {}, {}}), ir::Shape({8, 784})),
            "[8,28,28] over [4]: (0, *, *) -> [8,784] over [4]: (0, *)");
}

TEST(ReshapeLayout, AHiddenDimSplitIntoHeadsAndBack) {
  // [B,S,H*D] -> [B,S,H,D]: the hidden split moves to the heads.
  // 4 heads do not divide over 3 ranks: the hidden dim must be gathered first.
  EXPECT_EQ(through(on({2, 5, 12}, {2, 3}, {{0}, {}, {1}}), ir::Shape({2, 5, 4, 3})),
            "[2,5,12] over [2,3]: (0, *, *) -> [2,5,4,3] over [2,3]: (0, *, *, *)");
  EXPECT_EQ(through(on({2, 5, 12}, {2, 2}, {{0}, {}, {1}}), ir::Shape({2, 5, 4, 3})),
            "[2,5,12] over [2,2]: (0, *, 1) -> [2,5,4,3] over [2,2]: (0, *, 1, *)");
  EXPECT_EQ(through(on({2, 5, 4, 3}, {2}, {{}, {}, {0}, {}}), ir::Shape({2, 5, 12})),
            "[2,5,4,3] over [2]: (*, *, 0, *) -> [2,5,12] over [2]: (*, *, 0)");
}

TEST(ReshapeLayout, AnInnerDimOfAGroupLosesItsSplit) {
  // [4,6] -> [24]: the columns are not runs of the flattened tensor.
  EXPECT_EQ(through(on({4, 6}, {2}, {{}, {0}}), ir::Shape({24})), "[4,6] over [2]: (*, *) -> [24] over [2]: (*)");
  // [6,4] -> [2,12] with rows over 4: the new leading dim 2 does not divide by 4.
  EXPECT_EQ(through(on({8, 3}, {4}, {{0}, {}}), ir::Shape({2, 12})), "[8,3] over [4]: (*, *) -> [2,12] over [4]: (*, *)");
}

TEST(ReshapeLayout, DimsOfOneDoNotLeadAGroup) {
  EXPECT_EQ(through(on({1, 8}, {2}, {{}, {0}}), ir::Shape({8})), "[1,8] over [2]: (*, 0) -> [8] over [2]: (0)");
  EXPECT_EQ(through(on({8}, {2}, {{0}}), ir::Shape({1, 8, 1})), "[8] over [2]: (0) -> [1,8,1] over [2]: (*, 0, *)");
}

TEST(ReshapeLayout, PartialSumsCarryOver) {
  ir::TensorLayout l = on({4, 6}, {2, 2}, {{0}, {}});
  l.partialAxes = {1};
  EXPECT_EQ(through(l, ir::Shape({24})), "[4,6] over [2,2]: (0, *) partial(1) -> [24] over [2,2]: (0) partial(1)");
}

}  // namespace
}  // namespace shardc::passes
