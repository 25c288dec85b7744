#include "ir/graph.h"

#include <algorithm>

#include <fmt/format.h>

namespace shardc::ir {

ValueId Graph::newValue(const std::string& name, TensorType type, ValueRole role) {
  ValueId id = static_cast<ValueId>(values_.size());
  std::string unique = uniqueName(name.empty() ? std::to_string(id) : name);
  values_.push_back(Value{unique, std::move(type), role, nullptr});
  byName_[unique] = id;
  return id;
}

ValueId Graph::addInput(const std::string& name, TensorType type) {
  ValueId v = newValue(name, std::move(type), ValueRole::Input);
  inputs_.push_back(v);
  return v;
}

ValueId Graph::addParam(const std::string& name, Tensor data) {
  ValueId v = newValue(name, data.type(), ValueRole::Param);
  values_[static_cast<size_t>(v)].data = std::make_shared<const Tensor>(std::move(data));
  params_.push_back(v);
  return v;
}

ValueId Graph::addParam(const std::string& name, TensorType type) {
  ValueId v = newValue(name, std::move(type), ValueRole::Param);
  params_.push_back(v);
  return v;
}

OpId Graph::addOp(OpKind kind, std::vector<ValueId> operands, const std::vector<std::string>& resultNames,
                  Attributes attrs, std::string opName) {
  Op op;
  op.kind = kind;
  op.name = std::move(opName);
  op.operands = std::move(operands);
  op.attrs = std::move(attrs);
  for (const auto& n : resultNames) op.results.push_back(newValue(n, TensorType{}, ValueRole::Result));
  ops_.push_back(std::move(op));
  return static_cast<OpId>(ops_.size() - 1);
}

ValueId Graph::addOp1(OpKind kind, std::vector<ValueId> operands, const std::string& resultName, Attributes attrs,
                      std::string opName) {
  OpId o = addOp(kind, std::move(operands), {resultName}, std::move(attrs), std::move(opName));
  return ops_[static_cast<size_t>(o)].results[0];
}

ValueId Graph::addResultValue(const std::string& name, TensorType type) {
  return newValue(name, std::move(type), ValueRole::Result);
}

void Graph::adoptAsParam(ValueId v) {
  Value& val = value(v);
  val.role = ValueRole::Param;
  params_.push_back(v);
}

void Graph::pruneParams() {
  std::vector<int> uses = useCounts();
  std::erase_if(params_, [&](ValueId p) { return uses[static_cast<size_t>(p)] == 0; });
}

std::optional<ValueId> Graph::findValue(const std::string& name) const {
  auto it = byName_.find(name);
  if (it == byName_.end()) return std::nullopt;
  return it->second;
}

std::string Graph::rename(ValueId v, const std::string& name) {
  Value& val = value(v);
  if (val.name == name) return name;
  byName_.erase(val.name);
  val.name = uniqueName(name);
  byName_[val.name] = v;
  return val.name;
}

std::string Graph::uniqueName(const std::string& base) const {
  if (!byName_.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = fmt::format("{}_{}", base, i);
    if (!byName_.count(candidate)) return candidate;
  }
}

std::vector<OpId> Graph::producers() const {
  std::vector<OpId> p(values_.size(), kNoOp);
  for (size_t i = 0; i < ops_.size(); ++i)
    for (ValueId r : ops_[i].results) p[static_cast<size_t>(r)] = static_cast<OpId>(i);
  return p;
}

std::vector<int> Graph::useCounts() const {
  std::vector<int> uses(values_.size(), 0);
  for (const auto& op : ops_)
    for (ValueId v : op.operands) ++uses[static_cast<size_t>(v)];
  for (ValueId v : outputs_) ++uses[static_cast<size_t>(v)];
  return uses;
}

}  // namespace shardc::ir
