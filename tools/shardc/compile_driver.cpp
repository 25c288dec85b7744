#include "tools/shardc/compile_driver.h"

#include "tools/shardc/library_header.h"

#include <chrono>
#include <map>
#include <optional>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "codegen/runtime_abi.h"
#include "frontend/atomic_file.h"
#include "frontend/strategy_file.h"
#include "ir/error.h"
#include "ir/printer.h"
#include "ir/tensor_box.h"
#include "passes/assign_strategies.h"
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
void writeWeightsFromCheckpoint(const ir::Graph& global, const ir::RankProgram& program, const passes::ParallelPlan* plan,
                                const std::map<std::string, std::shared_ptr<const ir::Tensor>>& paramData,
                                const CompileOptions& options, const OutputDirectory& out, std::ostream& log) {
  std::string strategyPath = options.checkpointStrategy.empty() ? options.strategyPath : options.checkpointStrategy;
  if (strategyPath.empty())
    ir::fail("--checkpoint: say how the slices were saved with --checkpoint-strategy (a strategy file, or none for "
             "one whole checkpoint)");
  CheckpointWeightsJob job;
  job.program = &program.graph;
  job.global = &global;
  job.ranks = static_cast<int64_t>(program.ranks.size());
  if (plan)
    for (ir::ValueId p : program.graph.params())
      if (plan->layouts[size_t(p)]) job.layouts[program.graph.value(p).name] = *plan->layouts[size_t(p)];
  job.modelData = &paramData;
  job.quiet = options.quiet;
  if (strategyPath != "none") {
    ir::StrategyMap saved = frontend::readStrategyFile(strategyPath);
    job.sourceLayout = frontend::checkpointLayoutOf(saved, strategyRanks(saved, strategyPath));
  }
  auto readers = openSlices(resolveSliceFiles(options.checkpoint, job.sourceLayout.ranks));
  job.sources = pointers(readers);
  job.weightsPath = [&](int64_t r) { return out.path("weights/rank_" + std::to_string(r) + ".bin"); };
  frontend::ReshardStats stats = writeCheckpointWeights(job, log);
  if (!options.quiet)
    log << fmt::format("weights from {} checkpoint file(s): {} tensors, {} bytes read\n", readers.size(), stats.tensors,
                       stats.bytesRead);
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

void compileGraph(const ir::Graph& global, const CompileOptions& options, std::ostream& log) {
  auto start = std::chrono::steady_clock::now();
  ir::RankProgram program;
  program.name = "program_0";
  program.mesh = options.mesh.rank() ? options.mesh : ir::DeviceMesh({1});
  for (int64_t r = 0; r < program.mesh.numRanks(); ++r) program.ranks.push_back(int(r));
  program.graph = global;
  std::map<std::string, std::shared_ptr<const ir::Tensor>> paramData;
  for (ir::ValueId p : global.params()) paramData[global.value(p).name] = global.value(p).data;
  std::optional<passes::ParallelPlan> parallel;
  auto dump = [&](const std::string& pass) {
    if (!options.dumpAfter.count(pass) && !options.dumpAfter.count("all")) return;
    log << "// ----- after " << pass << " -----\n" << ir::printGraph(program.graph);
    if (pass == "propagate-layouts")
      for (size_t v = 0; v < parallel->layouts.size(); ++v)
        if (parallel->layouts[v]) log << "// %" << program.graph.value(ir::ValueId(v)).name << ": " << parallel->layouts[v]->str() << "\n";
  };
  if (options.ranks > 1 || !options.strategy.ops.empty()) {
    passes::assignStrategies(program.graph, options.strategy);
    dump("assign-strategies");
    parallel = passes::propagateLayouts(program.graph, options.ranks, options.mesh, options.localInputs);
    dump("propagate-layouts");
    passes::lowerSplitReductions(program.graph, *parallel);
    dump("lower-split-reductions");
    passes::insertRedistribution(program.graph, *parallel);
    dump("insert-redistribution");
    passes::partition(program.graph, *parallel);
    dump("partition");
    program.mesh = parallel->mesh;
    program.ranks.clear();
    for (int64_t r = 0; r < program.mesh.numRanks(); ++r) program.ranks.push_back(int(r));
  }
  if (parallel && options.localInputs)
    for (size_t i = 0; i < global.inputs().size(); ++i) {
      ir::RankProgram::PartialInput in;
      in.globalDims = global.value(global.inputs()[i]).type.shape.dims;
      const auto& layout = parallel->layouts[size_t(program.graph.inputs()[i])];
      for (int r : program.ranks)
        in.offsets.push_back(layout ? layout->box(r).offset : std::vector<int64_t>(in.globalDims.size(), 0));
      program.partialInputs.push_back(std::move(in));
    }
  passes::runFuseElementwise(program.graph);
  dump("fuse");
  program.plan = passes::planMemory(program.graph);
  if (options.dumpAfter.count("plan-memory") || options.dumpAfter.count("all"))
    log << "// ----- after plan-memory -----\n" << passes::printBufferPlan(program.graph, program.plan);

  OutputDirectory out(options.outDir);
  bool library = std::find(options.emit.begin(), options.emit.end(), "lib") != options.emit.end();
  std::string libName;
  if (library) {
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
  std::string object = out.path("obj/program_0.o");
  if (!library) codegen::emitProgram(program, options.codegen, codegen::EmitKind::Object, object);
  for (const auto& e : options.emit) {
    if (e == "obj") codegen::emitProgram(program, options.codegen, codegen::EmitKind::Object, out.path("programs/program_0.o"));
    if (e == "llvm-ir") codegen::emitProgram(program, options.codegen, codegen::EmitKind::LlvmIr, out.path("programs/program_0.ll"));
    if (e == "asm") codegen::emitProgram(program, options.codegen, codegen::EmitKind::Assembly, out.path("programs/program_0.s"));
  }
  if (!library) {
    codegen::linkExecutable({object}, runtimeLinkOptions(), out.path("bin/rank_0"));
    // One SPMD program: every rank's executable is the same file.
    for (int r = 1; r < static_cast<int>(program.ranks.size()); ++r)
      std::filesystem::create_hard_link(out.path("bin/rank_0"), out.path("bin/rank_" + std::to_string(r)));
    std::filesystem::remove_all(out.root() / "obj");
  }
  if (parallel) {
    // What the job was compiled with, as MindSpore's infer_predict_layout gives it: per op its strategy, per
    // parameter its layout.
    ir::StrategyMap final;
    final.mesh = program.mesh;
    for (const auto& op : program.graph.ops())
      if (auto s = passes::assignedStrategy(op)) final.ops[passes::strategyKey(program.graph, op)] = *s;
    for (ir::ValueId p : program.graph.params())
      if (parallel->layouts[size_t(p)]) {
        ir::ParamLayout pl;
        pl.layout = *parallel->layouts[size_t(p)];
        final.params[program.graph.value(p).name] = pl;
      }
    frontend::writeStrategyFile(final, out.path("strategy.json"), frontend::StrategyFormat::Shardc);
    if (!options.strategyFormat.empty() && options.strategyFormat != "shardc") {
      auto f = frontend::parseStrategyFormat(options.strategyFormat);
      frontend::writeStrategyFile(final, out.path(f == frontend::StrategyFormat::MindSporeJson ? "strategy.mindspore.json" : "strategy.ckpt"), f);
    }
  }
  if (!options.checkpoint.empty()) {
    writeWeightsFromCheckpoint(global, program, parallel ? &*parallel : nullptr, paramData, options, out, log);
  } else if (parallel) {
    for (int r : program.ranks)
      writeWeights(program.graph, paramData, &*parallel, r, out.path("weights/rank_" + std::to_string(r) + ".bin"));
  } else {
    // Whole parameters on every rank: one file, linked per rank.
    writeWeights(program.graph, paramData, nullptr, 0, out.path("weights/rank_0.bin"));
    for (int r = 1; r < static_cast<int>(program.ranks.size()); ++r)
      std::filesystem::create_hard_link(out.path("weights/rank_0.bin"), out.path("weights/rank_" + std::to_string(r) + ".bin"));
  }
  frontend::writeFileAtomically(out.path("programs/program_0.ir"),
                                ir::printGraph(program.graph) +
                                    commentLines("buffer plan\n" + passes::printBufferPlan(program.graph, program.plan)) +
                                    commentLines(layoutLines(program.graph, parallel ? &*parallel : nullptr)));

  nlohmann::json manifest;
  manifest["format"] = "shardc-manifest";
  manifest["version"] = 1;
  manifest["model"] = options.modelPath;
  manifest["target"] = codegen::describeTarget(options.codegen.target);
  manifest["ranks"] = program.ranks.size();
  manifest["mesh"] = program.mesh.shape;
  for (size_t i = 0; i < global.inputs().size(); ++i) {
    nlohmann::json in = describeValue(global.value(global.inputs()[i]));
    ir::ValueId local = program.graph.inputs()[i];
    if (parallel && parallel->layouts[size_t(local)]) {
      const ir::TensorLayout& l = *parallel->layouts[size_t(local)];
      in["layout"] = l.str();
      in["local_shape"] = l.localShape().dims;
      if (options.localInputs) {
        nlohmann::json boxes = nlohmann::json::array();
        for (int r : program.ranks) boxes.push_back({{"offset", l.box(r).offset}, {"extent", l.box(r).extent}});
        in["rank_boxes"] = boxes;
      }
    }
    manifest["inputs"].push_back(in);
  }
  for (ir::ValueId v : global.outputs()) manifest["outputs"].push_back(describeValue(global.value(v)));
  // The collectives a run makes, for `shardc run` to say which cross hosts once it knows them.
  manifest["collectives"] = nlohmann::json::array();
  for (const auto& op : program.graph.ops())
    if ((op.kind == ir::OpKind::AllReduce || op.kind == ir::OpKind::AllGather || op.kind == ir::OpKind::ReduceScatter ||
         op.kind == ir::OpKind::AllToAll) &&
        op.attrs.has("bytes"))
      manifest["collectives"].push_back({{"op", fmt::format("{} %{}", ir::opKindName(op.kind),
                                                           program.graph.value(op.results[0]).name)},
                                         {"axes", op.attrs.getInts("axes")},
                                         {"bytes", op.attrs.getInt("bytes", 0)}});
  manifest["programs"] = {{{"name", program.name},
                           {"ranks", program.ranks},
                           {"ir", "programs/program_0.ir"},
                           {"arena_bytes", program.plan.arenaBytes}}};
  manifest["rank_programs"] = nlohmann::json::array();
  for (int r : program.ranks)
    manifest["rank_programs"].push_back({{"rank", r},
                                         {"program", program.name},
                                         {"executable", library ? "" : "bin/rank_" + std::to_string(r)},
                                         {"weights", "weights/rank_" + std::to_string(r) + ".bin"}});
  if (library)
    manifest["library"] = {{"name", libName},
                           {"object", "lib/" + libName + ".o"},
                           {"header", "include/" + libName + ".h"},
                           {"descriptor", libName + "_program"}};
  frontend::writeFileAtomically(out.path("manifest.json"), manifest.dump(2) + "\n");
  out.commit();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!options.quiet)
    log << fmt::format("shardc: compiled {} ops into {} ({} rank{}, arena {} bytes) in {:.2f} s\n", global.ops().size(),
                       options.outDir, program.ranks.size(), program.ranks.size() == 1 ? "" : "s",
                       program.plan.arenaBytes, seconds);
}

}  // namespace shardc::tools
