#include "tools/shardc/checkpoint_files.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "ir/error.h"
#include "tools/shardc/output_directory.h"

namespace fs = std::filesystem;

namespace shardc::tools {
namespace {

std::string substituteRank(std::string pattern, int64_t rank) {
  for (size_t at = pattern.find("{rank}"); at != std::string::npos; at = pattern.find("{rank}"))
    pattern.replace(at, 6, std::to_string(rank));
  return pattern;
}

bool isCheckpointFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return fs::is_regular_file(p) && (ext == ".ckpt" || ext == ".safetensors");
}

// MindSpore takes the last checkpoint of a rank's folder in name order.
std::string lastCheckpointIn(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir))
    if (isCheckpointFile(e.path())) found.push_back(e.path().string());
  if (found.empty()) ir::fail("{}: no .ckpt or .safetensors file", dir.string());
  return *std::max_element(found.begin(), found.end());
}

std::string sizeText(uint64_t bytes) {
  if (bytes >= (uint64_t(1) << 30)) return fmt::format("{:.1f} GiB", double(bytes) / double(uint64_t(1) << 30));
  return fmt::format("{:.0f} MiB", double(bytes) / double(1 << 20));
}

}  // namespace

std::vector<std::string> resolveSliceFiles(const std::vector<std::string>& args, int64_t ranks,
                                           const std::string& needs) {
  if (args.empty()) ir::fail("no checkpoint given");
  std::vector<std::string> files;
  if (args.size() == 1 && args[0].find("{rank}") != std::string::npos) {
    int64_t n = ranks;
    if (n <= 0)
      while (fs::exists(substituteRank(args[0], n))) ++n;
    for (int64_t r = 0; r < n; ++r) files.push_back(substituteRank(args[0], r));
  } else if (args.size() == 1 && fs::is_directory(args[0])) {
    fs::path dir(args[0]);
    int64_t n = ranks;
    if (n <= 0)
      while (fs::is_directory(dir / ("rank_" + std::to_string(n)))) ++n;
    if (n == 0) ir::fail("{}: no rank_0 folder (MindSpore's layout is DIR/rank_K/*.ckpt)", dir.string());
    for (int64_t r = 0; r < n; ++r) {
      fs::path sub = dir / ("rank_" + std::to_string(r));
      if (!fs::is_directory(sub)) {
        if (needs.empty()) ir::fail("{}: missing (the strategy has {} ranks)", sub.string(), n);
        ir::fail("{}: missing ({})", sub.string(), needs);
      }
      files.push_back(lastCheckpointIn(sub));
    }
  } else {
    files = args;
  }
  if (ranks > 0 && int64_t(files.size()) != ranks)
    ir::fail("{} checkpoint file(s) for {}", files.size(),
             needs.empty() ? fmt::format("a strategy of {} ranks", ranks) : needs);
  for (const auto& f : files)
    if (!fs::is_regular_file(f)) ir::fail("{}: no such checkpoint file", f);
  return files;
}

int64_t strategyRanks(const ir::StrategyMap& s, const std::string& what) {
  if (s.params.empty())
    ir::fail("{}: the strategy lists no parameter layouts (write one with shardc compile, OUT/strategy.json, or "
             "take MindSpore's)", what);
  int64_t ranks = s.params.begin()->second.layout.mesh.numRanks();
  for (const auto& [name, pl] : s.params)
    if (pl.layout.mesh.numRanks() != ranks)
      ir::fail("{}: parameter '{}' is laid over {} devices, '{}' over {}", what, name, pl.layout.mesh.numRanks(),
               s.params.begin()->first, ranks);
  return ranks;
}

std::vector<std::unique_ptr<frontend::CheckpointReader>> openSlices(const std::vector<std::string>& files) {
  std::vector<std::unique_ptr<frontend::CheckpointReader>> out;
  for (const auto& f : files) out.push_back(frontend::openCheckpoint(f));
  return out;
}

std::vector<frontend::CheckpointReader*> pointers(const std::vector<std::unique_ptr<frontend::CheckpointReader>>& v) {
  std::vector<frontend::CheckpointReader*> out;
  for (const auto& r : v) out.push_back(r.get());
  return out;
}

frontend::ReshardProgress progressLines(std::ostream& log, bool quiet, size_t params) {
  if (quiet) return {};
  auto count = std::make_shared<size_t>(0);
  return [&log, count, params](const std::string& name, uint64_t done, uint64_t total) {
    log << fmt::format("[{}/{}] {}: {} of {}\n", ++*count, params, name, sizeText(done), sizeText(total)) << std::flush;
  };
}

frontend::ReshardStats reshardToDirectory(const std::vector<frontend::CheckpointReader*>& sources,
                                          const frontend::CheckpointLayout& from, const frontend::CheckpointLayout& to,
                                          const std::string& outDir, frontend::CheckpointFormat format,
                                          std::ostream& log, bool quiet) {
  OutputDirectory out(outDir);
  frontend::ReshardRequest req;
  req.sources = sources;
  req.from = from;
  req.to = to;
  req.progress = progressLines(log, quiet, sources.empty() ? 0 : sources[0]->tensors().size());
  std::string name = format == frontend::CheckpointFormat::safetensors ? "net.safetensors" : "net.ckpt";
  auto start = std::chrono::steady_clock::now();
  frontend::ReshardStats stats =
      frontend::reshardCheckpoint(req, [&](int64_t rank, const std::vector<frontend::CheckpointTensorInfo>& tensors) {
        return frontend::createCheckpoint(out.path("rank_" + std::to_string(rank) + "/" + name), format, tensors);
      });
  out.commit();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!quiet)
    log << fmt::format("wrote {} rank(s) to {}: {} tensors, {} read, {} written, largest slice in memory {} ({:.2f} s)\n",
                       to.ranks, outDir, stats.tensors, sizeText(stats.bytesRead), sizeText(stats.bytesWritten),
                       sizeText(stats.largestBuffer), seconds);
  return stats;
}

}  // namespace shardc::tools
