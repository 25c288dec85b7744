// NumPy .npy files (format versions 1-3): the tensors users pass in and get out. The one reader and writer of
// .npy in shardc's compiler side.
#pragma once

#include <string>

#include "ir/tensor.h"

namespace shardc::frontend {

// Reads a C-order little-endian .npy of f16/f32/f64, i8..i64, u8..u64 or bool. Throws ir::Error naming the file.
ir::Tensor readNpy(const std::string& path);
// Parses .npy bytes already in memory; `what` names the source in errors.
ir::Tensor parseNpy(const std::string& bytes, const std::string& what);
// Writes version 1.0 (2.0 when the header needs it), atomically (temporary file, then rename).
void writeNpy(const std::string& path, const ir::Tensor& t);
std::string serializeNpy(const ir::Tensor& t);

}  // namespace shardc::frontend
