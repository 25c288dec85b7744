// The ir: an SSA graph of ops over tensor values. Inputs and parameters (weights, constants) are values with no
// producer; every other value is the result of exactly one op. Ops are kept in program order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/attribute.h"
#include "ir/op_kind.h"
#include "ir/tensor.h"

namespace shardc::ir {

using ValueId = int32_t;
using OpId = int32_t;
inline constexpr OpId kNoOp = -1;

enum class ValueRole { Input, Param, Result };

struct Value {
  std::string name;
  TensorType type;
  ValueRole role = ValueRole::Result;
  // Parameters: their contents (shared, never mutated); null when only the type is known (elided in text).
  std::shared_ptr<const Tensor> data;
};

struct Op {
  OpKind kind = OpKind::Identity;
  std::string name;  // the model's node name, for messages
  std::vector<ValueId> operands;
  std::vector<ValueId> results;
  Attributes attrs;
};

class Graph {
 public:
  std::string name = "main";

  ValueId addInput(const std::string& name, TensorType type);
  ValueId addParam(const std::string& name, Tensor data);
  ValueId addParam(const std::string& name, TensorType type);  // contents unknown
  // Appends an op; its results get fresh values named from resultNames (made unique), with types left to be
  // filled by type inference unless given.
  OpId addOp(OpKind kind, std::vector<ValueId> operands, const std::vector<std::string>& resultNames,
             Attributes attrs = {}, std::string opName = {});
  ValueId addOp1(OpKind kind, std::vector<ValueId> operands, const std::string& resultName, Attributes attrs = {},
                 std::string opName = {});

  // A result value for an op that a pass is building (the pass puts it in the op's results).
  ValueId addResultValue(const std::string& name, TensorType type);
  // Lists a value (an op result a pass has evaluated) among the parameters; its data must be set.
  void adoptAsParam(ValueId v);

  Value& value(ValueId v) { return values_.at(static_cast<size_t>(v)); }
  const Value& value(ValueId v) const { return values_.at(static_cast<size_t>(v)); }
  Op& op(OpId o) { return ops_.at(static_cast<size_t>(o)); }
  const Op& op(OpId o) const { return ops_.at(static_cast<size_t>(o)); }
  size_t numValues() const { return values_.size(); }

  std::vector<Op>& ops() { return ops_; }
  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& params() const { return params_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  void setOutputs(std::vector<ValueId> outs) { outputs_ = std::move(outs); }
  // Replaces the op list (passes that rewrite build a new list); values stay where they are.
  void setOps(std::vector<Op> ops) { ops_ = std::move(ops); }
  // Drops parameters no op or output uses any more.
  void pruneParams();

  std::optional<ValueId> findValue(const std::string& name) const;
  // Renames, keeping names unique; returns the name given.
  std::string rename(ValueId v, const std::string& name);
  // A name not used yet, derived from base.
  std::string uniqueName(const std::string& base) const;
  // For every value, the op (index into ops()) that produces it, or kNoOp.
  std::vector<OpId> producers() const;
  // For every value, how many operand slots and outputs use it.
  std::vector<int> useCounts() const;

 private:
  ValueId newValue(const std::string& name, TensorType type, ValueRole role);

  std::vector<Value> values_;
  std::vector<Op> ops_;
  std::vector<ValueId> inputs_, params_, outputs_;
  std::unordered_map<std::string, ValueId> byName_;
};

}  // namespace shardc::ir
