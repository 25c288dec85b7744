// ir::Graph to an ONNX model: the inverse of the importer's mapping, for tests, the demo model and users who want
// to look at a graph in other tools.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace shardc::frontend {

// Lowest and highest default-domain opset the writer writes.
inline constexpr int64_t kOnnxWriterMinOpset = 7;
inline constexpr int64_t kOnnxWriterMaxOpset = 23;

// Serialises g as an ONNX model (ModelProto bytes) of the given default-domain opset, with the IR version that
// opset came with. Each op becomes the node of its ONNX operator at that opset: a Reshape's shape becomes an int64
// initializer input, reduction axes an attribute or (ReduceSum from 13, ReduceMean from 18) an int64 initializer
// input, and so on. Params become initializers (also listed as graph inputs for IR version 3, opsets 7 and 8),
// dynamic dims keep their names as dim_param, and every result's type goes into value_info. Throws ir::Error for
// what that opset cannot express (a Softmax over a non-last axis before 13, a Gemm without C before 11, a Reshape
// to a 0 dim before 14), for collectives (they have no ONNX operator) and params without data.
// With `rankProgram`, g is one rank's program: its collectives and the ops whose meaning depends on the rank (a
// vocabulary-split Gather, a ReduceMean by the global count) are written as nodes of the custom domain "shardc"
// (op type = the ir op's name, every attribute kept) instead of failing; the importer reads them back.
std::string serializeOnnxModel(const ir::Graph& g, int64_t opset = 17, bool rankProgram = false);

// serializeOnnxModel, written atomically to `path` (temporary file, then rename).
void writeOnnxModel(const ir::Graph& g, const std::string& path, int64_t opset = 17, bool rankProgram = false);

// The custom domain of rank-program nodes.
inline constexpr const char* kShardcOnnxDomain = "shardc";

}  // namespace shardc::frontend
