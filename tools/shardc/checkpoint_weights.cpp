#include "tools/shardc/checkpoint_weights.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "codegen/runtime_abi.h"
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

// Lends a writer to the resharder without giving it away.
class LentWriter : public frontend::CheckpointWriter {
 public:
  explicit LentWriter(frontend::CheckpointWriter& w) : w_(w) {}
  void beginTensor(const frontend::CheckpointTensorInfo& info) override { w_.beginTensor(info); }
  void write(const void* data, size_t n) override { w_.write(data, n); }
  void endTensor() override { w_.endTensor(); }
  void commit() override { w_.commit(); }

 private:
  frontend::CheckpointWriter& w_;
};

}  // namespace

frontend::ReshardStats writeCheckpointWeights(const CheckpointWeightsJob& job, std::ostream& log) {
  const ir::Graph& g = *job.program;
  std::map<std::string, std::vector<int64_t>> globalShapes;
  for (ir::ValueId p : job.global->params()) globalShapes[job.global->value(p).name] = job.global->value(p).type.shape.dims;
  frontend::CheckpointReader& first = *job.sources.at(0);
  std::vector<std::string> fromCheckpoint, fromModel;
  for (ir::ValueId p : g.params()) {
    const ir::Value& v = g.value(p);
    const frontend::CheckpointTensorInfo* t = first.find(v.name);
    if (t) {
      if (t->dtype != v.type.dtype)
        ir::fail("parameter '{}' is {} in {}, the model needs {}", v.name, ir::dtypeName(t->dtype), first.path(),
                 ir::dtypeName(v.type.dtype));
      fromCheckpoint.push_back(v.name);
    } else if (job.modelData && job.modelData->count(v.name) && job.modelData->at(v.name)) {
      fromModel.push_back(v.name);
    } else {
      ir::fail("parameter '{}' is in neither {} nor the model", v.name, first.path());
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
  frontend::ReshardRequest req;
  req.sources = job.sources;
  req.from = job.sourceLayout;
  req.to.ranks = job.ranks;
  for (const auto& name : fromCheckpoint) {
    req.to.params[name] = layoutOf(name);
    req.expectedShapes[name] = globalShapes.at(name);
  }
  req.params = fromCheckpoint;
  req.progress = progressLines(log, job.quiet, fromCheckpoint.size());
  return frontend::reshardCheckpoint(req, [&](int64_t rank, const std::vector<frontend::CheckpointTensorInfo>&) {
    return std::make_unique<LentWriter>(*writers[size_t(rank)]);
  });
}

}  // namespace shardc::tools
