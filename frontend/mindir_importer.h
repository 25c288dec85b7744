// MindSpore MindIR models into the ir: both styles (MindSpore 1.x, op_type the primitive's name and its attributes
// on the node; >= 2.0, op_type "REF::<primitive>:<id>" into ModelProto.primitives, sub-graph calls "REF::<graph>",
// constants as Constant nodes), weights from graph.parameter (raw, typed or external data files), and the
// in_strategy that MindSpore's shard() puts on primitives as each op's strategy.
#pragma once

#include <string>
#include <vector>

#include "frontend/onnx_importer.h"
#include "ir/graph.h"

namespace shardc::frontend {

// Reads and imports a .mindir file. Names lose MindSpore's "<graph name>:" prefix, so parameters keep their plain
// names (fc1.weight), as strategy files and checkpoints spell them. Called sub-graphs are inlined; Load, Depend,
// UpdateState, MakeTuple, TupleGetItem and Return are resolved away. ImportOptions apply as for ONNX (input
// shapes, the micro-batch divisor); external data files are found next to the model file.
//
// Throws ir::Error naming the file and the node (its full scope name, e.g. "Default/network-LeNet5/Conv2D-op0"):
// a truncated or corrupt file, a file that does not parse as MindIR (an encrypted one among them), a REF:: to a
// missing primitive or graph, a missing external data file; ir::Unsupported for a primitive shardc does not
// implement (naming it), or an attribute value it does not.
ir::Graph importMindIrFile(const std::string& path, const ImportOptions& options = {});

// Whether `path` holds a MindIR model: its name ends in .mindir, or its first bytes read as a MindIR ModelProto.
bool isMindIrFile(const std::string& path);

// The MindSpore primitives the importer knows, sorted (graph plumbing included).
const std::vector<std::string>& supportedMindIrPrimitives();

}  // namespace shardc::frontend
