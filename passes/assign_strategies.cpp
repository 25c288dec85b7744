#include "passes/assign_strategies.h"

#include <fnmatch.h>

#include <map>

#include "ir/error.h"

namespace shardc::passes {
namespace {

// MindSpore primitive names and the ir op kind each becomes.
const std::map<std::string, ir::OpKind>& primitiveKinds() {
  static const std::map<std::string, ir::OpKind> table = {
      {"MatMul", ir::OpKind::MatMul},   {"BatchMatMul", ir::OpKind::MatMul}, {"Add", ir::OpKind::Add},
      {"BiasAdd", ir::OpKind::Add},     {"Sub", ir::OpKind::Sub},            {"Mul", ir::OpKind::Mul},
      {"RealDiv", ir::OpKind::Div},     {"Div", ir::OpKind::Div},            {"ReLU", ir::OpKind::Relu},
      {"Sigmoid", ir::OpKind::Sigmoid}, {"Tanh", ir::OpKind::Tanh},          {"Exp", ir::OpKind::Exp},
      {"Sqrt", ir::OpKind::Sqrt},       {"Neg", ir::OpKind::Neg},            {"Softmax", ir::OpKind::Softmax},
      {"ReduceSum", ir::OpKind::ReduceSum}, {"ReduceMean", ir::OpKind::ReduceMean},
      {"ReduceMax", ir::OpKind::ReduceMax}, {"ReduceMin", ir::OpKind::ReduceMin},
      {"Transpose", ir::OpKind::Transpose}, {"Reshape", ir::OpKind::Reshape}, {"Concat", ir::OpKind::Concat},
      {"Conv2D", ir::OpKind::Conv},     {"Gather", ir::OpKind::Gather},      {"GatherV2", ir::OpKind::Gather},
      {"MaxPool", ir::OpKind::MaxPool}, {"AvgPool", ir::OpKind::AveragePool}, {"StridedSlice", ir::OpKind::Slice},
  };
  return table;
}

// Ops matched by a MindSpore key <Primitive>_<parameter>: of that kind, consuming that parameter.
std::vector<size_t> byPrimitiveAndParam(const ir::Graph& g, const std::string& key) {
  std::vector<size_t> found;
  auto us = key.find('_');
  if (us == std::string::npos) return found;
  auto kind = primitiveKinds().find(key.substr(0, us));
  if (kind == primitiveKinds().end()) return found;
  std::string param = key.substr(us + 1);
  for (size_t i = 0; i < g.ops().size(); ++i) {
    const ir::Op& op = g.ops()[i];
    if (op.kind != kind->second) continue;
    for (ir::ValueId v : op.operands)
      if (g.value(v).role == ir::ValueRole::Param && g.value(v).name == param) {
        found.push_back(i);
        break;
      }
  }
  return found;
}

}  // namespace

std::string strategyKey(const ir::Graph& g, const ir::Op& op) {
  // The primitive MindSpore saves each kind under where the names differ.
  std::string prim(ir::opKindName(op.kind));
  if (op.kind == ir::OpKind::Div) prim = "RealDiv";
  if (op.kind == ir::OpKind::Relu) prim = "ReLU";
  if (op.kind == ir::OpKind::Conv) prim = "Conv2D";
  if (op.kind == ir::OpKind::AveragePool) prim = "AvgPool";
  if (op.kind == ir::OpKind::Slice) prim = "StridedSlice";
  for (ir::ValueId v : op.operands)
    if (g.value(v).role == ir::ValueRole::Param) return prim + "_" + g.value(v).name;
  return op.name;
}

std::optional<ir::OpStrategy> assignedStrategy(const ir::Op& op) {
  if (!op.attrs.has("strategy")) return std::nullopt;
  std::vector<int64_t> flat = op.attrs.getInts("strategy"), ranks = op.attrs.getInts("strategy_ranks");
  ir::OpStrategy s;
  s.stage = op.attrs.getInt("stage", 0);
  size_t at = 0;
  for (int64_t r : ranks) {
    if (r < 0 || at + size_t(r) > flat.size()) throw ir::Error("malformed strategy attributes on " + op.name);
    s.inputSplits.emplace_back(flat.begin() + long(at), flat.begin() + long(at + size_t(r)));
    at += size_t(r);
  }
  return s;
}

void setAssignedStrategy(ir::Op& op, const ir::OpStrategy& s) {
  std::vector<int64_t> flat, ranks;
  for (const auto& in : s.inputSplits) {
    ranks.push_back(static_cast<int64_t>(in.size()));
    flat.insert(flat.end(), in.begin(), in.end());
  }
  op.attrs.set("strategy", flat);
  op.attrs.set("strategy_ranks", ranks);
  if (s.stage) op.attrs.set("stage", s.stage);
}

void assignStrategies(ir::Graph& g, const ir::StrategyMap& strategies) {
  for (const auto& [name, layout] : strategies.params) {
    (void)layout;
    auto v = g.findValue(name);
    // A merged pipeline strategy names parameters "<stage>-<name>" (MindSpore's merge_pipeline_strategys).
    auto dash = name.find('-');
    if (!v && dash != std::string::npos && dash > 0 && name.find_first_not_of("0123456789") == dash)
      v = g.findValue(name.substr(dash + 1));
    if (!v || g.value(*v).role != ir::ValueRole::Param)
      ir::fail("strategy entry for parameter '{}': the model has no parameter of that name", name);
  }
  for (const auto& [key, strategy] : strategies.ops) {
    std::vector<size_t> ops = byPrimitiveAndParam(g, key);
    if (ops.empty())
      for (size_t i = 0; i < g.ops().size(); ++i)
        if (g.ops()[i].name == key || fnmatch(key.c_str(), g.ops()[i].name.c_str(), 0) == 0) ops.push_back(i);
    if (ops.empty()) {
      auto us = key.find('_');
      if (us != std::string::npos && primitiveKinds().count(key.substr(0, us)))
        ir::fail("strategy entry '{}': the model has no {} consuming a parameter '{}'", key, key.substr(0, us),
                 key.substr(us + 1));
      ir::fail("strategy entry '{}': the model has no op of that name", key);
    }
    for (size_t i : ops) setAssignedStrategy(g.ops()[i], strategy);
  }
}

}  // namespace shardc::passes
