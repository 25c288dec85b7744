// Compile a small graph through the whole pipeline, run the executable, compare with the reference interpreter.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ir/interpreter/interpreter.h"
#include "ir/type_inference.h"
#include "tools/shardc/conformance_runner.h"
#include "tools/shardc/executable_runner.h"
#include "tools/shardc/model_loading.h"

namespace shardc::testing {

inline std::string workDir(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("shardc_codegen_" + name + "_" + std::to_string(::getpid())))
      .string();
}

// Random values of the given type: floats in [-2, 2], integers in [-9, 9] (unsigned: [0, 9]) and never zero
// for the operand of a division.
inline ir::Tensor randomTensor(ir::DType t, ir::Shape shape, uint32_t seed, bool nonZero = false) {
  std::mt19937 gen(seed);
  std::vector<double> v(static_cast<size_t>(shape.numElements()));
  bool isUnsigned = ir::isUnsignedInt(t);
  for (double& x : v) {
    if (ir::isFloat(t)) {
      x = std::uniform_real_distribution<double>(-2.0, 2.0)(gen);
    } else {
      x = static_cast<double>(std::uniform_int_distribution<int>(isUnsigned ? 0 : -9, 9)(gen));
      if (nonZero && x == 0) x = 1;
    }
  }
  return ir::Tensor::fromDoubles(t, std::move(shape), v);
}

// Fills result types, runs the default pipeline, then compares executable and interpreter within 1e-5.
inline void expectCompiledEqualsInterpreter(ir::Graph g, const std::vector<ir::Tensor>& inputs, const std::string& name,
                                            double rtol = 1e-5, double atol = 1e-6,
                                            const codegen::CodegenOptions& codegen = {}) {
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  std::ostringstream dump;
  tools::prepareGraph(g, {}, dump);
  std::vector<ir::Tensor> expected = ir::interpret(g, inputs);
  std::string dir = workDir(name);
  std::vector<ir::Tensor> got = tools::compileAndRun(g, inputs, dir, codegen);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    std::string mismatch = tools::compareTensors(got[i], expected[i], {rtol, atol});
    EXPECT_EQ(mismatch, "") << name << ": output " << i;
  }
}

}  // namespace shardc::testing
