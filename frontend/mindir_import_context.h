// Internal to the MindIR importer: what a primitive's lowering (mindir_primitives.cpp) sees of the MindIR node it
// lowers and of the model being built. MindSpore primitives are lowered to the ONNX operators the ONNX importer
// already implements (Conv2D to Conv with its pads, LayerNorm to LayerNormalization, GeLU to Gelu, ...), so that
// every operator's import to the ir — formulas, attribute checks, shape handling — exists once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "frontend/mindir_value.h"
#include "ir/tensor.h"

namespace shardc::frontend::mindir_import {

class PrimitiveContext {
 public:
  virtual ~PrimitiveContext() = default;

  // "MindIR node 'Default/MatMul-op9' (MatMul)": how messages name the node.
  virtual std::string describe() const = 0;
  // The model file, which messages name first.
  virtual const std::string& source() const = 0;
  // One line, prefixed by the model file and describe(): a malformed node (ir::Error), or a well-formed attribute
  // value shardc does not implement (ir::Unsupported).
  [[noreturn]] void error(const std::string& what) const;
  [[noreturn]] void unsupported(const std::string& what) const;

  // ---- inputs ----
  virtual size_t numInputs() const = 0;
  void expectInputs(size_t min, size_t max) const;
  // Input i as an ONNX value. A scalar constant becomes a 0-d tensor of `scalarType` (by default its own: f32 for
  // a float, i64 for an int), as MindSpore casts a Python scalar to the other operand's type.
  virtual std::string tensor(size_t i, std::optional<ir::DType> scalarType = std::nullopt) = 0;
  // A tuple input's tensors (Concat's MakeTuple).
  virtual std::vector<std::string> tensors(size_t i) = 0;
  // The type of input i when the model gives it (inputs, parameters, constants, nodes with an abstract).
  virtual std::optional<ir::TensorType> typeOf(size_t i) const = 0;
  // Input i's rank, which the lowering needs: an error naming the input when the model does not give it.
  size_t rankOf(size_t i) const;
  // The value of input i when it is known at compile time (a Constant node), else null.
  virtual const MindIrValue* constant(size_t i) const = 0;
  // The integers of constant input i (an axis, a shape, a permutation); an error naming `what` otherwise.
  std::vector<int64_t> constantInts(size_t i, const std::string& what) const;

  // ---- attributes (the primitive's, then the node's) ----
  virtual const MindIrValue* attr(const std::string& name) const = 0;
  int64_t intAttr(const std::string& name, int64_t dflt) const;
  double floatAttr(const std::string& name, double dflt) const;
  bool boolAttr(const std::string& name, bool dflt) const;
  std::string stringAttr(const std::string& name, const std::string& dflt) const;
  std::optional<std::vector<int64_t>> intsAttr(const std::string& name) const;

  // ---- building ----
  // Adds an ONNX node of this MindIR node and returns its (first) output: `nOutputs` fresh names derived from
  // the node's own. emitOutput names the result as the MindIR node's output and makes it the node's value.
  virtual std::vector<std::string> emitN(const std::string& op, std::vector<std::string> inputs,
                                         std::vector<onnx::AttributeProto> attrs, size_t nOutputs) = 0;
  std::string emit(const std::string& op, std::vector<std::string> inputs, std::vector<onnx::AttributeProto> attrs = {}) {
    return emitN(op, std::move(inputs), std::move(attrs), 1)[0];
  }
  virtual std::string emitOutput(const std::string& op, std::vector<std::string> inputs,
                                 std::vector<onnx::AttributeProto> attrs = {}) = 0;
  // A 1-D int64 constant (a Reshape's shape, Unsqueeze's axes).
  virtual std::string constInts(const std::vector<int64_t>& v) = 0;
  // The node's value is a tuple of these ONNX values (LayerNorm's outputs); an element that is "" is an output
  // shardc does not compute: `missing` says why, if a TupleGetItem asks for it.
  virtual void defineTuple(std::vector<std::string> items, const std::string& missing) = 0;

  // The ONNX node whose output is `onnxOutput` carries the node's in_strategy. `dimsOf[k]` maps MindSpore's split
  // of input k onto that op's operand k: entry d of the operand's split is MindSpore's entry dimsOf[k][d], or 1
  // where it is -1 (an empty list keeps the split as it is). A lowering that does not call this refuses
  // in_strategy: its ops are not one op whose operands are the primitive's inputs.
  virtual void strategyOn(const std::string& onnxOutput, std::vector<std::vector<int>> dimsOf = {}) = 0;

  // ---- rank programs (a per-rank MindIR's collectives) ----
  // Adds a node of shardc's ONNX domain as the node's output: the ONNX importer makes the ir op `op` names with
  // these attributes as they are (onnx_import_rank_ops.cpp), as for the rank programs `shardc export` writes.
  virtual std::string emitRankOp(const std::string& op, std::vector<std::string> inputs,
                                 std::vector<onnx::AttributeProto> attrs) = 0;
  // The ranks of communication groups by name (ImportOptions::groupRanks, from MindSpore's group-info file), for
  // collectives that name their group without giving its ranks.
  virtual const std::map<std::string, std::vector<int64_t>>& namedGroups() const = 0;
};

using PrimitiveLowering = std::function<void(PrimitiveContext&)>;

// MindSpore primitive name -> its lowering. Graph plumbing (Load, Depend, UpdateState, MakeTuple, TupleGetItem,
// Return) is not here: the importer resolves it while walking the graph.
const std::map<std::string, PrimitiveLowering>& primitiveLowerings();
// MindSpore's communication primitives (mindir_collectives.cpp), added to that table.
void addCollectiveLowerings(std::map<std::string, PrimitiveLowering>& table);
// Why shardc refuses a primitive it knows (Send, Receive), or null.
const char* refusedPrimitive(const std::string& primitive);

// ONNX attributes.
onnx::AttributeProto onnxAttr(const std::string& name, int64_t v);
onnx::AttributeProto onnxAttr(const std::string& name, const std::vector<int64_t>& v);
onnx::AttributeProto onnxAttr(const std::string& name, float v);
onnx::AttributeProto onnxAttr(const std::string& name, const std::string& v);

}  // namespace shardc::frontend::mindir_import
