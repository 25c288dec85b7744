// Between MindIR's protobuf messages (frontend/proto/mind_ir.proto) and shardc's values and tensors. Includes the
// generated protobuf classes and ONNX's: only frontend/mindir_*.cpp and tests include it.
#pragma once

#include <optional>
#include <string>

#include <onnx/onnx_pb.h>

#include "frontend/mindir_value.h"
#include "ir/tensor.h"
#include "mind_ir.pb.h"

namespace shardc::frontend::mindir_proto {

// TensorProto.data_type: ONNX's numbering (MindIR's TensorProto took ONNX's fields), with FLOAT64 (17) for double
// as well. Throws ir::Unsupported naming `what` for types shardc does not hold (strings, complex, QINT4X2).
ir::DType dtypeFromMindIr(int32_t code, const std::string& what);
int32_t dtypeToMindIr(ir::DType t);

// The ONNX tensor with the same contents, so that ONNX's tensor reading (typed fields, bool bytes) serves both.
// Raw data is moved out of `t`, not copied: weights are the bulk of a model. External data is not carried.
onnx::TensorProto toOnnxTensor(shardc::mindir::TensorProto& t, const std::string& name);
ir::Tensor tensorFromMindIr(const shardc::mindir::TensorProto& t, const std::string& what);
shardc::mindir::TensorProto tensorToMindIr(const ir::Tensor& t, const std::string& name);

// A node's abstract (its output's type: new style attribute "shape", old style ref_attr_name "shape:..."); it is
// not a primitive attribute.
bool isAbstract(const shardc::mindir::AttributeProto& a);
// The type an abstract gives a node's output when that output is one tensor.
std::optional<ir::TensorType> abstractType(const shardc::mindir::AttributeProto& a);

// An attribute's value in either style: new (`type`, with tuple elements in `values`) or old (`ref_attr_name`
// "scalar:Tuple[value1,value2,]," over the flat `ints`/`floats`/`strings`, "tensor:", "type:", "Monad:").
// Throws ir::Error naming `what` for a value that does not decode.
MindIrValue decodeValue(const shardc::mindir::AttributeProto& a, const std::string& what);
// Writes `v` into `a` (whose name the caller sets) as MindSpore >= 2.0 exports it, or as 1.x did.
void encodeValue(const MindIrValue& v, shardc::mindir::AttributeProto& a);
void encodeValueOldStyle(const MindIrValue& v, shardc::mindir::AttributeProto& a);

}  // namespace shardc::frontend::mindir_proto
