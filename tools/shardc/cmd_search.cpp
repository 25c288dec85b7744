// shardc search: chooses the strategies a model's ops lack (the role of MindSpore's infer_predict_layout) and
// writes them in any of the three strategy formats, with a summary and optionally report.json.
#include <filesystem>
#include <ostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "frontend/atomic_file.h"
#include "frontend/strategy_file.h"
#include "passes/assign_strategies.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/machine_calibration.h"
#include "tools/shardc/model_loading.h"
#include "tools/shardc/strategy_search_report.h"

namespace shardc::tools {

void addSearchCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    int64_t ranks = 1;
    std::string fixed, output, format = "shardc", algorithm = "auto", report;
    int64_t memoryLimit = 0;
    std::string enumerateDir, machine;
    double within = 3.0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("search", "Choose the strategies of the ops a strategy file leaves open");
  cmd->add_option("model", args->model.path, "The model (.onnx or .mindir)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--ranks", args->ranks, "Ranks of the job")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--strategy", args->fixed, "Strategies to keep (the training strategy, or a few annotations)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--search", args->algorithm,
                  "propagate (greedy from the fixed ops), dp (graph elimination), exact (branch and bound) or auto "
                  "(default)")
      ->check(CLI::IsMember({"propagate", "exact", "dp", "auto"}));
  cmd->add_option("--memory-limit", args->memoryLimit,
                  "Bytes per rank, parameters and peak activations (default: no limit)");
  cmd->add_option("-o,--output", args->output, "The strategy file to write")->required();
  cmd->add_option("--format", args->format, "shardc (default), mindspore-json or mindspore-pb")
      ->check(CLI::IsMember({"shardc", "mindspore-json", "mindspore-pb"}));
  cmd->add_option("--report", args->report, "Also write the choices, costs and runners-up as JSON");
  cmd->add_option("--enumerate", args->enumerateDir,
                  "Instead, write every complete strategy within --within of the best as DIR/strategy_N.json, cheapest "
                  "first, and DIR/estimates.tsv (N, estimated seconds)");
  cmd->add_option("--machine", args->machine, "The machine file `shardc calibrate` wrote (default: built-in figures)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--within", args->within, "With --enumerate: the cost ratio to the best (default 3)");
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    ir::Graph g = loadModel(args->model, out);
    ir::StrategyMap fixed;
    if (!args->fixed.empty()) fixed = frontend::readStrategyFile(args->fixed);
    passes::SearchOptions o;
    o.devices = args->ranks;
    o.algorithm = parseSearchAlgorithm(args->algorithm);
    o.memoryLimit = args->memoryLimit;
    if (!args->machine.empty()) o.machine = readMachineModel(args->machine);
    if (!args->enumerateDir.empty()) {
      ir::Graph copy = g;
      passes::assignStrategies(copy, fixed);
      auto all = passes::enumerateStrategies(copy, o, args->within);
      std::filesystem::create_directories(args->enumerateDir);
      std::string tsv;
      for (size_t i = 0; i < all.size(); ++i) {
        ir::StrategyMap s = fixed;
        for (const auto& [k, v] : all[i].strategies.ops) s.ops[k] = v;
        frontend::writeStrategyFile(s, args->enumerateDir + "/strategy_" + std::to_string(i) + ".json",
                                    frontend::StrategyFormat::Shardc);
        tsv += fmt::format("{}\t{:.9g}\n", i, all[i].estimatedCost);
      }
      frontend::writeFileAtomically(args->enumerateDir + "/estimates.tsv", tsv);
      out << "wrote " << all.size() << " strategies within " << args->within << "x of the best to " << args->enumerateDir << "\n";
      status = 0;
      return;
    }
    passes::SearchResult r = searchWithFixed(g, fixed, o);
    printSearchSummary(r, out);
    frontend::writeStrategyFile(r.strategies, args->output, frontend::parseStrategyFormat(args->format));
    if (!args->report.empty()) frontend::writeFileAtomically(args->report, searchReportJson(r, args->ranks));
    out << "wrote " << args->output << "\n";
    status = 0;
  });
}

}  // namespace shardc::tools
