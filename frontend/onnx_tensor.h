// ONNX TensorProto <-> ir::Tensor. Includes ONNX's protobuf classes: only frontend files and tests include it.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "ir/tensor.h"

namespace shardc::frontend {

// ONNX's element type code to ir's; throws ir::Unsupported naming `what` for types shardc has no use for.
ir::DType dtypeFromOnnx(int32_t elemType, const std::string& what);
int32_t dtypeToOnnx(ir::DType t);

// Raw or typed data, little-endian; external data (data_location EXTERNAL) from its file under `modelDir` (an
// error without one).
ir::Tensor tensorFromOnnx(const onnx::TensorProto& t, const std::string& what, const std::string& modelDir = "");
onnx::TensorProto tensorToOnnx(const ir::Tensor& t, const std::string& name);

}  // namespace shardc::frontend
