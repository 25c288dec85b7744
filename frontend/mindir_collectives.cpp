// MindSpore's communication primitives, as a per-rank MindIR holds them (MindSpore's distributed export, Lite's
// Matmul0.mindir/Matmul1.mindir): AllReduce, AllGather, ReduceScatter and AlltoAll become the ir collectives of a rank
// program, written as nodes of shardc's ONNX domain so that the ONNX importer makes them as it does for the rank
// programs `shardc export` writes. The group is the job ranks in group order, from the node's group_ranks or, when it
// only names its group, from MindSpore's group-info file (ImportOptions::groupRanks). The ir's `axes` (mesh axes) is
// [0]: a per-rank job is compiled over a 1-D mesh of its ranks, and group_ranks, not axes, places the collective.
#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/mindir_import_context.h"

namespace shardc::frontend::mindir_import {
namespace {

using Dims = std::vector<int64_t>;

// "0-1-2-3", "0,1", "[0, 1]": the ranks of a group_ranks given as a string (MindSpore joins them with '-').
Dims ranksFromString(PrimitiveContext& c, const std::string& s) {
  Dims ranks;
  std::string digits;
  auto flush = [&] {
    if (digits.empty()) return;
    ranks.push_back(std::stoll(digits));
    digits.clear();
  };
  for (char ch : s) {
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      digits += ch;
    } else if (ch == '-' || ch == ',' || ch == ' ' || ch == '[' || ch == ']' || ch == '(' || ch == ')') {
      flush();
    } else {
      c.error(fmt::format("attribute group_ranks '{}' is not ranks separated by '-' or ','", s));
    }
  }
  flush();
  return ranks;
}

// World groups: every rank of the job, which rank_size gives.
bool isWorldGroup(const std::string& name) {
  return name == "hccl_world_group" || name == "nccl_world_group" || name == "mccl_world_group";
}

// The job ranks of the node's group, in group order, checked against rank_size.
Dims groupRanks(PrimitiveContext& c) {
  Dims ranks;
  std::string group = c.stringAttr("group", "");
  const MindIrValue* given = c.attr("group_ranks");
  if (given && given->kind == MindIrValue::Kind::String) {
    ranks = ranksFromString(c, given->s);
  } else if (given && given->kind != MindIrValue::Kind::None) {
    ranks = c.intsAttr("group_ranks").value();
  } else if (auto it = c.namedGroups().find(group); !group.empty() && it != c.namedGroups().end()) {
    ranks = it->second;
  } else if ((group.empty() || isWorldGroup(group)) && c.attr("rank_size")) {
    for (int64_t r = 0; r < c.intAttr("rank_size", 0); ++r) ranks.push_back(r);
  } else if (group.empty()) {
    c.error("names no group (no group, group_ranks or rank_size attribute)");
  } else {
    c.error(fmt::format("group '{}' is unknown: the node has no group_ranks and {}", group,
                        c.namedGroups().empty() ? "no group-info file is given (--group-info)"
                                                : "the group-info file does not list it"));
  }
  if (ranks.empty()) c.error(fmt::format("group '{}' has no ranks", group));
  std::set<int64_t> seen;
  for (int64_t r : ranks)
    if (r < 0 || !seen.insert(r).second)
      c.error(fmt::format("group_ranks ({}) must be distinct ranks >= 0", fmt::join(ranks, ", ")));
  if (int64_t n = c.intAttr("rank_size", int64_t(ranks.size())); n != int64_t(ranks.size()))
    c.error(fmt::format("rank_size is {} but its group has {} ranks ({})", n, ranks.size(), fmt::join(ranks, ", ")));
  return ranks;
}

std::vector<onnx::AttributeProto> groupAttrs(const Dims& ranks) {
  return {onnxAttr("axes", Dims{0}), onnxAttr("group_size", int64_t(ranks.size())), onnxAttr("group_ranks", ranks)};
}

// MindSpore's reduce operation ("sum", "max", "min"; ReduceOp.PROD has no ir collective).
std::string reduceOp(PrimitiveContext& c) {
  std::string op = c.stringAttr("op", "sum");
  std::transform(op.begin(), op.end(), op.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (op != "sum" && op != "max" && op != "min") c.unsupported(fmt::format("unsupported attribute op='{}' (sum, max or min)", op));
  return op;
}

void allReduce(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  Dims ranks = groupRanks(c);
  auto attrs = groupAttrs(ranks);
  attrs.push_back(onnxAttr("reduce", reduceOp(c)));
  c.emitRankOp("AllReduce", {c.tensor(0)}, attrs);
}

// MindSpore's AllGather and ReduceScatter work along dim 0.
void allGather(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  auto attrs = groupAttrs(groupRanks(c));
  attrs.push_back(onnxAttr("dim", int64_t{0}));
  c.emitRankOp("AllGather", {c.tensor(0)}, attrs);
}

void reduceScatter(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  if (reduceOp(c) != "sum") c.unsupported(fmt::format("unsupported attribute op='{}' (ReduceScatter sums)", c.stringAttr("op", "")));
  auto attrs = groupAttrs(groupRanks(c));
  attrs.push_back(onnxAttr("dim", int64_t{0}));
  c.emitRankOp("ReduceScatter", {c.tensor(0)}, attrs);
}

// AlltoAll cuts its input along split_dim into split_count chunks, sends chunk j to member j and lays the chunks it
// receives along concat_dim: the ir's AllToAll with to_dim = split_dim and dim = concat_dim.
void allToAll(PrimitiveContext& c) {
  c.expectInputs(1, 1);
  Dims ranks = groupRanks(c);
  int64_t rank = static_cast<int64_t>(c.rankOf(0));
  auto axis = [&](const char* name) {
    const MindIrValue* v = c.attr(name);
    if (!v) c.error(fmt::format("has no attribute {}", name));
    int64_t d = c.intAttr(name, 0);
    if (d < -rank || d >= rank) c.error(fmt::format("attribute {}={} is out of range for rank {}", name, d, rank));
    return d < 0 ? d + rank : d;
  };
  int64_t split = axis("split_dim"), concat = axis("concat_dim");
  if (int64_t n = c.intAttr("split_count", int64_t(ranks.size())); n != int64_t(ranks.size()))
    c.error(fmt::format("split_count is {} but its group has {} ranks", n, ranks.size()));
  if (split == concat)
    c.unsupported(fmt::format("split_dim and concat_dim are both {}: shardc's AllToAll moves one dim to another", split));
  auto attrs = groupAttrs(ranks);
  attrs.push_back(onnxAttr("dim", concat));
  attrs.push_back(onnxAttr("to_dim", split));
  c.emitRankOp("AllToAll", {c.tensor(0)}, attrs);
}

}  // namespace

void addCollectiveLowerings(std::map<std::string, PrimitiveLowering>& table) {
  table["AllReduce"] = allReduce;
  table["AllGather"] = allGather;
  table["ReduceScatter"] = reduceScatter;
  table["AlltoAll"] = allToAll;
}

const char* refusedPrimitive(const std::string& primitive) {
  if (primitive == "Send" || primitive == "Receive")
    return "point-to-point Send/Receive (a pipeline's stage boundary) is not supported: shardc's rank programs "
           "communicate only by collectives (AllReduce, AllGather, ReduceScatter, AlltoAll)";
  return nullptr;
}

}  // namespace shardc::frontend::mindir_import
