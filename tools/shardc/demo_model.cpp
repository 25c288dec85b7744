#include "tools/shardc/demo_model.h"

#include <cmath>
#include <random>

#include "ir/type_inference.h"

namespace shardc::tools {
namespace {

// Standard normal samples from mt19937 by Box-Muller (std::normal_distribution differs between libraries).
class NormalSource {
 public:
  explicit NormalSource(uint32_t seed) : gen_(seed) {}
  double next() {
    double u1 = (static_cast<double>(gen_()) + 1.0) / 4294967297.0;
    double u2 = static_cast<double>(gen_()) / 4294967296.0;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::mt19937 gen_;
};

ir::Tensor sample(NormalSource& rng, ir::Shape shape, double scale) {
  std::vector<double> v(static_cast<size_t>(shape.numElements()));
  for (double& x : v) x = rng.next() * scale;
  return ir::Tensor::fromDoubles(ir::DType::f32, std::move(shape), v);
}

}  // namespace

ir::Tensor normalTensor(uint32_t seed, ir::Shape shape, double scale) {
  NormalSource rng(seed);
  return sample(rng, std::move(shape), scale);
}

ir::Graph buildDemoMlp(uint32_t seed) {
  NormalSource rng(seed);
  ir::Graph g;
  g.name = "mlp";
  ir::Shape in({ir::kDynamicDim, 28, 28});
  in.dimNames = {"batch", "", ""};
  ir::ValueId x = g.addInput("x", {ir::DType::f32, in});
  ir::Attributes flat;
  flat.set("axis", int64_t{1});
  ir::ValueId h = g.addOp1(ir::OpKind::Flatten, {x}, "flat", flat, "flatten");
  const int64_t sizes[] = {784, 512, 512, 10};
  for (int layer = 1; layer <= 3; ++layer) {
    int64_t fanIn = sizes[layer - 1], fanOut = sizes[layer];
    std::string prefix = "layer" + std::to_string(layer);
    ir::ValueId w = g.addParam(prefix + ".weight", sample(rng, {fanIn, fanOut}, 1.0 / std::sqrt(double(fanIn))));
    ir::ValueId b = g.addParam(prefix + ".bias", sample(rng, {fanOut}, 0.1));
    h = g.addOp1(ir::OpKind::MatMul, {h, w}, prefix + ".matmul", {}, prefix + ".matmul");
    h = g.addOp1(ir::OpKind::Add, {h, b}, layer == 3 ? "logits" : prefix + ".add", {}, prefix + ".add");
    if (layer < 3) {
      std::string relu = "relu" + std::to_string(layer);
      h = g.addOp1(ir::OpKind::Relu, {h}, relu, {}, relu);
    }
  }
  g.setOutputs({h});
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  return g;
}

}  // namespace shardc::tools
