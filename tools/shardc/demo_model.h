// The seed documents' MLP, built in memory with fixed-seed weights: the demo model and a fixture of the tests.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace shardc::tools {

// Flatten, then three Dense layers (MatMul by a [in, out] weight, Add of the bias) with ReLU between them:
// 784 -> 512 -> 512 -> 10. Input x: f32[batch,28,28] with a dynamic batch; output "logits". Initializers
// layer1.weight, layer1.bias, ..., layer3.bias. Weights ~ N(0, 1/fan_in), biases ~ N(0, 0.1²).
ir::Graph buildDemoMlp(uint32_t seed = 1);

// A [dims] f32 tensor of standard normal samples times `scale`, the same on every standard library.
ir::Tensor normalTensor(uint32_t seed, ir::Shape shape, double scale = 1.0);

}  // namespace shardc::tools
