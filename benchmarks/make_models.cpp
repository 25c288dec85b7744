// Writes the end-to-end benchmark's models as ONNX, with random weights: a transformer block (self-attention over
// 8 heads and a ReLU MLP 4x wide, residuals; batch 1, 128 positions, width 512) and a ResNet-style stack (a 7x7
// stride-2 stem, max pooling, two residual blocks of 3x3 convolutions at 64 channels, global average pooling and a
// classifier; batch 1, 3x112x112). Usage: shardc-bench-make-models -o DIR
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include <CLI/CLI.hpp>

#include "frontend/onnx_writer.h"
#include "benchmarks/typed_graph.h"

using namespace shardc;

namespace {

struct Builder {
  ir::Graph g;
  std::mt19937 rng{7};

  ir::ValueId param(const std::string& name, std::vector<int64_t> dims, double scale) {
    ir::Tensor t(ir::DType::f32, ir::Shape(std::move(dims)));
    std::uniform_real_distribution<float> d(-float(scale), float(scale));
    for (int64_t i = 0; i < t.numElements(); ++i) t.data<float>()[i] = d(rng);
    return g.addParam(name, std::move(t));
  }
  ir::ValueId op(ir::OpKind k, std::vector<ir::ValueId> in, const std::string& name, ir::Attributes a = {}) {
    return bench::typedOp(g, k, std::move(in), name, std::move(a));
  }
};

using bench::intsAttr;

ir::Graph transformer(int64_t S, int64_t D, int64_t H) {
  Builder b;
  int64_t dh = D / H;
  ir::ValueId x = b.g.addInput("x", {ir::DType::f32, {1, S, D}});
  double s = 1.0 / std::sqrt(double(D));
  auto heads = [&](ir::ValueId v, const std::string& n, std::vector<int64_t> perm) {
    ir::ValueId r = b.op(ir::OpKind::Reshape, {v}, n + ".r", intsAttr("shape", {1, S, H, dh}));
    return b.op(ir::OpKind::Transpose, {r}, n + ".t", intsAttr("perm", perm));
  };
  ir::ValueId q = heads(b.op(ir::OpKind::MatMul, {x, b.param("wq", {D, D}, s)}, "q"), "q", {0, 2, 1, 3});
  ir::ValueId k = heads(b.op(ir::OpKind::MatMul, {x, b.param("wk", {D, D}, s)}, "k"), "k", {0, 2, 3, 1});
  ir::ValueId v = heads(b.op(ir::OpKind::MatMul, {x, b.param("wv", {D, D}, s)}, "v"), "v", {0, 2, 1, 3});
  ir::Tensor scale(ir::DType::f32, ir::Shape(std::vector<int64_t>{}));
  scale.data<float>()[0] = float(1.0 / std::sqrt(double(dh)));
  ir::ValueId scores = b.op(ir::OpKind::Mul, {b.op(ir::OpKind::MatMul, {q, k}, "scores"), b.g.addParam("scale", scale)},
                            "scaled");
  ir::Attributes last;
  last.set("axis", int64_t{-1});
  ir::ValueId ctx = b.op(ir::OpKind::MatMul, {b.op(ir::OpKind::Softmax, {scores}, "att", last), v}, "ctx");
  ir::ValueId merged = b.op(ir::OpKind::Reshape, {b.op(ir::OpKind::Transpose, {ctx}, "ctx.t", intsAttr("perm", {0, 2, 1, 3}))},
                            "merged", intsAttr("shape", {1, S, D}));
  ir::ValueId r1 = b.op(ir::OpKind::Add, {x, b.op(ir::OpKind::MatMul, {merged, b.param("wo", {D, D}, s)}, "o")}, "r1");
  ir::ValueId up = b.op(ir::OpKind::Add, {b.op(ir::OpKind::MatMul, {r1, b.param("w1", {D, 4 * D}, s)}, "up"),
                                          b.param("b1", {4 * D}, 0.1)},
                        "up.b");
  ir::ValueId h = b.op(ir::OpKind::Relu, {up}, "act");
  ir::ValueId y = b.op(ir::OpKind::Add, {r1, b.op(ir::OpKind::MatMul, {h, b.param("w2", {4 * D, D}, s / 2)}, "down")}, "y");
  b.g.setOutputs({y});
  return std::move(b.g);
}

ir::Graph resnet() {
  Builder b;
  ir::ValueId x = b.g.addInput("x", {ir::DType::f32, {1, 3, 112, 112}});
  auto conv = [&](ir::ValueId in, int64_t cin, int64_t cout, int64_t k, int64_t stride, const std::string& n) {
    ir::Attributes a;
    a.set("kernel_shape", std::vector<int64_t>{k, k});
    a.set("strides", std::vector<int64_t>{stride, stride});
    a.set("pads", std::vector<int64_t>{k / 2, k / 2, k / 2, k / 2});
    a.set("dilations", std::vector<int64_t>{1, 1});
    a.set("group", int64_t{1});
    return b.op(ir::OpKind::Conv, {in, b.param(n + ".w", {cout, cin, k, k}, 1.0 / std::sqrt(double(cin * k * k))),
                                   b.param(n + ".b", {cout}, 0.1)},
                n, a);
  };
  ir::ValueId h = b.op(ir::OpKind::Relu, {conv(x, 3, 64, 7, 2, "stem")}, "stem.relu");
  ir::Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{3, 3});
  pool.set("strides", std::vector<int64_t>{2, 2});
  pool.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  h = b.op(ir::OpKind::MaxPool, {h}, "pool", pool);
  for (int block = 0; block < 2; ++block) {
    std::string n = "block" + std::to_string(block);
    ir::ValueId a = b.op(ir::OpKind::Relu, {conv(h, 64, 64, 3, 1, n + ".conv1")}, n + ".relu1");
    h = b.op(ir::OpKind::Relu, {b.op(ir::OpKind::Add, {h, conv(a, 64, 64, 3, 1, n + ".conv2")}, n + ".add")}, n + ".relu2");
  }
  ir::ValueId pooled = b.op(ir::OpKind::ReduceMean, {h}, "gap", [] {
    ir::Attributes a;
    a.set("axes", std::vector<int64_t>{2, 3});
    a.set("keepdims", int64_t{0});
    return a;
  }());
  b.g.setOutputs({b.op(ir::OpKind::Add, {b.op(ir::OpKind::MatMul, {pooled, b.param("fc.w", {64, 1000}, 0.1)}, "fc"),
                                         b.param("fc.b", {1000}, 0.1)},
                       "logits")});
  return std::move(b.g);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes the end-to-end benchmark's models as ONNX"};
  std::string out;
  app.add_option("-o,--output-dir", out, "Directory for transformer.onnx and resnet.onnx")->required();
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(out);
  frontend::writeOnnxModel(transformer(128, 512, 8), out + "/transformer.onnx");
  frontend::writeOnnxModel(resnet(), out + "/resnet.onnx");
  return 0;
}
