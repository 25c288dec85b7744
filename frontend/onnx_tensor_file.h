// A serialized ONNX TensorProto in a file (.pb), as ONNX's backend test data stores inputs and outputs.
#pragma once

#include <string>

#include "ir/tensor.h"

namespace shardc::frontend {

ir::Tensor readOnnxTensorFile(const std::string& path);

}  // namespace shardc::frontend
