// Box algebra: intersections, covering a box with a layout's distinct boxes, and the runs that copy between boxes.
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/tensor_box.h"

namespace shardc::ir {
namespace {

Box box(std::vector<int64_t> offset, std::vector<int64_t> extent) { return Box{std::move(offset), std::move(extent)}; }

TEST(TensorBox, Intersections) {
  EXPECT_EQ(intersect(box({0, 0}, {4, 6}), box({2, 3}, {4, 6}))->str(), "[2:4, 3:6]");
  EXPECT_FALSE(intersect(box({0, 0}, {4, 6}), box({4, 0}, {2, 6})));  // touching is not overlapping
  EXPECT_FALSE(intersect(box({0}, {0}), box({0}, {3})));
  EXPECT_EQ(intersect(box({}, {}), box({}, {}))->str(), "[]");
  EXPECT_EQ(boxVolume(box({1, 1}, {3, 5})), 15);
}

// The seed's layer1.weight [784,512] saved over [2,2,2] with columns split by the middle axis; an inference rank
// that needs columns 128..383 takes 128..255 from rank 0 (first of {0,1,4,5}) and 256..383 from rank 2.
TEST(TensorBox, CoverTakesEachDistinctBoxOnceFromItsFirstHolder) {
  TensorLayout train = TensorLayout::replicated(Shape({784, 512}), DeviceMesh({2, 2, 2}));
  train.dimAxes[1] = {1};
  std::vector<Box> held;
  for (int64_t r = 0; r < 8; ++r) held.push_back(train.box(r));
  std::vector<BoxPiece> pieces = coverBox(box({0, 128}, {784, 256}), held);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].source, 0u);
  EXPECT_EQ(pieces[0].box.str(), "[0:784, 128:256]");
  EXPECT_EQ(pieces[1].source, 2u);
  EXPECT_EQ(pieces[1].box.str(), "[0:784, 256:384]");
}

TEST(TensorBox, CoverRejectsGapsAndOverlaps) {
  EXPECT_THROW(coverBox(box({0}, {8}), {box({0}, {4})}), Error);
  EXPECT_THROW(coverBox(box({0}, {8}), {box({0}, {6}), box({4}, {4})}), Error);
}

TEST(TensorBox, RunsMergeWholeTrailingDims) {
  std::vector<BoxRun> runs;
  auto collect = [&](const BoxRun& r) { runs.push_back(r); };
  // Rows 1..2 of a [4,6] source, whole, into a [2,6] destination: one run of 12.
  forEachBoxRun(box({1, 0}, {2, 6}), box({0, 0}, {4, 6}), box({1, 0}, {2, 6}), collect);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].srcOffset, 6);
  EXPECT_EQ(runs[0].dstOffset, 0);
  EXPECT_EQ(runs[0].count, 12);
  // Columns 2..4 of the same rows: two runs of 3, one per row.
  runs.clear();
  forEachBoxRun(box({1, 2}, {2, 3}), box({0, 0}, {4, 6}), box({0, 2}, {4, 3}), collect);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ((std::vector<int64_t>{runs[0].srcOffset, runs[0].dstOffset, runs[0].count}), (std::vector<int64_t>{8, 3, 3}));
  EXPECT_EQ((std::vector<int64_t>{runs[1].srcOffset, runs[1].dstOffset, runs[1].count}), (std::vector<int64_t>{14, 6, 3}));
  runs.clear();
  forEachBoxRun(box({}, {}), box({}, {}), box({}, {}), collect);  // a scalar is one run of one
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].count, 1);
}

// Every layout pair on small meshes: each target box assembled from the source slices by coverBox and
// forEachBoxRun equals the box cut from the global tensor.
TEST(TensorBox, AssemblingFromSlicesIsExact) {
  std::mt19937 gen(7);
  const Shape shape({4, 6, 2});
  std::vector<int64_t> global(size_t(shape.numElements()));
  std::iota(global.begin(), global.end(), 0);
  auto cut = [&](const Box& b) {
    Tensor whole(DType::i64, shape);
    std::copy(global.begin(), global.end(), whole.data<int64_t>());
    Tensor part = extractBox(whole, b);
    return std::vector<int64_t>(part.data<int64_t>(), part.data<int64_t>() + part.numElements());
  };
  int cases = 0;
  for (const auto& meshShape : std::vector<std::vector<int64_t>>{{2}, {2, 2}, {2, 3}, {4, 2}})
    for (int trial = 0; trial < 40; ++trial) {
      DeviceMesh mesh(meshShape);
      auto randomLayout = [&] {
        TensorLayout l = TensorLayout::replicated(shape, mesh);
        for (size_t a = 0; a < mesh.rank(); ++a) {
          size_t d = std::uniform_int_distribution<size_t>(0, shape.rank())(gen);  // rank() = replicated
          if (d < shape.rank() && shape.dims[d] % (l.splitFactor(d) * mesh.shape[a]) == 0) l.dimAxes[d].push_back(int(a));
        }
        return l;
      };
      TensorLayout from = randomLayout(), to = randomLayout();
      std::vector<Box> held;
      std::vector<std::vector<int64_t>> slices;
      for (int64_t r = 0; r < mesh.numRanks(); ++r) {
        held.push_back(from.box(r));
        slices.push_back(cut(held.back()));
      }
      for (int64_t r = 0; r < mesh.numRanks(); ++r) {
        Box target = to.box(r);
        std::vector<int64_t> out(size_t(boxVolume(target)), -1);
        for (const BoxPiece& p : coverBox(target, held))
          forEachBoxRun(p.box, held[p.source], target, [&](const BoxRun& run) {
            std::copy_n(slices[p.source].begin() + run.srcOffset, run.count, out.begin() + run.dstOffset);
          });
        ASSERT_EQ(out, cut(target)) << from.str() << " -> " << to.str() << " rank " << r;
        ++cases;
      }
    }
  EXPECT_GT(cases, 500);
}

}  // namespace
}  // namespace shardc::ir
