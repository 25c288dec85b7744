#include "frontend/onnx_inputs.h"

#include <fstream>
#include <set>

#include <onnx/onnx_pb.h>

#include "ir/error.h"

namespace shardc::frontend {

std::vector<OnnxInput> onnxInputs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", path);
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) ir::fail("{}: not a valid ONNX model (protobuf parse failed)", path);
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<OnnxInput> inputs;
  for (const auto& i : model.graph().input())
    if (!initializers.count(i.name())) inputs.push_back({i.name(), i.type().has_tensor_type()});
  return inputs;
}

}  // namespace shardc::frontend
