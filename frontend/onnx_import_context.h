// Internal to the ONNX importer: what a per-operator import function (onnx_op_import.cpp) sees of the node it
// imports and of the graph built so far. Not for use outside frontend/onnx_*.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "frontend/onnx_importer.h"
#include "ir/graph.h"

namespace shardc::frontend::onnx_import {

// An omitted optional input (missing, or named "").
inline constexpr ir::ValueId kAbsent = -1;

class NodeContext {
 public:
  virtual ~NodeContext() = default;

  virtual const onnx::NodeProto& node() const = 0;
  // The opset of the default domain ("" / "ai.onnx") that the model imports.
  virtual int64_t opset() const = 0;
  // "node 'fc1' (Gemm, opset 11)": how messages name the node.
  virtual std::string describe() const = 0;

  // Failures, each one line prefixed by describe(). error: a malformed node (ir::Error); unsupportedAttr: a
  // well-formed attribute value shardc does not implement (ir::Unsupported, "unsupported attribute NAME=VALUE").
  [[noreturn]] virtual void error(const std::string& what) const = 0;
  [[noreturn]] virtual void unsupportedAttr(const std::string& attr, const std::string& value) const = 0;

  // ---- inputs ----
  size_t numInputs() const { return static_cast<size_t>(node().input_size()); }
  // Checks the number of inputs given (trailing omitted optional inputs count as given).
  void expectInputs(size_t min, size_t max) const;
  // The i-th input's value, or kAbsent when omitted; an undefined name is an error.
  virtual ir::ValueId input(size_t i) const = 0;
  ir::ValueId requiredInput(size_t i) const;
  virtual const ir::TensorType& typeOf(ir::ValueId v) const = 0;
  virtual const std::string& nameOf(ir::ValueId v) const = 0;
  // The shape of v, which must be static (an error naming v otherwise).
  const ir::Shape& staticShape(ir::ValueId v) const;
  // The contents of v when they are known at compile time: an initializer, a Constant, a graph input whose value
  // ImportOptions::inputValues gives, or a small integer value computed from those (Concat, Identity).
  virtual std::optional<ir::Tensor> constant(ir::ValueId v) const = 0;

  // ---- attributes ----
  const onnx::AttributeProto* attr(const std::string& name) const;
  int64_t intAttr(const std::string& name, int64_t dflt) const;
  double floatAttr(const std::string& name, double dflt) const;
  std::optional<std::vector<int64_t>> intsAttr(const std::string& name) const;
  // An axis in [-rank, rank-1] (or [-rank, rank] with allowEnd) made non-negative; an error otherwise.
  int64_t normaliseAxis(int64_t axis, size_t rank, bool allowEnd = false) const;

  // ---- building ----
  // Adds an op of this node, types its result at once (ir::inferResultTypes) and returns it. `output` is the
  // ONNX name the result defines, or "" for a value internal to the node's expansion.
  virtual ir::ValueId emit(ir::OpKind kind, std::vector<ir::ValueId> operands, ir::Attributes attrs = {},
                           const std::string& output = "") = 0;
  // emit() for the node's one ONNX output.
  ir::ValueId emitOutput(ir::OpKind kind, std::vector<ir::ValueId> operands, ir::Attributes attrs = {}) {
    return emit(kind, std::move(operands), std::move(attrs), outputName());
  }
  // Defines the node's output as a parameter holding `t` (Constant).
  virtual void defineConstantOutput(ir::Tensor t) = 0;
  // Defines the node's output `output` as a copy of `v`'s value (an Identity; folded away by canonicalize).
  ir::ValueId defineOutputAs(ir::ValueId v, const std::string& output) { return emit(ir::OpKind::Identity, {v}, {}, output); }
  // A parameter holding `t`, internal to the node's expansion (a scalar of a decomposed formula, say).
  virtual ir::ValueId constantValue(ir::Tensor t) = 0;
  // A scalar constant of element type `t`.
  ir::ValueId scalar(ir::DType t, double v) { return constantValue(ir::Tensor::fromDoubles(t, ir::Shape{}, {v})); }
  // Records that value v (already emitted) has contents `t` known at compile time, for later constant() queries.
  virtual void recordKnownValue(ir::ValueId v, ir::Tensor t) = 0;
  const std::string& outputName() const { return node().output(0); }
  size_t numOutputs() const { return static_cast<size_t>(node().output_size()); }
  // The i-th output's name, "" when the model does not ask for that optional output.
  std::string outputName(size_t i) const { return i < numOutputs() ? node().output(static_cast<int>(i)) : ""; }
  // Checks how many outputs the node names (the importer checks afterwards that each named one was defined).
  void expectOutputs(size_t min, size_t max) const;
};

using OpImporter = std::function<void(NodeContext&)>;
using ImporterTable = std::map<std::string, OpImporter>;

// ONNX op type (default domain) -> its import function.
const ImporterTable& opImporters();
// The table's parts, one file each: comparisons, logic, Where and Cast; activations written as elementwise
// formulas; normalisations and the reductions written as formulas; shape and indexing ops.
void addLogicImporters(ImporterTable& t);
void addActivationImporters(ImporterTable& t);
void addNormalisationImporters(ImporterTable& t);
void addShapeImporters(ImporterTable& t);
void addConvolutionImporters(ImporterTable& t);
void addSelectionImporters(ImporterTable& t);
void addEinsumImporter(ImporterTable& t);

// A node of the custom domain "shardc" (a rank program's collective or rank-dependent op), as its ir op.
void importRankOp(NodeContext& c);

// Helpers the parts share (onnx_op_import.cpp).
// ir::Unsupported naming the node unless `t` is a floating-point type (formulas defined on floats only).
void requireFloat(const NodeContext& c, ir::DType t);
// A two-operand elementwise op, with the opset < 7 `broadcast`/`axis` alignment.
void binary(NodeContext& c, ir::OpKind kind);
// The integer contents of a constant operand that an ir attribute takes (a Reshape's shape, reduction axes); an
// error naming the attribute when it is computed at run time.
std::vector<int64_t> constantInts(NodeContext& c, ir::ValueId v, const std::string& what);
// A reduction's axes (sorted, non-negative) and keepdims, from the attribute before opset `axesInputSince` and
// the second input from it; nullopt when noop_with_empty_axes makes it a copy.
struct ReduceAxes {
  std::vector<int64_t> axes;
  bool keepdims = true;
  ir::Attributes attrs() const;
};
std::optional<ReduceAxes> reduceAxes(NodeContext& c, int64_t axesInputSince);

}  // namespace shardc::frontend::onnx_import
