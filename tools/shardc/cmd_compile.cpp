// shardc compile: a model to native executables (one per rank), their weights and a manifest.
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/strategy_file.h"
#include "ir/error.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/compile_driver.h"
#include "tools/shardc/machine_calibration.h"
#include "tools/shardc/model_loading.h"
#include "tools/shardc/strategy_search_report.h"

namespace shardc::tools {

namespace {

// One strategy file, or a pipeline's per-stage files ("a.json,b.json", each op keeping the stage its file gives it)
// merged into one.
ir::StrategyMap readStrategyFiles(const std::string& paths) {
  std::vector<std::string> files;
  std::stringstream ss(paths);
  for (std::string f; std::getline(ss, f, ',');)
    if (!f.empty()) files.push_back(f);
  for (const auto& f : files)
    if (!std::filesystem::is_regular_file(f)) ir::fail("--strategy: {}: no such file", f);
  if (files.size() == 1) return frontend::readStrategyFile(files[0]);
  ir::StrategyMap merged;
  for (const auto& f : files) {
    ir::StrategyMap s = frontend::readStrategyFile(f);
    if (merged.mesh.rank() == 0) merged.mesh = s.mesh;
    for (const auto& [key, op] : s.ops)
      if (!merged.ops.emplace(key, op).second && !(merged.ops.at(key) == op))
        ir::fail("--strategy: {} gives op '{}' another strategy than an earlier file", f, key);
    for (const auto& [name, layout] : s.params) merged.params.emplace(name, layout);
  }
  return merged;
}

}  // namespace

void addCompileCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    CompileOptions compile;
    std::string strategyPath;
    std::string mesh;
    std::string search, machine;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("compile", "Compile a model into native executables, one per rank");
  cmd->add_option("model", args->model.path, "The model (.onnx, .mindir)")->check(CLI::ExistingFile);
  cmd->add_option("--per-rank", args->compile.perRank,
                  "Instead of a model: each rank's already partitioned graph, a pattern such as "
                  "'export/rank_{rank}.onnx' or 'net_rank_{rank}.mindir' (ranks 0.. as --ranks says, or as exist); "
                  "collectives run over the ranks their group_ranks name");
  cmd->add_option("--group-info", args->model.groupInfo,
                  "MindSpore's group-info file (group_info.pb): the ranks of the groups a per-rank MindIR's "
                  "collectives name without group_ranks");
  cmd->add_option("-o,--output", args->compile.outDir, "The output directory (replaced only when complete)")
      ->required();
  cmd->add_option("--emit", args->compile.emit,
                  "Also write each program as obj, llvm-ir or asm in OUT/programs/; lib: instead of executables, a "
                  "library to link into your program (OUT/lib/NAME.o, OUT/include/NAME.h, the weights)")
      ->check(CLI::IsMember({"obj", "llvm-ir", "asm", "lib"}));
  cmd->add_option("--name", args->compile.libraryName,
                  "With --emit lib: the library's name, a C identifier (default: the model file's stem)");
  cmd->add_option("--target", args->compile.codegen.target.triple, "Target triple (default: the host)");
  cmd->add_option("--cpu", args->compile.codegen.target.cpu,
                  "Target CPU, e.g. x86-64-v3 (default: the host, with its features)");
  cmd->add_option("--features", args->compile.codegen.target.features, "Target features, e.g. +avx2,+fma");
  cmd->add_option("-O", args->compile.codegen.optLevel, "Optimisation level 0-3")->check(CLI::Range(0, 3));
  cmd->add_flag("-q,--quiet", args->compile.quiet, "No progress output");
  cmd->add_option("--ranks", args->compile.ranks, "Ranks of the job (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--strategy", args->strategyPath,
                  "Strategy file: MindSpore protobuf or JSON, or shardc JSON (ops without one are derived); a pipeline's "
                  "per-stage files separated by commas");
  cmd->add_flag("--local-inputs", args->compile.localInputs,
               "Each rank reads only its own part of every input (pass --input x=x_{rank}.npy to the executables); "
               "the manifest gives each rank's box");
  cmd->add_option("--mesh", args->mesh, "The device mesh, e.g. 2x4 (its product is the rank count)");
  cmd->add_option("--strategy-format", args->compile.strategyFormat,
                   "Also write the final strategy as OUT/strategy.mindspore.json (mindspore-json) or OUT/strategy.ckpt (mindspore-pb)")
      ->check(CLI::IsMember({"shardc", "mindspore-json", "mindspore-pb"}));
  cmd->add_option("--checkpoint", args->compile.checkpoint,
                  "Weights from checkpoint slices: a directory DIR/rank_K/*.ckpt, a pattern such as "
                  "ckpt/rank_{rank}/net.ckpt, or the files in rank order (default: the model's initializers)");
  cmd->add_option("--checkpoint-strategy", args->compile.checkpointStrategy,
                  "The strategy the slices were saved with (default: --strategy), or none for one whole checkpoint. "
                  "Pipeline training: MindSpore's merged strategy (parameters named <stage>-<name>) or the stages' "
                  "files separated by commas; each stage's ranks hold only its parameters");
  cmd->add_option("--stages", args->compile.stages,
                  "Pipeline parallel: split the model into S stages over contiguous blocks of ranks (ranks/S each), "
                  "cut where the cost model balances them unless the strategy gives each op its stage")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--micro-batches", args->compile.microBatches,
                  "Pipeline parallel: split each run's batch (dim 0 of every input) into M micro-batches that flow "
                  "through the stages one after another (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--memory-limit", args->compile.memoryLimit,
                  "With --stages: the parameter bytes a rank may hold; the stage cut keeps every stage within it")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--search", args->search,
                  "Choose the strategies of the ops --strategy leaves open: propagate, dp, exact or auto (default: they follow "
                  "their producers)")
      ->check(CLI::IsMember({"propagate", "exact", "dp", "auto"}));
  cmd->add_option("--machine", args->machine, "With --search: the machine file `shardc calibrate` wrote")
      ->check(CLI::ExistingFile);
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    if (!args->compile.perRank.empty()) {
      if (!args->model.path.empty()) ir::fail("compile: give a model or --per-rank, not both");
      args->compile.dumpAfter = args->model.passOptions.dumpAfter;
      // The options by value: a function held by `args` that held `args` would keep it alive forever (a leak).
      args->compile.loadRankGraph = [model = args->model, &out](const std::string& path) {
        ModelOptions m = model;
        m.path = path;
        return loadModel(m, out);
      };
      compilePerRank(args->compile, out);
      status = 0;
      return;
    }
    if (args->model.path.empty()) ir::fail("compile: give the model (or --per-rank PATTERN)");
    args->compile.modelPath = args->model.path;
    args->compile.dumpAfter = args->model.passOptions.dumpAfter;
    if (!args->strategyPath.empty()) args->compile.strategy = readStrategyFiles(args->strategyPath);
    args->compile.strategyPath = args->strategyPath;
    if (!args->mesh.empty()) {
      ir::Shape m = parseShapeArg("mesh=" + args->mesh).second;
      if (m.rank() == 0 || m.numElements() <= 0) ir::fail("--mesh '{}': expected e.g. 2x4", args->mesh);
      if (args->compile.ranks > 1 && args->compile.ranks != m.numElements())
        ir::fail("--mesh {} has {} ranks, --ranks says {}", args->mesh, m.numElements(), args->compile.ranks);
      args->compile.ranks = m.numElements();
      args->compile.mesh = ir::DeviceMesh(m.dims);
    }
    ir::Graph g = loadModel(args->model, out);
    if (args->compile.microBatches > 1) args->compile.microBatchGraph = loadModel(args->model, out, args->compile.microBatches);
    // Pipeline stages each search over their own ranks (the cut comes after, per op strategies carry over).
    int64_t stages = std::max<int64_t>(args->compile.stages, 1);
    for (const auto& [key, op] : args->compile.strategy.ops) stages = std::max(stages, op.stage + 1);
    if (!args->search.empty() && args->compile.ranks / stages > 1) {
      passes::SearchOptions o;
      o.devices = args->compile.ranks / stages;
      o.algorithm = parseSearchAlgorithm(args->search);
      if (!args->machine.empty()) o.machine = readMachineModel(args->machine);
      passes::SearchResult r = searchWithFixed(args->compile.microBatchGraph ? *args->compile.microBatchGraph : g,
                                               args->compile.strategy, o);
      if (!args->compile.quiet) printSearchSummary(r, out);
      for (auto& [key, op] : r.strategies.ops)
        if (auto given = args->compile.strategy.ops.find(key); given != args->compile.strategy.ops.end())
          op.stage = given->second.stage;
      args->compile.strategy = r.strategies;
    }
    compileGraph(g, args->compile, out);
    status = 0;
  });
}

}  // namespace shardc::tools
