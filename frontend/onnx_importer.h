// ONNX models into the ir, every opset from 6 to 23 normalised to the ir's fixed op semantics.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace shardc::frontend {

struct ImportOptions {
  // --shape NAME=1x784: an input's whole static shape.
  std::map<std::string, ir::Shape> inputShapes;
  // Keep dynamic input dims instead of failing (for `inspect`); ops whose import needs static shapes still fail.
  bool allowDynamic = false;
  // Values of graph inputs that an operator needs at compile time (a Reshape's shape, a reduction's axes given as
  // inputs, as ONNX's test data does). The inputs stay inputs; their values must match at run time.
  std::map<std::string, ir::Tensor> inputValues;
  // Pipeline micro-batches: every input's dim 0 (its batch) is divided by this, so that what the model computes
  // from its input shapes (Reshape targets) is a micro-batch's.
  int64_t batchDivisor = 1;
  // Where initializers' external data files are found: the model file's folder (importOnnxFile sets it).
  std::string externalDataDir;
  // Communication groups by name (MindSpore's group-info file, `--group-info`): the ranks of a per-rank MindIR's
  // collective that names its group but does not list its group_ranks.
  std::map<std::string, std::vector<int64_t>> groupRanks;
};

// Reads and imports an ONNX model file (importOnnx in onnx_importer_proto.h takes a ModelProto in memory). Inputs
// keep their names, initializers become parameters of the same names (those no op uses are dropped), every op's
// result is typed. Throws ir::Error naming the file, node or input at fault; ir::Unsupported for an operator,
// attribute value or element type shardc does not implement.
ir::Graph importOnnxFile(const std::string& path, const ImportOptions& options = {});

// The ONNX operators the importer knows, sorted.
const std::vector<std::string>& supportedOnnxOps();

}  // namespace shardc::frontend
