// ONNX external data: initializers whose bytes live in side files next to the model (`location`, `offset`,
// `length` entries), as exporters write models over protobuf's 2 GiB limit. The bytes are read by mapping the
// file, never through protobuf.
#pragma once

#include <string>

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>

namespace shardc::frontend {

// Copies the `bytes` bytes that `t` places in a file under `modelDir` into `into`. Throws ir::Error naming the
// tensor and the file: a location outside the model's folder, a missing file, a range past its end, a `length`
// other than `bytes`.
void readExternalData(const onnx::TensorProto& t, const std::string& what, const std::string& modelDir, uint64_t bytes,
                      std::span<std::byte> into);

}  // namespace shardc::frontend
