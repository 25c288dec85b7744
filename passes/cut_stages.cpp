#include "passes/cut_stages.h"

#include <algorithm>
#include <limits>
#include <set>

#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::passes {
namespace {

int64_t bytesOf(const ir::Value& v) { return v.type.shape.numElements() * int64_t(ir::dtypeSize(v.type.dtype)); }

bool isComputed(const ir::Value& v) { return v.role == ir::ValueRole::Result; }

// Stages given to some ops: the rest follow their latest producer; a given stage before its producer's is an error.
int64_t followStrategy(ir::Graph& g, const std::vector<ir::OpId>& producer) {
  int64_t last = 0;
  for (ir::Op& op : g.ops()) {
    int64_t after = 0;
    const ir::Op* latest = nullptr;
    for (ir::ValueId x : op.operands)
      if (producer[size_t(x)] != ir::kNoOp && stageOf(g.op(producer[size_t(x)])) >= after) {
        after = stageOf(g.op(producer[size_t(x)]));
        latest = &g.op(producer[size_t(x)]);
      }
    if (!op.attrs.has("stage")) {
      op.attrs.set("stage", after);
    } else if (stageOf(op) < after) {
      ir::fail("{} is in pipeline stage {} but reads the result of {} in stage {}: a stage may only use what earlier "
               "stages computed", ir::describeOp(g, op), stageOf(op), ir::describeOp(g, *latest), after);
    }
    last = std::max(last, stageOf(op));
  }
  return last + 1;
}

}  // namespace

int64_t stageOf(const ir::Op& op) { return op.attrs.getInt("stage", 0); }

StageCut cutStages(ir::Graph& g, const StageCutOptions& o) {
  const auto& ops = g.ops();
  const size_t n = ops.size();
  std::vector<ir::OpId> producer = g.producers();
  bool given = std::any_of(ops.begin(), ops.end(), [](const ir::Op& op) { return op.attrs.has("stage"); });
  StageCut cut;
  if (given) {
    cut.fromStrategy = true;
    cut.stages = followStrategy(g, producer);
    if (o.stages > 0 && cut.stages > o.stages)
      ir::fail("the strategy puts ops in {} pipeline stages, --stages says {}", cut.stages, o.stages);
    if (o.stages > 0) cut.stages = o.stages;
  } else {
    cut.stages = std::max<int64_t>(o.stages, 1);
  }
  const int64_t S = cut.stages;
  if (S < 1) ir::fail("the stage count must be at least 1, got {}", S);
  if (size_t(S) > n) ir::fail("{} pipeline stages for a model of {} op(s): each stage needs one at least", S, n);

  // Per op its time; per boundary b (before op b) the bytes computed before it and read from it on (model outputs
  // go to rank 0 whichever stage makes them, so they do not count).
  std::vector<double> time(n), prefix(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    time[i] = opComputeSeconds(g, ops[i], o.machine) / double(std::max<int64_t>(o.stageRanks, 1));
    prefix[i + 1] = prefix[i] + time[i];
  }
  std::vector<size_t> lastUse(g.numValues(), 0);
  for (size_t i = 0; i < n; ++i)
    for (ir::ValueId x : ops[i].operands) lastUse[size_t(x)] = std::max(lastUse[size_t(x)], i);
  std::vector<int64_t> crossing(n + 1, 0);
  for (size_t i = 0; i < n; ++i)
    for (ir::ValueId r : ops[i].results)
      for (size_t b = i + 1; b <= lastUse[size_t(r)] && lastUse[size_t(r)] > i; ++b) crossing[b] += bytesOf(g.value(r));
  auto sendTime = [&](size_t b) {
    return b >= n || crossing[b] == 0 ? 0.0 : o.machine.comm.alpha + double(crossing[b]) / o.machine.comm.bandwidth;
  };

  if (!given) {
    // best[s][i]: the slowest stage's time when ops [0, i) form s stages; from[s][i]: where the last one starts.
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<std::vector<double>> best(size_t(S) + 1, std::vector<double>(n + 1, inf));
    std::vector<std::vector<size_t>> from(size_t(S) + 1, std::vector<size_t>(n + 1, 0));
    best[0][0] = 0;
    int64_t leastMemory = std::numeric_limits<int64_t>::max();
    for (size_t i = 1; i <= n; ++i) {
      std::set<ir::ValueId> params;
      int64_t memory = 0;
      for (size_t j = i; j-- > 0;) {  // the stage [j, i)
        for (ir::ValueId x : ops[j].operands)
          if (g.value(x).role == ir::ValueRole::Param && params.insert(x).second) memory += bytesOf(g.value(x));
        int64_t perRank = memory / std::max<int64_t>(o.stageRanks, 1);
        if (o.memoryLimit > 0 && perRank > o.memoryLimit) {
          if (j + 1 == i) leastMemory = std::min(leastMemory, perRank);
          break;  // a longer stage only holds more
        }
        double own = prefix[i] - prefix[j] + sendTime(i);
        for (int64_t s = 1; s <= S; ++s) {
          double t = std::max(best[size_t(s) - 1][j], own);
          if (t < best[size_t(s)][i]) {
            best[size_t(s)][i] = t;
            from[size_t(s)][i] = j;
          }
        }
      }
    }
    if (best[size_t(S)][n] == inf) {
      if (leastMemory != std::numeric_limits<int64_t>::max())
        ir::fail("no cut into {} stages keeps each stage's parameters within {} bytes per rank (one op alone needs {})",
                 S, o.memoryLimit, leastMemory);
      ir::fail("no cut into {} stages keeps each stage's parameters within {} bytes per rank", S, o.memoryLimit);
    }
    size_t end = n;
    for (int64_t s = S; s >= 1; --s) {
      size_t start = from[size_t(s)][end];
      for (size_t i = start; i < end; ++i) g.ops()[i].attrs.set("stage", s - 1);
      end = start;
    }
  }

  cut.seconds.assign(size_t(S), 0);
  cut.paramBytes.assign(size_t(S), 0);
  cut.sentBytes.assign(size_t(S), 0);
  std::vector<std::set<ir::ValueId>> params(static_cast<size_t>(S)), received(static_cast<size_t>(S));
  for (size_t i = 0; i < n; ++i) {
    size_t s = size_t(stageOf(ops[i]));
    if (s >= size_t(S)) ir::fail("{} is in pipeline stage {}, the pipeline has {}", ir::describeOp(g, ops[i]), s, S);
    cut.seconds[s] += time[i];
    for (ir::ValueId x : ops[i].operands) {
      if (g.value(x).role == ir::ValueRole::Param && params[s].insert(x).second) cut.paramBytes[s] += bytesOf(g.value(x));
      if (isComputed(g.value(x)) && producer[size_t(x)] != ir::kNoOp &&
          size_t(stageOf(g.op(producer[size_t(x)]))) != s && received[s].insert(x).second)
        cut.sentBytes[size_t(stageOf(g.op(producer[size_t(x)])))] += bytesOf(g.value(x));
    }
  }
  for (int64_t s = 0; s < S; ++s)
    if (std::none_of(ops.begin(), ops.end(), [&](const ir::Op& op) { return stageOf(op) == s; }))
      ir::fail("pipeline stage {} of {} has no ops", s, S);
  return cut;
}

}  // namespace shardc::passes
