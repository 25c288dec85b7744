// Real-model tests: an ONNX model built node by node, imported, compiled for several rank counts under a
// strategy, run under mpirun, compared with the interpreter on one rank.
#pragma once

#include <string>
#include <vector>

#include "../codegen/parallel_test_util.h"
#include "../frontend/onnx_model_builder.h"
#include "frontend/onnx_importer.h"
#include "tools/shardc/conformance_runner.h"

namespace shardc::testing {

inline ir::Tensor ints64(std::vector<int64_t> dims, const std::vector<int64_t>& v) {
  return ir::Tensor::fromInts(ir::DType::i64, ir::Shape(std::move(dims)), v);
}

// Uniform values in [-scale, scale), reproducible.
inline ir::Tensor weights(std::vector<int64_t> dims, uint32_t seed, double scale = 0.5) {
  ir::Tensor t = randomTensor(ir::DType::f32, ir::Shape(std::move(dims)), seed);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numElements(); ++i) p[i] = static_cast<float>(p[i] * scale);
  return t;
}

// Compiles `modelPath` for each rank count under the strategy `strategyFor(ranks)` and checks rank 0's outputs
// against the interpreter. Returns the rank programs' text by rank count.
template <typename StrategyFor>
std::vector<std::string> checkModelAcrossRanks(const std::string& modelPath, StrategyFor strategyFor,
                                               const std::vector<ir::Tensor>& inputs, const std::string& name,
                                               tools::Tolerance tol) {
  std::vector<std::string> programs;
  for (int ranks : {1, 2, 4, 8}) {
    ir::Graph g = frontend::importOnnxFile(modelPath);
    auto run = compileParallelAndRun(std::move(g), strategyFor(ranks), ranks, inputs, name + "_" + std::to_string(ranks));
    for (size_t i = 0; i < run.expected.size(); ++i)
      EXPECT_EQ(tools::compareTensors(run.outputs.at(i), run.expected.at(i), tol), "") << name << " on " << ranks << " ranks";
    programs.push_back(run.programIr);
  }
  return programs;
}

}  // namespace shardc::testing
