#include "tools/shardc/compile_driver.h"

#include "tools/shardc/library_header.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "codegen/runtime_abi.h"
#include "frontend/atomic_file.h"
#include "frontend/strategy_file.h"
#include "ir/error.h"
#include "ir/printer.h"
#include "ir/tensor_box.h"
#include "ir/type_inference.h"
#include "passes/assign_strategies.h"
#include "passes/cut_stages.h"
#include "passes/split_stages.h"
#include "passes/parallel_plan.h"
#include "passes/pass.h"
#include "passes/plan_memory.h"
#include "runtime/weights_writer.h"
#include "tools/shardc/checkpoint_files.h"
#include "tools/shardc/checkpoint_weights.h"
#include "tools/shardc/output_directory.h"
#include "shardc_build_config.h"

namespace shardc::tools {
namespace {

nlohmann::json describeValue(const ir::Value& v) {
  return {{"name", v.name}, {"dtype", std::string(ir::dtypeName(v.type.dtype))}, {"shape", v.type.shape.dims}};
}

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ';'))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Each parameter of the program, as rank `rank` holds it: the whole tensor, or its box under the parameter's
// layout when the program was partitioned.
void writeWeights(const ir::Graph& g, const std::map<std::string, std::shared_ptr<const ir::Tensor>>& global,
                  const passes::ParallelPlan* plan, int64_t rank, const std::string& path) {
  std::vector<shardrt::WeightEntry> entries;
  std::vector<ir::Tensor> slices;
  slices.reserve(g.params().size());
  for (ir::ValueId p : g.params()) {
    const ir::Value& v = g.value(p);
    auto it = global.find(v.name);
    if (it == global.end() || !it->second) ir::fail("parameter '{}' has no data to write", v.name);
    if (plan && plan->layouts[size_t(p)])
      slices.push_back(ir::extractBox(*it->second, plan->layouts[size_t(p)]->box(rank)));
    else
      slices.push_back(*it->second);
    const ir::Tensor& t = slices.back();
    entries.push_back({v.name, codegen::runtimeDTypeCode(t.dtype()), t.shape().dims, t.bytes(),
                       static_cast<uint64_t>(t.byteSize())});
  }
  shardrt::writeWeightsFile(path, entries);
}

// The weights of every rank from checkpoint slices, resharded from the layouts they were saved with.
// What training saved: its slices and the strategy (or per-stage strategies) they were saved with.
TrainingCheckpoint openCheckpoint(const CompileOptions& options) {
  std::string strategyPath = options.checkpointStrategy.empty() ? options.strategyPath : options.checkpointStrategy;
  if (strategyPath.empty())
    ir::fail("--checkpoint: say how the slices were saved with --checkpoint-strategy (a strategy file, or none for "
             "one whole checkpoint)");
  return openTrainingCheckpoint(options.checkpoint, strategyPath);
}

// One program's weights files (rank r's at weightsPath(r)), resharded from the training checkpoint.
void writeWeightsFromCheckpoint(const ir::Graph& global, const ir::RankProgram& program, const passes::ParallelPlan* plan,
                                const std::map<std::string, std::shared_ptr<const ir::Tensor>>& paramData,
                                const TrainingCheckpoint& training, const CompileOptions& options,
                                const std::function<std::string(int64_t)>& weightsPath, std::ostream& log) {
  CheckpointWeightsJob job;
  job.program = &program.graph;
  job.global = &global;
  job.ranks = static_cast<int64_t>(program.ranks.size());
  if (plan)
    for (ir::ValueId p : program.graph.params())
      if (plan->layouts[size_t(p)]) job.layouts[program.graph.value(p).name] = *plan->layouts[size_t(p)];
  job.modelData = &paramData;
  job.quiet = options.quiet;
  job.training = &training;
  job.weightsPath = weightsPath;
  frontend::ReshardStats stats = writeCheckpointWeights(job, log);
  if (!options.quiet)
    log << fmt::format("weights{} from {} checkpoint file(s): {} tensors, {} bytes read\n",
                       program.pipeline.stages ? " of stage " + std::to_string(program.pipeline.stage) : "",
                       training.readers.size(), stats.tensors, stats.bytesRead);
}

// A micro-batch of every input is a slab of its dim 0; every output must be one of the whole batch's too, or the
// model mixes samples and cannot be micro-batched.
void checkMicroBatches(const ir::Graph& whole, const ir::Graph& micro, int64_t M) {
  auto check = [&](const ir::Value& w, const ir::Value& m, const char* kind) {
    std::vector<int64_t> expected = m.type.shape.dims;
    if (!expected.empty()) expected[0] *= M;
    if (expected.empty() || expected != w.type.shape.dims)
      ir::fail("--micro-batches {}: {} '{}' is {} for the whole batch but {} for a micro-batch (the model must keep the "
               "batch as dim 0 of every input and output)", M, kind, w.name, w.type.shape.str(), m.type.shape.str());
  };
  for (size_t i = 0; i < whole.inputs().size(); ++i) check(whole.value(whole.inputs()[i]), micro.value(micro.inputs()[i]), "input");
  for (size_t i = 0; i < whole.outputs().size(); ++i)
    check(whole.value(whole.outputs()[i]), micro.value(micro.outputs()[i]), "output");
}

// "// " before every line: the buffer plan rides along in the program's text IR.
std::string commentLines(const std::string& text) {
  std::string out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out += "// " + line + "\n";
  return out;
}

// "layout %name: [8,784] over [2,2,2]: (0, *)" for every value the parallel passes placed.
std::string layoutLines(const ir::Graph& g, const passes::ParallelPlan* plan) {
  std::string out;
  if (!plan) return out;
  for (size_t v = 0; v < plan->layouts.size() && v < g.numValues(); ++v)
    if (plan->layouts[v]) out += "layout %" + g.value(ir::ValueId(v)).name + ": " + plan->layouts[v]->str() + "\n";
  return out;
}

}  // namespace

codegen::LinkOptions runtimeLinkOptions() {
  codegen::LinkOptions options;
  options.libraries = splitList(SHARDC_RUNTIME_LINK);
  // An installed shardc links with the runtime installed beside it (the build tree may be gone).
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path lib = exe.parent_path().parent_path() / SHARDC_INSTALL_LIBDIR;
  if (!ec && std::filesystem::exists(lib / SHARDC_RUNTIME_NAME) && std::filesystem::exists(lib / SHARDC_RUNTIME_MAIN_NAME) &&
      options.libraries.size() >= 2) {
    options.libraries[0] = (lib / SHARDC_RUNTIME_MAIN_NAME).string();
    options.libraries[1] = (lib / SHARDC_RUNTIME_NAME).string();
  }
  return options;
}

namespace {

struct StageReport {
  passes::StageCut cut;
  ir::DeviceMesh stageMesh;
};

// One program of the job: the whole job's, or one pipeline stage's.
struct JobProgram {
  ir::RankProgram program;
  std::optional<passes::ParallelPlan> parallel;
  int firstRank = 0;  // the job's rank of its rank 0
  passes::StageGraph stage;  // a pipeline stage: where its inputs come from
  // A program compiled from its rank's own graph (--per-rank): its parameters' data (names may repeat across ranks
  // with other slices).
  std::map<std::string, std::shared_ptr<const ir::Tensor>> ownParams;
};

// The parallel passes and the memory plan: `graph` over `ranks` ranks (`mesh` when given).
void buildProgram(JobProgram& jp, const ir::Graph& graph, const CompileOptions& options, int64_t ranks,
                  const ir::DeviceMesh& mesh, bool assign, std::ostream& log) {
  ir::RankProgram& program = jp.program;
  program.mesh = mesh.rank() ? mesh : ir::DeviceMesh({ranks});
  program.ranks.clear();
  for (int64_t r = 0; r < program.mesh.numRanks(); ++r) program.ranks.push_back(jp.firstRank + int(r));
  program.graph = graph;
  auto& parallel = jp.parallel;
  auto dump = [&](const std::string& pass) {
    if (!options.dumpAfter.count(pass) && !options.dumpAfter.count("all")) return;
    log << "// ----- after " << pass << (program.pipeline.stages ? " (" + program.name + ")" : "") << " -----\n"
        << ir::printGraph(program.graph);
    if (pass == "propagate-layouts")
      for (size_t v = 0; v < parallel->layouts.size(); ++v)
        if (parallel->layouts[v]) log << "// %" << program.graph.value(ir::ValueId(v)).name << ": " << parallel->layouts[v]->str() << "\n";
  };
  bool strategies = std::any_of(graph.ops().begin(), graph.ops().end(), [](const ir::Op& op) { return op.attrs.has("strategy"); });
  if (ranks > 1 || (assign && !options.strategy.ops.empty()) || strategies) {
    if (assign) passes::assignStrategies(program.graph, options.strategy);
    dump("assign-strategies");
    parallel = passes::propagateLayouts(program.graph, ranks, mesh, options.localInputs);
    dump("propagate-layouts");
    passes::lowerSplitReductions(program.graph, *parallel);
    dump("lower-split-reductions");
    passes::insertRedistribution(program.graph, *parallel);
    dump("insert-redistribution");
    passes::partition(program.graph, *parallel);
    dump("partition");
    program.mesh = parallel->mesh;
  }
  if (parallel && options.localInputs)
    for (size_t i = 0; i < graph.inputs().size(); ++i) {
      ir::RankProgram::PartialInput in;
      in.globalDims = graph.value(graph.inputs()[i]).type.shape.dims;
      const auto& layout = parallel->layouts[size_t(program.graph.inputs()[i])];
      for (int r = 0; r < int(program.ranks.size()); ++r)
        in.offsets.push_back(layout ? layout->box(r).offset : std::vector<int64_t>(in.globalDims.size(), 0));
      program.partialInputs.push_back(std::move(in));
    }
  passes::runFuseElementwise(program.graph);
  dump("fuse");
  program.plan = passes::planMemory(program.graph);
  if (options.dumpAfter.count("plan-memory") || options.dumpAfter.count("all"))
    log << "// ----- after plan-memory -----\n" << passes::printBufferPlan(program.graph, program.plan);
}

ir::TensorType wholeBatch(ir::TensorType t, int64_t microBatches) {
  if (!t.shape.dims.empty()) t.shape.dims[0] *= microBatches;
  return t;
}

// Which rank sends what to whom: every rank of a stage holds each of its outputs whole, so rank j of a stage takes
// what it needs from rank j of the stage that computes it (MindSpore's peer, the same position in the other
// stage); the model's outputs go from the computing stage's first rank to job rank 0.
void planTransfers(std::vector<JobProgram>& jobs, const ir::Graph& global, int64_t microBatches) {
  int tag = 0;
  auto findIndex = [](const std::vector<ir::ValueId>& ids, const ir::Graph& g, const std::string& name) {
    for (size_t i = 0; i < ids.size(); ++i)
      if (g.value(ids[i]).name == name) return int(i);
    return -1;
  };
  for (JobProgram& jp : jobs) {
    ir::RankProgram::Pipeline& pl = jp.program.pipeline;
    pl.microBatches = int(microBatches);
    for (ir::ValueId v : global.inputs())
      pl.modelInputs.push_back({global.value(v).name, wholeBatch(global.value(v).type, microBatches)});
    for (ir::ValueId v : global.outputs())
      pl.modelOutputs.push_back({global.value(v).name, wholeBatch(global.value(v).type, microBatches)});
  }
  for (size_t t = 0; t < jobs.size(); ++t) {
    JobProgram& to = jobs[t];
    const ir::Graph& g = to.program.graph;
    for (size_t i = 0; i < g.inputs().size(); ++i) {
      const std::string& name = g.value(g.inputs()[i]).name;
      int from = to.stage.inputFrom[i];
      to.program.pipeline.inputSources.push_back(from < 0 ? findIndex(global.inputs(), global, name) : -1);
      if (from < 0) continue;
      JobProgram& src = jobs[size_t(from)];
      int k = findIndex(src.program.graph.outputs(), src.program.graph, name);
      if (k < 0) ir::fail("internal error: stage {} reads %{}, which stage {} does not send", t, name, from);
      for (int j = 0; j < to.program.pipeline.stageRanks; ++j) {
        ++tag;
        src.program.pipeline.sends.push_back({j, k, to.firstRank + j, tag, false});
        to.program.pipeline.receives.push_back({j, int(i), src.firstRank + j, tag, false});
      }
    }
  }
  for (size_t o = 0; o < global.outputs().size(); ++o) {
    const std::string& name = global.value(global.outputs()[o]).name;
    for (JobProgram& src : jobs) {
      int k = findIndex(src.program.graph.outputs(), src.program.graph, name);
      if (k < 0) continue;
      ++tag;
      src.program.pipeline.sends.push_back({0, k, 0, tag, false});
      jobs[0].program.pipeline.receives.push_back({0, int(o), src.firstRank, tag, true});
      break;
    }
  }
}

// report.json of a pipeline: per stage its estimated time per micro-batch (compute under the cost model and its
// sends), its memory per rank (weights and arena), and the bubble the schedule leaves: every stage runs the M
// micro-batches in order, so the job takes the stages' times once plus M - 1 times the slowest.
nlohmann::json pipelineReport(const std::vector<JobProgram>& jobs, const StageReport& sr,
                              const std::vector<uint64_t>& weightBytes, int64_t M) {
  const passes::StageCut& cut = sr.cut;
  passes::MachineModel machine;
  std::vector<double> t;
  for (size_t s = 0; s < jobs.size(); ++s)
    t.push_back(cut.seconds[s] + (cut.sentBytes[s] ? machine.comm.alpha + double(cut.sentBytes[s]) / machine.comm.bandwidth : 0.0));
  double sum = 0, slowest = 0;
  for (double x : t) {
    sum += x;
    slowest = std::max(slowest, x);
  }
  double makespan = sum + double(M - 1) * slowest;
  double busy = double(M) * sum;
  nlohmann::json r;
  r["stages"] = nlohmann::json::array();
  r["micro_batches"] = M;
  r["stages_from"] = cut.fromStrategy ? "strategy" : "cut-stages";
  for (size_t s = 0; s < jobs.size(); ++s) {
    const ir::RankProgram& p = jobs[s].program;
    uint64_t weights = 0;
    for (int rank : p.ranks) weights = std::max(weights, weightBytes[size_t(rank)]);
    r["stages"].push_back({{"stage", s},
                           {"ranks", p.ranks},
                           {"ops", jobs[s].stage.graph.ops().size()},
                           {"estimated_seconds_per_micro_batch", t[s]},
                           {"compute_seconds_per_micro_batch", cut.seconds[s]},
                           {"sent_bytes_per_micro_batch", cut.sentBytes[s]},
                           {"parameter_bytes", cut.paramBytes[s]},
                           {"weights_file_bytes_per_rank", weights},
                           {"arena_bytes", p.plan.arenaBytes}});
  }
  r["estimated_seconds"] = makespan;
  r["bubble_fraction"] = makespan > 0 ? 1.0 - busy / (double(jobs.size()) * makespan) : 0.0;
  return r;
}

// The stages of a pipelined job, each over its block of ranks: --stages, or the strategy's; cut by cut-stages.
std::vector<JobProgram> buildStages(const ir::Graph& global, const CompileOptions& options, StageReport& report,
                                    std::ostream& log) {
  ir::Graph g = global;
  passes::assignStrategies(g, options.strategy);
  int64_t ranks = options.mesh.rank() ? options.mesh.numRanks() : options.ranks;
  passes::StageCutOptions cutOptions;
  cutOptions.stages = options.stages;
  cutOptions.memoryLimit = options.memoryLimit;
  if (options.stages > 0) {
    if (ranks % options.stages != 0) ir::fail("{} rank(s) do not divide into {} pipeline stages", ranks, options.stages);
    cutOptions.stageRanks = ranks / options.stages;
  }
  passes::StageCut cut = passes::cutStages(g, cutOptions);
  if (options.dumpAfter.count("cut-stages") || options.dumpAfter.count("all"))
    log << "// ----- after cut-stages -----\n" << ir::printGraph(g);
  int64_t S = cut.stages;
  if (ranks % S != 0)
    ir::fail("{} rank(s) do not divide into {} pipeline stages", ranks, S);
  int64_t P = ranks / S;
  // The cost model's times per stage assume its ranks share the work.
  for (double& t : cut.seconds) t *= double(cutOptions.stageRanks) / double(P);
  ir::DeviceMesh stageMesh;
  if (options.mesh.rank()) {
    if (options.mesh.shape[0] % S != 0)
      ir::fail("--mesh {} does not divide into {} pipeline stages (stages split its first axis, {})", options.mesh.str(),
               S, options.mesh.shape[0]);
    stageMesh = options.mesh;
    stageMesh.shape[0] /= S;
    if (stageMesh.shape[0] == 1 && stageMesh.shape.size() > 1) stageMesh.shape.erase(stageMesh.shape.begin());
  }
  std::vector<passes::StageGraph> graphs = passes::splitStages(g, int(S));
  std::vector<JobProgram> jobs(static_cast<size_t>(S));
  for (int64_t s = 0; s < S; ++s) {
    JobProgram& jp = jobs[size_t(s)];
    jp.firstRank = int(s * P);
    jp.stage = graphs[size_t(s)];
    jp.program.name = "program_" + std::to_string(s);
    jp.program.pipeline.stage = int(s);
    jp.program.pipeline.stages = int(S);
    jp.program.pipeline.firstRank = jp.firstRank;
    jp.program.pipeline.stageRanks = int(P);
    if (!options.quiet)
      log << fmt::format("stage {}: {} op(s), ranks {}-{}, {} parameter bytes, est. {:.3f} ms per micro-batch\n", s,
                         jp.stage.graph.ops().size(), jp.firstRank, jp.firstRank + P - 1, cut.paramBytes[size_t(s)],
                         1e3 * cut.seconds[size_t(s)]);
    buildProgram(jp, jp.stage.graph, options, P, stageMesh, false, log);
  }
  report.cut = cut;
  report.stageMesh = jobs[0].program.mesh;
  return jobs;
}

}  // namespace

namespace {

// Everything a compile writes, from its programs: executables (or the library), weights, strategy, program IR,
// manifest and report, into OUT atomically.
void emitJob(std::vector<JobProgram>& jobs, const ir::Graph& global, const ir::Graph& wholeBatchGraph,
             const std::map<std::string, std::shared_ptr<const ir::Tensor>>& paramData, const CompileOptions& options,
             bool pipelined, bool library, int64_t M, const StageReport& stageReport,
             std::chrono::steady_clock::time_point start, std::ostream& log) {
  int64_t jobRanks = 0;
  for (const auto& jp : jobs) jobRanks += int64_t(jp.program.ranks.size());

  OutputDirectory out(options.outDir);
  std::string libName;
  if (library) {
    const ir::RankProgram& program = jobs[0].program;
    libName = libraryName(options.libraryName.empty() ? std::filesystem::path(options.modelPath).stem().string()
                                                      : options.libraryName);
    if (!options.libraryName.empty() && libName != options.libraryName)
      ir::fail("--name '{}': a library name must be a C identifier (letters, digits, '_'; not starting with a digit)",
               options.libraryName);
    codegen::CodegenOptions lib = options.codegen;
    lib.programSymbol = libName + "_program";
    codegen::emitProgram(program, lib, codegen::EmitKind::Object, out.path("lib/" + libName + ".o"));
    std::string weights = (std::filesystem::absolute(options.outDir) / "weights" / "rank_{rank}.bin").string();
    frontend::writeFileAtomically(out.path("include/" + libName + ".h"),
                                  libraryHeader(libName, program.graph, int64_t(program.ranks.size()), weights,
                                                options.modelPath));
  }
  for (const JobProgram& jp : jobs) {
    const ir::RankProgram& program = jp.program;
    const std::string& name = program.name;
    std::string object = out.path("obj/" + name + ".o");
    if (!library) codegen::emitProgram(program, options.codegen, codegen::EmitKind::Object, object);
    for (const auto& e : options.emit) {
      if (e == "obj") codegen::emitProgram(program, options.codegen, codegen::EmitKind::Object, out.path("programs/" + name + ".o"));
      if (e == "llvm-ir") codegen::emitProgram(program, options.codegen, codegen::EmitKind::LlvmIr, out.path("programs/" + name + ".ll"));
      if (e == "asm") codegen::emitProgram(program, options.codegen, codegen::EmitKind::Assembly, out.path("programs/" + name + ".s"));
    }
    if (!library) {
      std::string first = "bin/rank_" + std::to_string(program.ranks.front());
      codegen::linkExecutable({object}, runtimeLinkOptions(), out.path(first));
      // One SPMD program per stage: every rank's executable of the stage is the same file.
      for (size_t r = 1; r < program.ranks.size(); ++r)
        std::filesystem::create_hard_link(out.path(first), out.path("bin/rank_" + std::to_string(program.ranks[r])));
    }
  }
  if (!library) std::filesystem::remove_all(out.root() / "obj");

  if (std::any_of(jobs.begin(), jobs.end(), [](const JobProgram& jp) { return jp.parallel.has_value(); })) {
    // What the job was compiled with, as MindSpore's infer_predict_layout gives it: per op its strategy (and stage),
    // per parameter its layout (a pipeline's named "<stage>-<name>", as MindSpore merges them).
    ir::StrategyMap final;
    final.mesh = jobs[0].program.mesh;
    for (const JobProgram& jp : jobs) {
      for (const auto& op : jp.program.graph.ops())
        if (auto s = passes::assignedStrategy(op)) {
          s->stage = jp.program.pipeline.stage;
          final.ops[passes::strategyKey(jp.program.graph, op)] = *s;
        }
      if (jp.parallel)
        for (ir::ValueId p : jp.program.graph.params())
          if (jp.parallel->layouts[size_t(p)]) {
            ir::ParamLayout pl;
            pl.layout = *jp.parallel->layouts[size_t(p)];
            std::string name = jp.program.graph.value(p).name;
            final.params[pipelined ? std::to_string(jp.program.pipeline.stage) + "-" + name : name] = pl;
          }
    }
    frontend::writeStrategyFile(final, out.path("strategy.json"), frontend::StrategyFormat::Shardc);
    if (!options.strategyFormat.empty() && options.strategyFormat != "shardc") {
      auto f = frontend::parseStrategyFormat(options.strategyFormat);
      frontend::writeStrategyFile(final, out.path(f == frontend::StrategyFormat::MindSporeJson ? "strategy.mindspore.json" : "strategy.ckpt"), f);
    }
  }
  std::vector<uint64_t> weightBytes(size_t(jobRanks), 0);
  std::optional<TrainingCheckpoint> training;
  if (!options.checkpoint.empty()) training = openCheckpoint(options);
  for (const JobProgram& jp : jobs) {
    const ir::RankProgram& program = jp.program;
    const passes::ParallelPlan* plan = jp.parallel ? &*jp.parallel : nullptr;
    const auto& data = jp.ownParams.empty() ? paramData : jp.ownParams;
    auto weightsPath = [&](int64_t r) { return out.path("weights/rank_" + std::to_string(jp.firstRank + r) + ".bin"); };
    if (!options.checkpoint.empty()) {
      writeWeightsFromCheckpoint(global, program, plan, data, *training, options, weightsPath, log);
    } else if (plan) {
      for (size_t r = 0; r < program.ranks.size(); ++r) writeWeights(program.graph, data, plan, int64_t(r), weightsPath(int64_t(r)));
    } else {
      // Whole parameters on every rank: one file, linked per rank.
      writeWeights(program.graph, data, nullptr, 0, weightsPath(0));
      for (size_t r = 1; r < program.ranks.size(); ++r) std::filesystem::create_hard_link(weightsPath(0), weightsPath(int64_t(r)));
    }
    for (size_t r = 0; r < program.ranks.size(); ++r)
      weightBytes[size_t(program.ranks[r])] = uint64_t(std::filesystem::file_size(weightsPath(int64_t(r))));
    frontend::writeFileAtomically(out.path("programs/" + program.name + ".ir"),
                                  ir::printGraph(program.graph) +
                                      commentLines("buffer plan\n" + passes::printBufferPlan(program.graph, program.plan)) +
                                      commentLines(layoutLines(program.graph, plan)));
  }

  nlohmann::json manifest;
  manifest["format"] = "shardc-manifest";
  manifest["version"] = 1;
  manifest["model"] = options.modelPath;
  manifest["target"] = codegen::describeTarget(options.codegen.target);
  manifest["ranks"] = jobRanks;
  // A pipeline's mesh: the stages as its slowest axis (contiguous blocks of ranks), then each stage's own.
  std::vector<int64_t> mesh = jobs[0].program.mesh.shape;
  int axisShift = 0;
  if (pipelined) {
    mesh.insert(mesh.begin(), int64_t(jobs.size()));
    axisShift = 1;
  }
  manifest["mesh"] = mesh;
  for (size_t i = 0; i < global.inputs().size(); ++i) {
    nlohmann::json in = describeValue(wholeBatchGraph.value(wholeBatchGraph.inputs()[i]));
    const JobProgram& jp = jobs[0];
    ir::ValueId local = jp.program.graph.inputs().size() > i ? jp.program.graph.inputs()[i] : -1;
    if (!pipelined && jp.parallel && jp.parallel->layouts[size_t(local)]) {
      const ir::TensorLayout& l = *jp.parallel->layouts[size_t(local)];
      in["layout"] = l.str();
      in["local_shape"] = l.localShape().dims;
      if (options.localInputs) {
        nlohmann::json boxes = nlohmann::json::array();
        for (int r : jp.program.ranks) boxes.push_back({{"offset", l.box(r).offset}, {"extent", l.box(r).extent}});
        in["rank_boxes"] = boxes;
      }
    }
    manifest["inputs"].push_back(in);
  }
  for (ir::ValueId v : wholeBatchGraph.outputs()) manifest["outputs"].push_back(describeValue(wholeBatchGraph.value(v)));
  // The collectives a run makes, for `shardc run` to say which cross hosts once it knows them.
  manifest["collectives"] = nlohmann::json::array();
  for (const JobProgram& jp : jobs)
    for (const auto& op : jp.program.graph.ops())
      if ((op.kind == ir::OpKind::AllReduce || op.kind == ir::OpKind::AllGather || op.kind == ir::OpKind::ReduceScatter ||
           op.kind == ir::OpKind::AllToAll) &&
          op.attrs.has("bytes")) {
        std::vector<int64_t> axes = op.attrs.getInts("axes");
        for (int64_t& a : axes) a += axisShift;
        manifest["collectives"].push_back({{"op", fmt::format("{} %{}", ir::opKindName(op.kind),
                                                             jp.program.graph.value(op.results[0]).name)},
                                           {"axes", axes},
                                           {"bytes", op.attrs.getInt("bytes", 0) * M}});
      }
  manifest["programs"] = nlohmann::json::array();
  manifest["rank_programs"] = nlohmann::json::array();
  for (const JobProgram& jp : jobs) {
    const ir::RankProgram& program = jp.program;
    manifest["programs"].push_back({{"name", program.name},
                                    {"ranks", program.ranks},
                                    {"ir", "programs/" + program.name + ".ir"},
                                    {"arena_bytes", program.plan.arenaBytes}});
    for (int r : program.ranks)
      manifest["rank_programs"].push_back({{"rank", r},
                                           {"program", program.name},
                                           {"executable", library ? "" : "bin/rank_" + std::to_string(r)},
                                           {"weights", "weights/rank_" + std::to_string(r) + ".bin"}});
  }
  if (pipelined) {
    // The point-to-point messages between stages, for `shardc run` to say which cross hosts.
    manifest["transfers"] = nlohmann::json::array();
    for (const JobProgram& jp : jobs)
      for (const auto& t : jp.program.pipeline.sends) {
        const ir::Value& v = jp.program.graph.value(jp.program.graph.outputs()[size_t(t.tensor)]);
        manifest["transfers"].push_back({{"value", v.name},
                                         {"from", jp.firstRank + t.rank},
                                         {"to", t.peer},
                                         {"bytes", v.type.shape.numElements() * int64_t(ir::dtypeSize(v.type.dtype)) * M}});
      }
    manifest["micro_batches"] = M;
    for (const JobProgram& jp : jobs)
      manifest["stages"].push_back({{"stage", jp.program.pipeline.stage},
                                    {"ranks", jp.program.ranks},
                                    {"program", jp.program.name},
                                    {"mesh", jp.program.mesh.shape}});
  }
  if (library)
    manifest["library"] = {{"name", libName},
                           {"object", "lib/" + libName + ".o"},
                           {"header", "include/" + libName + ".h"},
                           {"descriptor", libName + "_program"}};
  frontend::writeFileAtomically(out.path("manifest.json"), manifest.dump(2) + "\n");
  if (pipelined) frontend::writeFileAtomically(out.path("report.json"), pipelineReport(jobs, stageReport, weightBytes, M).dump(2) + "\n");
  out.commit();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!options.quiet)
    log << fmt::format("shardc: compiled {} ops into {} ({} rank{}{}, arena {} bytes) in {:.2f} s\n", global.ops().size(),
                       options.outDir, jobRanks, jobRanks == 1 ? "" : "s",
                       pipelined ? fmt::format(", {} stage(s), {} micro-batch(es)", jobs.size(), M) : "",
                       jobs[0].program.plan.arenaBytes, seconds);
}

}  // namespace

void compileGraph(const ir::Graph& wholeBatchGraph, const CompileOptions& options, std::ostream& log) {
  auto start = std::chrono::steady_clock::now();
  const int64_t M = std::max<int64_t>(options.microBatches, 1);
  const ir::Graph& global = M > 1 ? *options.microBatchGraph : wholeBatchGraph;
  if (M > 1) checkMicroBatches(wholeBatchGraph, global, M);
  bool staged = false;
  for (const auto& [key, op] : options.strategy.ops) staged = staged || op.stage > 0;
  bool pipelined = options.stages > 1 || M > 1 || staged;
  bool library = std::find(options.emit.begin(), options.emit.end(), "lib") != options.emit.end();
  if (pipelined && library)
    ir::fail("--emit lib: a pipeline (--stages, --micro-batches or stages in the strategy) is one program per stage; "
             "only whole-job programs can be embedded");
  if (pipelined && options.localInputs)
    ir::fail("--local-inputs: pipeline stages take whole inputs (a stage's ranks hold its inputs whole)");

  std::map<std::string, std::shared_ptr<const ir::Tensor>> paramData;
  for (ir::ValueId p : global.params()) paramData[global.value(p).name] = global.value(p).data;
  StageReport stageReport;
  std::vector<JobProgram> jobs;
  if (pipelined) {
    jobs = buildStages(global, options, stageReport, log);
    planTransfers(jobs, global, M);
  } else {
    jobs.resize(1);
    jobs[0].program.name = "program_0";
    buildProgram(jobs[0], global, options, options.ranks, options.mesh, true, log);
  }
  emitJob(jobs, global, wholeBatchGraph, paramData, options, pipelined, library, M, stageReport, start, log);
}

void compilePerRank(const CompileOptions& options, std::ostream& log) {
  auto start = std::chrono::steady_clock::now();
  if (std::find(options.emit.begin(), options.emit.end(), "lib") != options.emit.end())
    ir::fail("--emit lib: --per-rank programs are one per rank; only whole-job programs can be embedded");
  if (options.stages > 1 || options.microBatches > 1 || !options.strategy.ops.empty() || options.localInputs)
    ir::fail("--per-rank: each rank's graph is already partitioned (no --strategy, --stages, --micro-batches or "
             "--local-inputs)");
  // The files rank_0, rank_1, ... as many as --ranks says, or as exist.
  std::vector<std::string> files;
  for (int64_t r = 0;; ++r) {
    std::string f = options.perRank;
    for (size_t at = f.find("{rank}"); at != std::string::npos; at = f.find("{rank}")) f.replace(at, 6, std::to_string(r));
    if (f == options.perRank) ir::fail("--per-rank '{}': the pattern has no {{rank}}", options.perRank);
    bool wanted = options.ranks > 1 ? r < options.ranks : true;
    if (!wanted) break;
    if (!std::filesystem::exists(f)) {
      if (options.ranks > 1 || r == 0) ir::fail("--per-rank: {}: no such file (rank {})", f, r);
      break;
    }
    files.push_back(f);
  }
  const int64_t N = int64_t(files.size());
  std::vector<ir::Graph> graphs;
  for (const auto& f : files) graphs.push_back(options.loadRankGraph(f));
  // Every group any rank names, in one order for all.
  std::set<std::vector<int64_t>> groups;
  for (int64_t r = 0; r < N; ++r)
    for (const ir::Op& op : graphs[size_t(r)].ops())
      if (op.attrs.has("group_ranks")) {
        std::vector<int64_t> g = op.attrs.getInts("group_ranks");
        if (std::find(g.begin(), g.end(), r) == g.end())
          ir::fail("{}: {}: its group {} does not hold rank {}", files[size_t(r)], ir::describeOp(graphs[size_t(r)], op),
                   fmt::format("[{}]", fmt::join(g, ", ")), r);
        for (int64_t m : g)
          if (m < 0 || m >= N) ir::fail("{}: {}: group rank {} is not one of the {} ranks", files[size_t(r)],
                                        ir::describeOp(graphs[size_t(r)], op), m, N);
        groups.insert(g);
      }
  std::vector<JobProgram> jobs(static_cast<size_t>(N));
  for (int64_t r = 0; r < N; ++r) {
    JobProgram& jp = jobs[size_t(r)];
    jp.firstRank = int(r);
    jp.program.name = "program_" + std::to_string(r);
    for (ir::ValueId p : graphs[size_t(r)].params()) jp.ownParams[graphs[size_t(r)].value(p).name] = graphs[size_t(r)].value(p).data;
    buildProgram(jp, graphs[size_t(r)], options, 1, {}, false, log);
    jp.program.mesh = ir::DeviceMesh({N});
    jp.program.jobRank = r;
    jp.program.rankGroups.assign(groups.begin(), groups.end());
  }
  CompileOptions o = options;
  o.modelPath = options.perRank;
  emitJob(jobs, graphs[0], graphs[0], jobs[0].ownParams, o, false, false, 1, {}, start, log);
}

}  // namespace shardc::tools
