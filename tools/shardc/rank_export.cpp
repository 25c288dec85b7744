#include "tools/shardc/rank_export.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "codegen/runtime_abi.h"
#include "ir/device_mesh.h"
#include "ir/error.h"
#include "ir/parser.h"
#include "runtime/weights_table.h"

namespace shardc::tools {
namespace {

std::string readText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) ir::fail("{}: cannot open", p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json readManifest(const std::string& outDir) {
  std::filesystem::path p = std::filesystem::path(outDir) / "manifest.json";
  if (!std::filesystem::exists(p)) ir::fail("{}: no manifest.json (not the output of shardc compile?)", outDir);
  nlohmann::json m = nlohmann::json::parse(readText(p), nullptr, false);
  if (m.is_discarded() || !m.contains("rank_programs") || !m.contains("programs"))
    ir::fail("{}: not a shardc manifest", p.string());
  return m;
}

// A weights file's tensors by name, read whole.
class WeightsFile {
 public:
  explicit WeightsFile(const std::string& path) : path_(path) {
    std::string bytes = readText(path);
    data_.assign(bytes.begin(), bytes.end());
    std::string error = shardrt::parseWeightsTable(data_.data(), data_.size(), table_);
    if (!error.empty()) ir::fail("{}: {}", path, error);
  }
  // The tensor named `name`, which must have type t.
  ir::Tensor tensor(const std::string& name, const ir::TensorType& t) const {
    for (const auto& e : table_)
      if (e.name == name) {
        if (e.dtype != codegen::runtimeDTypeCode(t.dtype) || e.dims != t.shape.dims)
          ir::fail("{}: weight '{}' does not match the program's {}", path_, name, t.str());
        return ir::Tensor(t.dtype, t.shape,
                          std::span<const std::byte>(reinterpret_cast<const std::byte*>(data_.data() + e.offset), e.nbytes));
      }
    ir::fail("{}: has no weight '{}'", path_, name);
  }

 private:
  std::string path_;
  std::vector<unsigned char> data_;
  std::vector<shardrt::WeightsTableEntry> table_;
};

}  // namespace

int64_t compiledRanks(const std::string& outDir) { return int64_t(readManifest(outDir)["rank_programs"].size()); }

ir::Graph loadRankProgram(const std::string& outDir, int64_t rank) {
  nlohmann::json m = readManifest(outDir);
  if (rank < 0 || rank >= int64_t(m["rank_programs"].size()))
    ir::fail("{}: the job has {} ranks, no rank {}", outDir, m["rank_programs"].size(), rank);
  const nlohmann::json& rp = m["rank_programs"][size_t(rank)];
  std::string programName = rp.value("program", "");
  nlohmann::json program;
  for (const auto& p : m["programs"])
    if (p.value("name", "") == programName) program = p;
  if (program.is_null()) ir::fail("{}: rank {}'s program '{}' is not among the programs", outDir, rank, programName);
  std::vector<int64_t> ranks = program["ranks"].get<std::vector<int64_t>>();
  // The program's mesh: a pipeline stage's own, or the job's.
  ir::DeviceMesh mesh(m["mesh"].get<std::vector<int64_t>>());
  if (m.contains("stages"))
    for (const auto& s : m["stages"])
      if (s.value("program", "") == programName) mesh = ir::DeviceMesh(s["mesh"].get<std::vector<int64_t>>());
  int64_t local = rank - ranks.at(0);

  std::filesystem::path irPath = std::filesystem::path(outDir) / program.value("ir", "");
  ir::Graph g = ir::parseGraph(readText(irPath), irPath.string());
  WeightsFile weights((std::filesystem::path(outDir) / rp.value("weights", "")).string());
  for (ir::ValueId p : g.params()) {
    ir::Value& v = g.value(p);
    v.data = std::make_shared<const ir::Tensor>(weights.tensor(v.name, v.type));
  }
  for (ir::Op& op : g.ops()) {
    // What placed the op in the job (its strategy, stage, fusion) is no part of what the rank computes.
    for (const char* a : {"strategy", "strategy_ranks", "stage", "fusion_group"}) op.attrs.erase(a);
    const char* axesAttr = op.attrs.has("shard_axes") ? "shard_axes" : op.attrs.has("axes") ? "axes" : nullptr;
    bool grouped = op.kind == ir::OpKind::AllReduce || op.kind == ir::OpKind::AllGather ||
                   op.kind == ir::OpKind::ReduceScatter || op.kind == ir::OpKind::AllToAll ||
                   op.kind == ir::OpKind::ShardSlice || op.attrs.has("shard_axes");
    if (!grouped || !axesAttr) continue;
    std::vector<int> axes;
    for (int64_t a : op.attrs.getInts(axesAttr)) axes.push_back(int(a));
    std::vector<int64_t> group;
    for (int64_t r : mesh.groupAlong(local, axes)) group.push_back(ranks.at(0) + r);
    op.attrs.set("group_ranks", group);
  }
  return g;
}

}  // namespace shardc::tools
