// ONNX external data: initializers whose bytes live in side files next to the model (`location`, `offset`,
// `length` entries), as exporters write models over protobuf's 2 GiB limit. The bytes are read by mapping the
// file, never through protobuf.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include "ir/tensor.h"

namespace shardc::frontend {

// The tensor whose raw bytes `t` places in a file under `modelDir`. Throws ir::Error naming the tensor and the
// file: a location outside the model's folder, a missing file, a range past its end, a length that does not match
// the shape.
ir::Tensor readExternalTensor(const onnx::TensorProto& t, const std::string& what, const std::string& modelDir);

}  // namespace shardc::frontend
