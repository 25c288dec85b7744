#include "frontend/strategy_file.h"

#include <fstream>
#include <sstream>
#include <type_traits>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "frontend/atomic_file.h"
#include "frontend/json_integers.h"
#include "frontend/mindspore_layout.h"
#include "ir/error.h"
#include "mindspore_strategy.pb.h"

namespace shardc::frontend {
namespace {
using nlohmann::json;
namespace pb = mindspore::straspb;

std::vector<std::vector<int64_t>> checkedSplits(std::vector<std::vector<int64_t>> splits, const std::string& what) {
  for (const auto& input : splits)
    for (int64_t s : input)
      if (s <= 0) ir::fail("{}: split {} in strategy [{}] is not positive", what, s, fmt::join(input, ","));
  return splits;
}

// ---- MindSpore protobuf -----------------------------------------------------------------------------------

ir::StrategyMap fromProtobuf(const std::string& bytes, const std::string& what) {
  pb::ParallelStrategyMap m;
  if (!m.ParseFromString(bytes)) ir::fail("{}: not a MindSpore strategy file (protobuf parse failed)", what);
  ir::StrategyMap s;
  s.currentStage = m.current_stage();
  for (const auto& item : m.parallel_strategy_item()) {
    std::string where = what + ": op '" + item.node_name() + "'";
    ir::OpStrategy op;
    op.stage = item.parallel_strategys().stage();
    for (const auto& ps : item.parallel_strategys().parallel_strategy())
      op.inputSplits.emplace_back(ps.dim().begin(), ps.dim().end());
    op.inputSplits = checkedSplits(op.inputSplits, where);
    s.ops[item.node_name()] = op;
  }
  for (const auto& item : m.parallel_layout_item()) {
    std::string where = what + ": parameter '" + item.param_name() + "'";
    const auto& l = item.parallel_layouts();
    if (l.dev_matrix_size() != 1) ir::fail("{}: has {} device matrices, expected 1", where, l.dev_matrix_size());
    MindSporeLayout ms;
    ms.devMatrix.assign(l.dev_matrix(0).dim().begin(), l.dev_matrix(0).dim().end());
    if (l.tensor_map_size() == 1) {
      for (int32_t j : l.tensor_map(0).dim()) ms.tensorMap.push_back({j});
    } else {
      // The Layout API's nested form: one TensorMap per tensor dim, an empty one appended to 1-D tensors.
      for (const auto& tm : l.tensor_map())
        if (tm.dim_size() > 0) ms.tensorMap.emplace_back(tm.dim().begin(), tm.dim().end());
    }
    ir::ParamLayout p;
    p.layout = layoutFromMindSpore(ms, ir::Shape(), where);
    p.field = l.field();
    p.optShardStep = l.opt_weight_shard_step();
    p.optShardSize = l.opt_weight_shard_size();
    if (l.param_split_shape_size() > 0) p.paramSplitShape.assign(l.param_split_shape(0).dim().begin(), l.param_split_shape(0).dim().end());
    if (l.indices_offset_size() > 0) p.indicesOffset.assign(l.indices_offset(0).dim().begin(), l.indices_offset(0).dim().end());
    s.params[item.param_name()] = p;
  }
  return s;
}

std::string toProtobuf(const ir::StrategyMap& s) {
  pb::ParallelStrategyMap m;
  m.set_current_stage(static_cast<uint32_t>(s.currentStage));
  for (const auto& [name, op] : s.ops) {
    auto* item = m.add_parallel_strategy_item();
    item->set_node_name(name);
    auto* ps = item->mutable_parallel_strategys();
    ps->set_stage(static_cast<uint32_t>(op.stage));
    for (const auto& input : op.inputSplits) {
      auto* one = ps->add_parallel_strategy();
      for (int64_t d : input) one->add_dim(static_cast<uint32_t>(d));
    }
  }
  for (const auto& [name, p] : s.params) {
    auto* item = m.add_parallel_layout_item();
    item->set_param_name(name);
    auto* l = item->mutable_parallel_layouts();
    MindSporeLayout ms = layoutToMindSpore(p.layout);
    auto* dm = l->add_dev_matrix();
    for (int64_t d : ms.devMatrix) dm->add_dim(static_cast<uint32_t>(d));
    if (isNested(ms)) {
      for (const auto& e : ms.tensorMap) {
        auto* tm = l->add_tensor_map();
        for (int64_t j : e) tm->add_dim(static_cast<int32_t>(j));
      }
      if (ms.tensorMap.size() == 1) l->add_tensor_map();
    } else {
      auto* tm = l->add_tensor_map();
      for (const auto& e : ms.tensorMap) tm->add_dim(static_cast<int32_t>(e[0]));
    }
    // MindSpore always writes one (possibly empty) ParamSplitShape and IndicesOffset.
    auto* pss = l->add_param_split_shape();
    for (int64_t d : p.paramSplitShape) pss->add_dim(d);
    auto* io = l->add_indices_offset();
    for (int64_t d : p.indicesOffset) io->add_dim(d);
    l->set_field(static_cast<int32_t>(p.field));
    l->set_opt_weight_shard_step(static_cast<int32_t>(p.optShardStep));
    l->set_opt_weight_shard_size(static_cast<int32_t>(p.optShardSize));
  }
  std::string out;
  m.SerializeToString(&out);
  return out;
}

// ---- JSON helpers -----------------------------------------------------------------------------------------

template <typename T>
T get(const json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key)) ir::fail("{}: missing \"{}\"", where, key);
  if constexpr (!std::is_same_v<T, std::string>)
    if (!hasOnlyIntegerNumbers(j.at(key))) ir::fail("{}: \"{}\" must hold integers ({})", where, key, j.at(key).dump());
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    ir::fail("{}: \"{}\" has the wrong type ({})", where, key, j.at(key).dump());
  }
}

template <typename T>
T getOr(const json& j, const std::string& key, T dflt, const std::string& where) {
  return j.contains(key) ? get<T>(j, key, where) : dflt;
}

// MindSpore's extra layout fields, the same keys in both JSON forms.
void readLayoutExtras(const json& item, const std::string& where, ir::ParamLayout& p) {
  p.field = getOr<int64_t>(item, "field", 0, where);
  p.optShardStep = getOr<int64_t>(item, "opt_weight_shard_step", 0, where);
  p.optShardSize = getOr<int64_t>(item, "opt_weight_shard_size", 0, where);
  p.paramSplitShape = getOr<std::vector<int64_t>>(item, "param_split_shape", {}, where);
  p.indicesOffset = getOr<std::vector<int64_t>>(item, "indices_offset", {}, where);
}

// ---- MindSpore JSON ---------------------------------------------------------------------------------------

ir::StrategyMap fromMindSporeJson(const json& j, const std::string& what) {
  ir::StrategyMap s;
  s.currentStage = getOr<int64_t>(j, "current_stage", 1, what);
  if (j.contains("parallel_strategy_item")) {
    if (!j["parallel_strategy_item"].is_object()) ir::fail("{}: \"parallel_strategy_item\" is not an object", what);
    for (const auto& [name, item] : j["parallel_strategy_item"].items()) {
      std::string where = what + ": op '" + name + "'";
      ir::OpStrategy op;
      op.stage = getOr<int64_t>(item, "stage", 0, where);
      op.inputSplits = checkedSplits(get<std::vector<std::vector<int64_t>>>(item, "parallel_strategy", where), where);
      s.ops[name] = op;
    }
  }
  if (j.contains("parallel_layout_item")) {
    if (!j["parallel_layout_item"].is_object()) ir::fail("{}: \"parallel_layout_item\" is not an object", what);
    for (const auto& [name, item] : j["parallel_layout_item"].items()) {
      std::string where = what + ": parameter '" + name + "'";
      MindSporeLayout ms;
      ms.devMatrix = get<std::vector<int64_t>>(item, "dev_matrix", where);
      for (int64_t v : get<std::vector<int64_t>>(item, "tensor_map", where)) ms.tensorMap.push_back({v});
      std::vector<int64_t> shape = getOr<std::vector<int64_t>>(item, "tensor_shape", {}, where);
      if (!shape.empty() && shape.size() != ms.tensorMap.size())
        ir::fail("{}: tensor_shape has {} dims, tensor_map {}", where, shape.size(), ms.tensorMap.size());
      ir::ParamLayout p;
      p.layout = layoutFromMindSpore(ms, ir::Shape(shape), where);
      readLayoutExtras(item, where, p);
      s.params[name] = p;
    }
  }
  return s;
}

json toMindSporeJson(const ir::StrategyMap& s) {
  json j;
  j["current_stage"] = s.currentStage;
  j["parallel_strategy_item"] = json::object();
  for (const auto& [name, op] : s.ops)
    j["parallel_strategy_item"][name] = {{"stage", op.stage}, {"parallel_strategy", op.inputSplits}};
  j["parallel_layout_item"] = json::object();
  for (const auto& [name, p] : s.params) {
    MindSporeLayout ms = layoutToMindSpore(p.layout);
    if (isNested(ms))
      ir::fail("parameter '{}': a dim split over several device dims needs the protobuf or shardc format", name);
    std::vector<int64_t> map;
    for (const auto& e : ms.tensorMap) map.push_back(e[0]);
    json item = {{"dev_matrix", ms.devMatrix}, {"tensor_map", map}, {"field", p.field},
                 {"opt_weight_shard_step", p.optShardStep}, {"opt_weight_shard_size", p.optShardSize}};
    if (p.layout.shape.isStatic()) item["tensor_shape"] = p.layout.shape.dims;
    if (!p.paramSplitShape.empty()) item["param_split_shape"] = p.paramSplitShape;
    if (!p.indicesOffset.empty()) item["indices_offset"] = p.indicesOffset;
    j["parallel_layout_item"][name] = item;
  }
  return j;
}

// ---- shardc JSON ------------------------------------------------------------------------------------------
// {"format": "shardc-strategy", "version": 1, "mesh": [2,4],
//  "ops": {"<key or glob>": {"strategy": [[2,1],[1,2]], "stage": 0}},
//  "params": {"<name>": {"shape": [784,512], "mesh": [2,2,2], "dims": [[], [1]], "partial": []}}}
// "dims" lists, per tensor dim, the mesh axes (numbered from the left, outermost first) that split it.

ir::StrategyMap fromShardcJson(const json& j, const std::string& what) {
  ir::StrategyMap s;
  int64_t version = getOr<int64_t>(j, "version", 1, what);
  if (version != 1) ir::fail("{}: shardc strategy version {} is not supported", what, version);
  s.mesh = ir::DeviceMesh(getOr<std::vector<int64_t>>(j, "mesh", {}, what));
  for (int64_t d : s.mesh.shape)
    if (d <= 0) ir::fail("{}: mesh [{}] has a dimension that is not positive", what, fmt::join(s.mesh.shape, ","));
  s.currentStage = getOr<int64_t>(j, "current_stage", 1, what);
  if (j.contains("ops"))
    for (const auto& [name, item] : j["ops"].items()) {
      std::string where = what + ": op '" + name + "'";
      ir::OpStrategy op;
      op.inputSplits = checkedSplits(get<std::vector<std::vector<int64_t>>>(item, "strategy", where), where);
      op.stage = getOr<int64_t>(item, "stage", 0, where);
      s.ops[name] = op;
    }
  if (j.contains("params"))
    for (const auto& [name, item] : j["params"].items()) {
      std::string where = what + ": parameter '" + name + "'";
      ir::ParamLayout p;
      auto dims = get<std::vector<std::vector<int>>>(item, "dims", where);
      std::vector<int64_t> shape = getOr<std::vector<int64_t>>(item, "shape", std::vector<int64_t>(dims.size(), ir::kDynamicDim), where);
      p.layout.shape = ir::Shape(shape);
      p.layout.mesh = ir::DeviceMesh(getOr<std::vector<int64_t>>(item, "mesh", s.mesh.shape, where));
      p.layout.dimAxes = dims;
      p.layout.partialAxes = getOr<std::vector<int>>(item, "partial", {}, where);
      p.layout.validate(where);
      readLayoutExtras(item, where, p);
      s.params[name] = p;
    }
  return s;
}

json toShardcJson(const ir::StrategyMap& s) {
  json j;
  j["format"] = "shardc-strategy";
  j["version"] = 1;
  j["mesh"] = s.mesh.shape;
  if (s.currentStage != 1) j["current_stage"] = s.currentStage;
  j["ops"] = json::object();
  for (const auto& [name, op] : s.ops) j["ops"][name] = {{"strategy", op.inputSplits}, {"stage", op.stage}};
  j["params"] = json::object();
  for (const auto& [name, p] : s.params) {
    json item = {{"mesh", p.layout.mesh.shape}, {"dims", p.layout.dimAxes}};
    if (p.layout.shape.isStatic()) item["shape"] = p.layout.shape.dims;
    if (!p.layout.partialAxes.empty()) item["partial"] = p.layout.partialAxes;
    if (p.field) item["field"] = p.field;
    if (p.optShardStep) item["opt_weight_shard_step"] = p.optShardStep;
    if (p.optShardSize) item["opt_weight_shard_size"] = p.optShardSize;
    if (!p.paramSplitShape.empty()) item["param_split_shape"] = p.paramSplitShape;
    if (!p.indicesOffset.empty()) item["indices_offset"] = p.indicesOffset;
    j["params"][name] = item;
  }
  return j;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ir::fail("{}: cannot open the strategy file", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

StrategyFormat parseStrategyFormat(const std::string& name) {
  if (name == "shardc") return StrategyFormat::Shardc;
  if (name == "mindspore-json") return StrategyFormat::MindSporeJson;
  if (name == "mindspore-pb") return StrategyFormat::MindSporeProtobuf;
  ir::fail("unknown strategy format '{}' (formats: shardc, mindspore-json, mindspore-pb)", name);
}

std::string strategyFormatName(StrategyFormat f) {
  switch (f) {
    case StrategyFormat::Shardc: return "shardc";
    case StrategyFormat::MindSporeJson: return "mindspore-json";
    case StrategyFormat::MindSporeProtobuf: return "mindspore-pb";
  }
  return "?";
}

StrategyFormat detectStrategyFormat(const std::string& path) {
  if (!endsWith(path, ".json")) return StrategyFormat::MindSporeProtobuf;
  std::string bytes = readAll(path);
  json j = json::parse(bytes, nullptr, false);
  // Not j.value("format", ""): it throws when "format" is there but not a string (the strategy JSON fuzzer).
  if (!j.is_discarded() && j.is_object() && j.contains("format") && j["format"] == "shardc-strategy")
    return StrategyFormat::Shardc;
  return StrategyFormat::MindSporeJson;
}

ir::StrategyMap parseStrategy(const std::string& bytes, StrategyFormat format, const std::string& what) {
  if (format == StrategyFormat::MindSporeProtobuf) return fromProtobuf(bytes, what);
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) ir::fail("{}: not a JSON strategy file (malformed JSON)", what);
  return format == StrategyFormat::Shardc ? fromShardcJson(j, what) : fromMindSporeJson(j, what);
}

ir::StrategyMap readStrategyFile(const std::string& path) {
  StrategyFormat f = detectStrategyFormat(path);
  return parseStrategy(readAll(path), f, path);
}

std::string serializeStrategy(const ir::StrategyMap& s, StrategyFormat format) {
  switch (format) {
    case StrategyFormat::MindSporeProtobuf: return toProtobuf(s);
    case StrategyFormat::MindSporeJson: return toMindSporeJson(s).dump(2) + "\n";
    case StrategyFormat::Shardc: return toShardcJson(s).dump(2) + "\n";
  }
  return "";
}

void writeStrategyFile(const ir::StrategyMap& s, const std::string& path, StrategyFormat format) {
  writeFileAtomically(path, serializeStrategy(s, format));
}

}  // namespace shardc::frontend
