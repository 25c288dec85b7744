// MindIR tests: small models written with the project's MindIR writer, and the sample files MindSpore wrote.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "frontend/mindir_writer.h"
#include "ir/tensor.h"

namespace shardc::testing {

inline const std::string kMindSporeFixtures = std::string(SHARDC_SOURCE_DIR) + "/../shared/fixtures/mindspore/";

inline ir::TensorType f32(std::vector<int64_t> dims) { return {ir::DType::f32, ir::Shape(std::move(dims))}; }

inline ir::Tensor floats(std::vector<int64_t> dims, const std::vector<double>& v) {
  return ir::Tensor::fromDoubles(ir::DType::f32, ir::Shape(std::move(dims)), v);
}

inline std::vector<double> valuesOf(const ir::Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i) v.push_back(t.elementAsDouble(i));
  return v;
}

inline frontend::MindIrWriter::NodeOptions named(const std::string& name, std::optional<ir::TensorType> type = {},
                                                 const std::string& scope = "") {
  frontend::MindIrWriter::NodeOptions o;
  o.name = name;
  o.type = std::move(type);
  o.scope = scope;
  return o;
}

}  // namespace shardc::testing
