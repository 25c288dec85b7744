// The names of an ONNX model's real inputs (graph inputs that are not initializers), in order, without importing
// the model: the conformance runner binds test data to them by position.
#pragma once

#include <string>
#include <vector>

namespace shardc::frontend {

struct OnnxInput {
  std::string name;
  bool isTensor;  // false for sequence, map and optional inputs
};

std::vector<OnnxInput> onnxInputs(const std::string& path);

}  // namespace shardc::frontend
