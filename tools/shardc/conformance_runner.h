// Runs ONNX backend test cases (a folder with model.onnx and test_data_set_*/{input,output}_K.pb) and compares
// the outputs with the expected ones.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace shardc::tools {

enum class CaseStatus { Passed, Failed, Unsupported };

struct CaseResult {
  std::string name;  // "node/test_add"
  CaseStatus status = CaseStatus::Passed;
  std::string detail;  // first mismatch, or why unsupported
};

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// Every case folder under root: root itself when it holds model.onnx, its children that do, and their children
// (so the data root with node/, simple/, ... works), sorted by path.
std::vector<std::string> findCases(const std::string& root);

// Runs one case: imports the model (shapes from the first data set's inputs), runs `execute` on each data set,
// compares. `execute` maps the graph and its inputs to outputs (the interpreter, or a compiled executable).
using Executor = std::function<std::vector<ir::Tensor>(const ir::Graph&, const std::vector<ir::Tensor>&)>;
CaseResult runCase(const std::string& caseDir, const std::string& displayName, const Executor& execute,
                   const Tolerance& tol);

// "" when equal within tolerance; otherwise the first mismatch ("element [2,1]: got 0.5, expected 0.25").
std::string compareTensors(const ir::Tensor& got, const ir::Tensor& expected, const Tolerance& tol);

}  // namespace shardc::tools
