// A small ResNet in ONNX (convolutions with batch norm, residual adds with a strided 1x1 shortcut, max and global
// average pooling, a Gemm classifier), compiled for 1, 2, 4 and 8 ranks, data parallel and with every
// convolution split on its output channels.
#include <gtest/gtest.h>

#include "model_test_util.h"

namespace shardc {
namespace {
using testing::OnnxModelBuilder;

constexpr int64_t kBatch = 8;

class ResNetBuilder {
 public:
  ResNetBuilder() : m_(17) {}

  std::string conv(const std::string& x, int64_t in, int64_t out, int64_t k, int64_t stride, const std::string& name) {
    m_.initializer(name + ".w", testing::weights({out, in, k, k}, seed_++, 1.0 / double(in * k)));
    auto& n = m_.node("Conv", {x, name + ".w"}, {name}, name);
    OnnxModelBuilder::intsAttr(n, "strides", {stride, stride});
    int64_t p = k / 2;
    OnnxModelBuilder::intsAttr(n, "pads", {p, p, p, p});
    return batchNorm(name, out);
  }

  std::string batchNorm(const std::string& x, int64_t c) {
    std::string bn = x + ".bn";
    ir::Tensor var = testing::weights({c}, seed_++, 0.5);
    for (int64_t i = 0; i < c; ++i) var.data<float>()[i] = 1.0f + var.data<float>()[i];  // positive
    m_.initializer(bn + ".gamma", testing::weights({c}, seed_++, 1.0));
    m_.initializer(bn + ".beta", testing::weights({c}, seed_++, 0.2));
    m_.initializer(bn + ".mean", testing::weights({c}, seed_++, 0.2));
    m_.initializer(bn + ".var", var);
    auto& n = m_.node("BatchNormalization", {x, bn + ".gamma", bn + ".beta", bn + ".mean", bn + ".var"}, {bn}, bn);
    OnnxModelBuilder::floatAttr(n, "epsilon", 1e-5f);
    return bn;
  }

  std::string relu(const std::string& x) {
    m_.node("Relu", {x}, {x + ".relu"});
    return x + ".relu";
  }

  std::string block(const std::string& x, int64_t in, int64_t out, int64_t stride, const std::string& name) {
    std::string a = relu(conv(x, in, out, 3, stride, name + ".conv1"));
    std::string b = conv(a, out, out, 3, 1, name + ".conv2");
    std::string shortcut = stride == 1 && in == out ? x : conv(x, in, out, 1, stride, name + ".down");
    m_.node("Add", {b, shortcut}, {name + ".sum"});
    return relu(name + ".sum");
  }

  std::string build() {
    m_.input("image", {kBatch, 3, 8, 8});
    std::string x = relu(conv("image", 3, 8, 3, 1, "stem"));
    auto& pool = m_.node("MaxPool", {x}, {"pool"}, "pool");
    OnnxModelBuilder::intsAttr(pool, "kernel_shape", {3, 3});
    OnnxModelBuilder::intsAttr(pool, "strides", {2, 2});
    OnnxModelBuilder::intsAttr(pool, "pads", {1, 1, 1, 1});
    x = block("pool", 8, 8, 1, "layer1");
    x = block(x, 8, 16, 2, "layer2");
    m_.node("GlobalAveragePool", {x}, {"gap"});
    m_.node("Flatten", {"gap"}, {"features"});
    m_.initializer("fc.w", testing::weights({10, 16}, seed_++, 0.25));
    m_.initializer("fc.b", testing::weights({10}, seed_++, 0.1));
    auto& fc = m_.node("Gemm", {"features", "fc.w", "fc.b"}, {"logits"}, "fc");
    OnnxModelBuilder::intAttr(fc, "transB", 1);
    m_.output("logits");
    return m_.write("resnet");
  }

 private:
  OnnxModelBuilder m_;
  uint32_t seed_ = 100;
};

const std::vector<std::string> kConvs = {"stem",         "layer1.conv1", "layer1.conv2", "layer2.conv1",
                                         "layer2.conv2", "layer2.down"};

std::vector<ir::Tensor> image() { return {testing::randomTensor(ir::DType::f32, {kBatch, 3, 8, 8}, 7)}; }

TEST(ResNet, DataParallelOnEveryRankCount) {
  std::string path = ResNetBuilder().build();
  auto strategy = [](int ranks) {
    ir::StrategyMap s;
    for (const auto& c : kConvs) s.ops["Conv2D_" + c + ".w"] = {{{ranks, 1, 1, 1}, {1, 1, 1, 1}}, 0};
    return s;
  };
  auto programs = testing::checkModelAcrossRanks(path, strategy, image(), "resnet_dp", {1e-4, 1e-4});
  // Batch split end to end: every rank convolves its images and pools them; the only collective gathers the logits.
  EXPECT_EQ(testing::countOps(programs[3], "AllReduce"), 0) << programs[3];
  EXPECT_EQ(testing::countOps(programs[3], "AllGather"), 1) << programs[3];
  EXPECT_NE(programs[3].find("%image.split = ShardSlice(%image) {axes = [0], dim = 0, group_size = 8}"), std::string::npos)
      << programs[3];
  std::remove(path.c_str());
}

TEST(ResNet, OutputChannelSplitConvolutions) {
  std::string path = ResNetBuilder().build();
  auto strategy = [](int ranks) {
    ir::StrategyMap s;
    for (const auto& c : kConvs) s.ops["Conv2D_" + c + ".w"] = {{{1, 1, 1, 1}, {ranks, 1, 1, 1}}, 0};
    return s;
  };
  auto programs = testing::checkModelAcrossRanks(path, strategy, image(), "resnet_mp", {1e-4, 1e-4});
  // On 8 ranks the stem's 8 output channels are one per rank, batch norm and ReLU follow the split.
  EXPECT_NE(programs[3].find("Conv(%image, %stem.w) {dilations = [1, 1], fusion_group = 5, group = 1, pads = [1, 1, 1, 1]"),
            std::string::npos) << programs[3];
  EXPECT_NE(programs[3].find("param %stem.w : f32[1,3,3,3]"), std::string::npos) << programs[3];
  EXPECT_NE(programs[3].find("param %stem.bn.gamma : f32[1,1,1]"), std::string::npos) << programs[3];
  // Pooling works on the split channels; each convolution gathers its input channels first (4 gathers, the
  // shortcut sharing one), the classifier switches to a row split (one all-to-all), the logits are gathered.
  EXPECT_NE(programs[3].find("MaxPool(%stem.bn.relu)"), std::string::npos) << programs[3];
  EXPECT_NE(programs[3].find(": f32[8,1,4,4]"), std::string::npos) << programs[3];
  EXPECT_EQ(testing::countOps(programs[3], "AllGather"), 5) << programs[3];
  EXPECT_EQ(testing::countOps(programs[3], "AllToAll"), 1) << programs[3];
  EXPECT_EQ(testing::countOps(programs[3], "AllReduce"), 0) << programs[3];
  std::remove(path.c_str());
}

}  // namespace
}  // namespace shardc
