#include "tools/shardc/checkpoint_weights.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "codegen/runtime_abi.h"
#include "frontend/strategy_file.h"
#include "ir/error.h"
#include "ir/tensor_box.h"
#include "runtime/weights_writer.h"
#include "tools/shardc/checkpoint_files.h"

namespace shardc::tools {
namespace {

// A weights file seen as a checkpoint writer: tensors go to their place in the table by name.
class WeightsFileCheckpointWriter : public frontend::CheckpointWriter {
 public:
  WeightsFileCheckpointWriter(const std::string& path, const std::vector<shardrt::WeightEntry>& entries)
      : file_(path, entries), entries_(entries) {}
  void beginTensor(const frontend::CheckpointTensorInfo& info) override {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].name == info.name) {
        if (entries_[i].dims != info.dims || entries_[i].nbytes != info.bytes)
          ir::fail("internal error: parameter '{}' written as [{}], its weights entry is [{}]", info.name,
                   fmt::join(info.dims, ","), fmt::join(entries_[i].dims, ","));
        file_.beginTensor(i);
        return;
      }
    ir::fail("internal error: parameter '{}' has no weights entry", info.name);
  }
  void write(const void* data, size_t n) override { file_.write(data, n); }
  void endTensor() override { file_.endTensor(); }
  void commit() override { file_.commit(); }

 private:
  shardrt::WeightsFileWriter file_;
  std::vector<shardrt::WeightEntry> entries_;
};

// Lends a writer to the resharder without giving it away. Several reshards write into the same files, so
// commit is the owner's, once every stage's parameters are in.
class LentWriter : public frontend::CheckpointWriter {
 public:
  explicit LentWriter(frontend::CheckpointWriter& w) : w_(w) {}
  void beginTensor(const frontend::CheckpointTensorInfo& info) override { w_.beginTensor(info); }
  void write(const void* data, size_t n) override { w_.write(data, n); }
  void endTensor() override { w_.endTensor(); }
  void commit() override {}

 private:
  frontend::CheckpointWriter& w_;
};

// MindSpore's merged pipeline name "<stage>-<name>", split at the first '-' as merge_pipeline_strategys' reader
// does; nullopt for any other name (a stage number of more than 6 digits is no stage: "20240101-x" is a name).
std::optional<std::pair<int64_t, std::string>> mergedName(const std::string& name) {
  size_t dash = name.find('-');
  if (dash == 0 || dash == std::string::npos || dash > 6 || dash + 1 == name.size()) return std::nullopt;
  for (size_t i = 0; i < dash; ++i)
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  return std::make_pair(std::stoll(name.substr(0, dash)), name.substr(dash + 1));
}

// One training stage's strategy, its parameters under their plain names; `what` names it in errors.
struct StageStrategy {
  ir::StrategyMap map;
  std::string what;
};

// A strategy file's stages: a merged pipeline file (every name "<stage>-<name>") split by stage, a plain one as
// its only stage.
std::vector<StageStrategy> stagesOf(const std::string& path) {
  ir::StrategyMap s = frontend::readStrategyFile(path);
  bool merged = !s.params.empty();
  for (const auto& [name, pl] : s.params) merged = merged && mergedName(name);
  if (!merged) return {{std::move(s), path}};
  std::map<int64_t, ir::StrategyMap> byStage;
  for (const auto& [name, pl] : s.params) {
    auto [stage, plain] = *mergedName(name);
    byStage[stage].params[plain] = pl;
  }
  std::vector<StageStrategy> stages;
  for (auto& [stage, map] : byStage) {
    // Stages are rank blocks in order: one without layouts would leave its files' place unknown.
    if (stage != int64_t(stages.size()))
      ir::fail("{}: a merged pipeline strategy with layouts for stage {} but none for stage {}", path, stage,
               stages.size());
    stages.push_back({std::move(map), fmt::format("{} (stage {})", path, stage)});
  }
  return stages;
}

std::vector<std::string> splitCommas(const std::string& s) {
  std::vector<std::string> out;
  for (size_t from = 0;;) {
    size_t comma = s.find(',', from);
    out.push_back(s.substr(from, comma - from));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

// Where each parameter comes from: the files of one training stage and the layout they were saved with.
struct SourceStage {
  const std::vector<frontend::CheckpointReader*>* sources;
  const frontend::CheckpointLayout* layout;
  std::vector<std::string> params;  // of the program, in its order
};

}  // namespace

TrainingCheckpoint openTrainingCheckpoint(const std::vector<std::string>& checkpointArgs,
                                          const std::string& strategyPaths) {
  std::vector<StageStrategy> strategies;
  if (strategyPaths != "none") {
    std::vector<std::string> paths = splitCommas(strategyPaths);
    if (paths.size() == 1)
      strategies = stagesOf(paths[0]);
    else
      for (const auto& p : paths) strategies.push_back({frontend::readStrategyFile(p), p});
  }
  std::vector<frontend::CheckpointLayout> layouts;
  int64_t perStage = 1;  // "none": one whole checkpoint, one file
  for (const auto& s : strategies) {
    int64_t ranks = strategyRanks(s.map, s.what);
    if (!layouts.empty() && ranks != perStage)
      ir::fail("{}: its layouts are over {} devices, those of {} over {} (pipeline stages have equal rank counts)",
               s.what, ranks, strategies[0].what, perStage);
    perStage = ranks;
    layouts.push_back(frontend::checkpointLayoutOf(s.map, ranks));
  }
  if (layouts.empty()) layouts.emplace_back();
  int64_t stages = int64_t(layouts.size());
  std::string needs =
      stages == 1 ? "" : fmt::format("{}: {} pipeline stages of {} ranks", strategyPaths, stages, perStage);
  TrainingCheckpoint tc;
  tc.readers = openSlices(resolveSliceFiles(checkpointArgs, stages * perStage, needs));
  for (int64_t s = 0; s < stages; ++s) {
    TrainingCheckpoint::Stage stage;
    stage.firstRank = s * perStage;
    for (int64_t r = 0; r < perStage; ++r) stage.sources.push_back(tc.readers[size_t(stage.firstRank + r)].get());
    stage.layout = std::move(layouts[size_t(s)]);
    tc.stages.push_back(std::move(stage));
  }
  return tc;
}

frontend::ReshardStats writeCheckpointWeights(const CheckpointWeightsJob& job, std::ostream& log) {
  const ir::Graph& g = *job.program;
  std::map<std::string, std::vector<int64_t>> globalShapes;
  for (ir::ValueId p : job.global->params()) globalShapes[job.global->value(p).name] = job.global->value(p).type.shape.dims;
  std::vector<SourceStage> stages;
  if (job.training)
    for (const auto& s : job.training->stages) stages.push_back({&s.sources, &s.layout, {}});
  else
    stages.push_back({&job.sources, &job.sourceLayout, {}});
  std::vector<std::string> fromModel;
  size_t fromCheckpoint = 0;
  for (ir::ValueId p : g.params()) {
    const ir::Value& v = g.value(p);
    // The first stage holding it: a parameter several stages hold (a tied embedding) is the same in each.
    SourceStage* holder = nullptr;
    const frontend::CheckpointTensorInfo* t = nullptr;
    for (SourceStage& s : stages)
      if ((t = s.sources->at(0)->find(v.name))) {
        holder = &s;
        break;
      }
    if (holder) {
      if (t->dtype != v.type.dtype)
        ir::fail("parameter '{}' is {} in {}, the model needs {}", v.name, ir::dtypeName(t->dtype),
                 holder->sources->at(0)->path(), ir::dtypeName(v.type.dtype));
      holder->params.push_back(v.name);
      ++fromCheckpoint;
    } else if (job.modelData && job.modelData->count(v.name) && job.modelData->at(v.name)) {
      fromModel.push_back(v.name);
    } else if (stages.size() == 1) {
      ir::fail("parameter '{}' is in neither {} nor the model", v.name, stages[0].sources->at(0)->path());
    } else {
      ir::fail("parameter '{}' is in neither the checkpoint of any of the {} training stages nor the model", v.name,
               stages.size());
    }
  }
  if (!fromModel.empty() && !job.quiet)
    log << fmt::format("warning: {} parameter(s) not in the checkpoint, taken from the model: {}\n", fromModel.size(),
                       fmt::join(fromModel, ", "));

  auto layoutOf = [&](const std::string& name) {
    auto it = job.layouts.find(name);
    if (it != job.layouts.end()) return it->second;
    return ir::TensorLayout::replicated(ir::Shape(globalShapes.at(name)), ir::DeviceMesh({job.ranks}));
  };
  std::vector<std::unique_ptr<WeightsFileCheckpointWriter>> writers;
  for (int64_t r = 0; r < job.ranks; ++r) {
    std::vector<shardrt::WeightEntry> entries;
    for (ir::ValueId p : g.params()) {
      const ir::Value& v = g.value(p);
      ir::Box box = layoutOf(v.name).box(r);
      uint64_t bytes = uint64_t(ir::boxVolume(box)) * ir::dtypeSize(v.type.dtype);
      const std::vector<int64_t>& dims = box.extent;
      entries.push_back({v.name, codegen::runtimeDTypeCode(v.type.dtype), dims, nullptr, bytes});
    }
    writers.push_back(std::make_unique<WeightsFileCheckpointWriter>(job.weightsPath(r), entries));
    for (const auto& name : fromModel) {
      const ir::Tensor& whole = *job.modelData->at(name);
      ir::Tensor slice = ir::extractBox(whole, layoutOf(name).box(r));
      writers.back()->beginTensor({name, slice.dtype(), slice.shape().dims, uint64_t(slice.byteSize())});
      writers.back()->write(slice.bytes(), size_t(slice.byteSize()));
      writers.back()->endTensor();
    }
  }
  // One progress count over all stages (the function's counter is shared by its copies).
  frontend::ReshardProgress progress = progressLines(log, job.quiet, fromCheckpoint);
  frontend::ReshardStats total;
  for (const SourceStage& s : stages) {
    if (s.params.empty()) continue;  // an empty list would mean every parameter of the files
    frontend::ReshardRequest req;
    req.sources = *s.sources;
    req.from = *s.layout;
    req.to.ranks = job.ranks;
    for (const auto& name : s.params) {
      req.to.params[name] = layoutOf(name);
      req.expectedShapes[name] = globalShapes.at(name);
    }
    req.params = s.params;
    req.progress = progress;
    frontend::ReshardStats stats =
        frontend::reshardCheckpoint(req, [&](int64_t rank, const std::vector<frontend::CheckpointTensorInfo>&) {
          return std::make_unique<LentWriter>(*writers[size_t(rank)]);
        });
    total.bytesRead += stats.bytesRead;
    total.bytesWritten += stats.bytesWritten;
    total.largestBuffer = std::max(total.largestBuffer, stats.largestBuffer);
    total.tensors += stats.tensors;
  }
  // Every file whole or none: commit only once every stage's parameters are written.
  for (auto& w : writers) w->commit();
  return total;
}

}  // namespace shardc::tools
