#include "frontend/checkpoint_resharder.h"

#include <sys/mman.h>

#include <algorithm>

#include <fmt/ranges.h>

#include "frontend/mindspore_layout.h"
#include "ir/error.h"
#include "ir/tensor_box.h"

namespace shardc::frontend {
namespace {

std::string dimsStr(const std::vector<int64_t>& d) { return fmt::format("[{}]", fmt::join(d, ",")); }

// A parameter as the sources hold it: its dtype, global shape and the box each source rank holds.
struct SourceParam {
  ir::DType dtype;
  std::vector<int64_t> shape;
  std::vector<ir::Box> boxes;  // per source rank
};

std::string rankFile(const ReshardRequest& r, size_t rank) {
  return fmt::format("{} (rank {})", r.sources[rank]->path(), rank);
}

SourceParam sourceParam(const ReshardRequest& req, const std::string& name) {
  const CheckpointTensorInfo* first = req.sources[0]->find(name);
  if (!first) ir::fail("parameter '{}' is missing from {}", name, rankFile(req, 0));
  SourceParam p{first->dtype, {}, {}};
  auto it = req.from.params.find(name);
  std::optional<ir::TensorLayout> layout;
  if (it != req.from.params.end()) layout = it->second;
  // The global shape: rank 0's slice times the splits, checked against the layout's known dims.
  p.shape = first->dims;
  if (layout) {
    if (layout->shape.rank() != p.shape.size())
      ir::fail("parameter '{}': the training layout is for rank {}, {} holds a slice of shape {}", name,
               layout->shape.rank(), rankFile(req, 0), dimsStr(first->dims));
    for (size_t d = 0; d < p.shape.size(); ++d) {
      p.shape[d] *= layout->splitFactor(d);
      if (layout->shape.dims[d] >= 0 && layout->shape.dims[d] != p.shape[d])
        ir::fail("parameter '{}': the training layout says dim {} is {}, the slices make it {}", name, d,
                 layout->shape.dims[d], p.shape[d]);
    }
    layout->shape = ir::Shape(p.shape);
  }
  for (size_t r = 0; r < req.sources.size(); ++r) {
    const CheckpointTensorInfo* t = req.sources[r]->find(name);
    if (!t) ir::fail("parameter '{}' is missing from {}", name, rankFile(req, r));
    if (t->dtype != p.dtype)
      ir::fail("parameter '{}' is {} in {} but {} in {}", name, ir::dtypeName(p.dtype), rankFile(req, 0),
               ir::dtypeName(t->dtype), rankFile(req, r));
    ir::Box b = layout ? layout->box(int64_t(r)) : ir::Box{std::vector<int64_t>(p.shape.size(), 0), p.shape};
    if (t->dims != b.extent)
      ir::fail("parameter '{}': {} holds a slice of shape {}, its layout gives that rank {} ({})", name,
               rankFile(req, r), dimsStr(t->dims), dimsStr(b.extent), b.str());
    p.boxes.push_back(b);
  }
  return p;
}

ir::TensorLayout targetLayout(const ReshardRequest& req, const std::string& name, const SourceParam& p) {
  auto it = req.to.params.find(name);
  if (it == req.to.params.end()) return ir::TensorLayout::replicated(ir::Shape(p.shape), ir::DeviceMesh({req.to.ranks}));
  ir::TensorLayout l = it->second;
  if (l.mesh.numRanks() != req.to.ranks)
    ir::fail("parameter '{}': the target layout is over {} ranks, the job has {}", name, l.mesh.numRanks(), req.to.ranks);
  if (l.shape.rank() != p.shape.size())
    ir::fail("parameter '{}': the target layout is for rank {}, the checkpoint's tensor has shape {}", name,
             l.shape.rank(), dimsStr(p.shape));
  for (size_t d = 0; d < p.shape.size(); ++d)
    if (l.shape.dims[d] >= 0 && l.shape.dims[d] != p.shape[d])
      ir::fail("parameter '{}': the checkpoint's tensor has shape {}, the target needs {}", name, dimsStr(p.shape),
               l.shape.str());
  l.shape = ir::Shape(p.shape);
  l.validate("parameter '" + name + "'");
  return l;
}

// One buffer for every slice, allocated once at the largest slice's size: fresh pages cost a fault each on first
// touch (about 10 µs per 4 KiB here, reference/machine.md), so a buffer per parameter would run at 0.4 GB/s.
// Huge pages where the kernel gives them.
class SliceBuffer {
 public:
  explicit SliceBuffer(uint64_t bytes) : size_(std::max<uint64_t>(bytes, 1)) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ir::fail("cannot allocate a buffer of {} bytes for one slice", size_);
    ::madvise(p, size_, MADV_HUGEPAGE);
    data_ = static_cast<char*>(p);
  }
  ~SliceBuffer() { ::munmap(data_, size_); }
  SliceBuffer(const SliceBuffer&) = delete;
  SliceBuffer& operator=(const SliceBuffer&) = delete;
  char* data() { return data_; }

 private:
  uint64_t size_;
  char* data_;
};

}  // namespace

CheckpointLayout checkpointLayoutOf(const ir::StrategyMap& strategy, int64_t ranks) {
  CheckpointLayout c;
  c.ranks = ranks;
  for (const auto& [name, pl] : strategy.params) {
    ir::TensorLayout l = pl.layout;
    if (l.mesh.numRanks() != ranks)
      ir::fail("parameter '{}': its layout's device matrix has {} devices, the job {} ranks", name, l.mesh.numRanks(), ranks);
    if (pl.optShardSize != 0 && pl.optShardSize != 1)
      l = withOptimizerShard(l, pl.optShardStep, pl.optShardSize, "parameter '" + name + "'");
    c.params[name] = l;
  }
  return c;
}

ReshardStats reshardCheckpoint(const ReshardRequest& req, const CheckpointWriterFactory& makeWriter) {
  if (req.sources.empty()) ir::fail("no checkpoint files to read");
  if (int64_t(req.sources.size()) != req.from.ranks)
    ir::fail("{} checkpoint file(s) for a training layout of {} ranks", req.sources.size(), req.from.ranks);
  std::vector<std::string> names = req.params;
  if (names.empty())
    for (const auto& t : req.sources[0]->tensors()) names.push_back(t.name);
  // Every rank must hold exactly the parameters of rank 0 (a missing one is an error, whichever file lacks it).
  for (size_t r = 1; r < req.sources.size(); ++r)
    for (const auto& t : req.sources[r]->tensors())
      if (!req.sources[0]->find(t.name))
        ir::fail("parameter '{}' is in {} but missing from {}", t.name, rankFile(req, r), rankFile(req, 0));

  // Plan everything before writing anything.
  struct Plan {
    std::string name;
    SourceParam source;
    ir::TensorLayout target;
  };
  std::vector<Plan> plans;
  uint64_t totalRead = 0, largest = 0;
  std::vector<std::vector<CheckpointTensorInfo>> outInfos(size_t(req.to.ranks));
  for (const auto& name : names) {
    SourceParam sp = sourceParam(req, name);
    auto expected = req.expectedShapes.find(name);
    if (expected != req.expectedShapes.end() && expected->second != sp.shape)
      ir::fail("parameter '{}': the checkpoint's tensor has shape {}, the model needs {}", name, dimsStr(sp.shape),
               dimsStr(expected->second));
    ir::TensorLayout tl = targetLayout(req, name, sp);
    std::vector<ir::Box> distinct;
    for (int64_t r = 0; r < req.to.ranks; ++r) {
      ir::Box b = tl.box(r);
      uint64_t bytes = uint64_t(ir::boxVolume(b)) * ir::dtypeSize(sp.dtype);
      outInfos[size_t(r)].push_back({name, sp.dtype, b.extent, bytes});
      if (std::find(distinct.begin(), distinct.end(), b) == distinct.end()) {
        distinct.push_back(b);
        totalRead += bytes;
        largest = std::max(largest, bytes);
      }
    }
    plans.push_back({name, std::move(sp), std::move(tl)});
  }

  std::vector<std::unique_ptr<CheckpointWriter>> writers;
  for (int64_t r = 0; r < req.to.ranks; ++r) writers.push_back(makeWriter(r, outInfos[size_t(r)]));
  ReshardStats stats;
  uint64_t readBefore = 0;
  for (CheckpointReader* s : req.sources) readBefore += s->bytesRead();
  SliceBuffer buffer(largest);
  for (const Plan& p : plans) {
    size_t es = ir::dtypeSize(p.source.dtype);
    // Target ranks with the same box get the same bytes: assembled once, written to each.
    std::vector<bool> done(size_t(req.to.ranks), false);
    for (int64_t r = 0; r < req.to.ranks; ++r) {
      if (done[size_t(r)]) continue;
      ir::Box target = p.target.box(r);
      uint64_t bytes = uint64_t(ir::boxVolume(target)) * es;
      stats.largestBuffer = std::max(stats.largestBuffer, bytes);
      for (const ir::BoxPiece& piece : ir::coverBox(target, p.source.boxes))
        ir::forEachBoxRun(piece.box, p.source.boxes[piece.source], target, [&](const ir::BoxRun& run) {
          req.sources[piece.source]->read(p.name, uint64_t(run.srcOffset) * es, uint64_t(run.count) * es,
                                          buffer.data() + run.dstOffset * int64_t(es));
        });
      for (int64_t q = r; q < req.to.ranks; ++q) {
        if (done[size_t(q)] || !(p.target.box(q) == target)) continue;
        done[size_t(q)] = true;
        CheckpointWriter& w = *writers[size_t(q)];
        w.beginTensor(outInfos[size_t(q)][size_t(&p - plans.data())]);
        w.write(buffer.data(), bytes);
        w.endTensor();
        stats.bytesWritten += bytes;
      }
    }
    ++stats.tensors;
    if (req.progress) {
      uint64_t read = 0;
      for (CheckpointReader* s : req.sources) read += s->bytesRead();
      req.progress(p.name, read - readBefore, totalRead);
    }
  }
  for (auto& w : writers) w->commit();
  for (CheckpointReader* s : req.sources) stats.bytesRead += s->bytesRead();
  stats.bytesRead -= readBefore;
  return stats;
}

}  // namespace shardc::frontend
