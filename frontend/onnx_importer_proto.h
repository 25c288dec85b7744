// Importing an ONNX model already in memory (tests build ModelProtos directly). Includes ONNX's protobuf classes:
// only frontend files and tests include it; everyone else uses importOnnxFile from onnx_importer.h.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "frontend/onnx_importer.h"

namespace shardc::frontend {

// `sourceName` names the model in messages (its path, or a test's name). Throws as importOnnxFile does.
ir::Graph importOnnx(const onnx::ModelProto& model, const std::string& sourceName, const ImportOptions& options = {});

}  // namespace shardc::frontend
