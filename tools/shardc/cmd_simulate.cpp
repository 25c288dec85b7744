// shardc simulate: the cost model's estimate of a job too large to run here (up to thousands of ranks): time per
// run and parameter bytes per rank, for a strategy given whole or completed by the search.
#include <ostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "frontend/strategy_file.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/machine_calibration.h"
#include "tools/shardc/model_loading.h"
#include "tools/shardc/strategy_search_report.h"

namespace shardc::tools {

void addSimulateCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    int64_t ranks = 1;
    std::string strategy, machine, algorithm = "auto";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("simulate", "Estimate time and memory per rank from the cost model alone");
  cmd->add_option("model", args->model.path, "The model (.onnx or .mindir)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--ranks", args->ranks, "Ranks of the job")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--strategy", args->strategy, "The strategy (ops it leaves open are searched)")->check(CLI::ExistingFile);
  cmd->add_option("--machine", args->machine, "The machine file `shardc calibrate` wrote")->check(CLI::ExistingFile);
  cmd->add_option("--search", args->algorithm, "For open ops: propagate, dp, exact or auto (default)")
      ->check(CLI::IsMember({"propagate", "exact", "dp", "auto"}));
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    ir::Graph g = loadModel(args->model, out);
    ir::StrategyMap fixed;
    if (!args->strategy.empty()) fixed = frontend::readStrategyFile(args->strategy);
    passes::SearchOptions o;
    o.devices = args->ranks;
    o.algorithm = parseSearchAlgorithm(args->algorithm);
    if (!args->machine.empty()) o.machine = readMachineModel(args->machine);
    passes::SearchResult r = searchWithFixed(g, fixed, o);
    size_t open = 0;
    for (const auto& c : r.choices) open += !c.fixed;
    out << fmt::format("simulate: {} ranks, {} deciding ops ({} searched): estimated {:.3f} ms per run, {} bytes of "
                       "parameters and {} of activations per rank\n",
                       args->ranks, r.choices.size(), open, r.totalCost * 1e3, r.paramBytesPerRank,
                       r.activationBytesPerRank);
    status = 0;
  });
}

}  // namespace shardc::tools
