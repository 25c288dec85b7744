// shardc compile's work: from a global graph to OUT/ (manifest, executables, weights, program IR), atomically.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codegen/codegen.h"
#include "ir/device_mesh.h"
#include "ir/graph.h"
#include "ir/strategy.h"

namespace shardc::tools {

struct CompileOptions {
  std::string modelPath;  // for the manifest
  std::string outDir;
  std::vector<std::string> emit;  // extra views of each program in OUT/programs/: obj, llvm-ir, asm; or lib
  // With emit "lib": OUT/lib/<name>.o defining <name>_program, OUT/include/<name>.h, the weights; no executables.
  std::string libraryName;
  codegen::CodegenOptions codegen;
  bool quiet = false;
  // The job's device mesh. A graph without collectives runs the same on every rank; one with them is a rank
  // program whose collectives name this mesh's axes.
  ir::DeviceMesh mesh;
  // Semi-auto parallel: the ranks of the job and the strategies of its ops (empty: none given). With more than
  // one rank the graph is split by the parallel passes and the mesh is the one they refine.
  int64_t ranks = 1;
  ir::StrategyMap strategy;
  // OUT/strategy.json is always shardc's form; also write mindspore-json or mindspore-pb when asked.
  std::string strategyFormat;
  // Each rank reads only its part of every input (files named with {rank}); default: the whole input everywhere.
  bool localInputs = false;
  // Weights from checkpoint slices (--checkpoint: a directory DIR/rank_K/*.ckpt, a {rank} pattern, or files in
  // rank order) instead of the model's initializers, saved under `checkpointStrategy` (a strategy file, or "none"
  // for one whole checkpoint; empty: `strategyPath`, the --strategy file).
  std::vector<std::string> checkpoint;
  std::string checkpointStrategy, strategyPath;
  // Pipeline parallel: the stage count (0: the strategy's stages, or none), and the micro-batches each run's batch
  // is split into; with more than one, microBatchGraph is the model loaded with every input's dim 0 divided by it.
  int64_t stages = 0;
  int64_t microBatches = 1;
  std::optional<ir::Graph> microBatchGraph;
  // Parameter bytes per rank that a stage may hold (cut-stages); 0: no limit.
  int64_t memoryLimit = 0;
  // Each rank's own, already partitioned graph (`shardc export`'s rank_K.onnx, MindSpore's per-rank MindIR): the
  // file pattern with {rank}, and how to load one file.
  std::string perRank;
  std::function<ir::Graph(const std::string& path)> loadRankGraph;
  // Print the rank program after these passes (or "all") to the log stream.
  std::set<std::string> dumpAfter;
};

// Compiles each rank's own graph (options.perRank) into its own program, run as one job: collectives over the
// groups their `group_ranks` name.
void compilePerRank(const CompileOptions& options, std::ostream& log);

// The libraries an executable links with: the runtime's main, the runtime, MPI (set at build time).
codegen::LinkOptions runtimeLinkOptions();

// Compiles `global` (shape-inferred, canonical) into options.outDir: one program for the job, or one per pipeline
// stage. Progress lines go to `log`.
void compileGraph(const ir::Graph& global, const CompileOptions& options, std::ostream& log);

}  // namespace shardc::tools
