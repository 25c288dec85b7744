// Reading a .mindir file into MindIR's ModelProto, telling apart a file cut short or damaged, a file that is not
// MindIR at all (an encrypted MindIR among them), and a good one. Internal to frontend/mindir_*.cpp.
#pragma once

#include <string>
#include <string_view>

#include "mind_ir.pb.h"

namespace shardc::frontend::mindir_file {

// Throws ir::Error naming `path`: cannot open, empty, "truncated or corrupt MindIR", "does not parse as MindIR
// (an encrypted MindIR is not supported)".
shardc::mindir::ModelProto readModel(const std::string& path);

// Whether `head` (a file's first bytes, possibly cut anywhere) reads as the start of a MindIR ModelProto: every
// top-level field one of ModelProto's with its wire type, the first being ir_version or producer_name (an ONNX
// model starts with its ir_version varint, a MindSpore strategy with a varint too).
bool looksLikeModel(std::string_view head);

}  // namespace shardc::frontend::mindir_file
