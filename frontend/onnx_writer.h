// ir::Graph to an ONNX model: the inverse of the importer's mapping, for tests, the demo model and users who want
// to look at a graph in other tools.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace shardc::frontend {

// Writes g as an ONNX model of the given default-domain opset (13 to 17), atomically. Params become initializers,
// dynamic input dims keep their names as dim_param.
void writeOnnxModel(const ir::Graph& g, const std::string& path, int64_t opset = 17);

}  // namespace shardc::frontend
