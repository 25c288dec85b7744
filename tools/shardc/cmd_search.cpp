// shardc search: chooses the strategies a model's ops lack (the role of MindSpore's infer_predict_layout) and
// writes them in any of the three strategy formats, with a summary and optionally report.json.
#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/atomic_file.h"
#include "frontend/strategy_file.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/model_loading.h"
#include "tools/shardc/strategy_search_report.h"

namespace shardc::tools {

void addSearchCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    ModelOptions model;
    int64_t ranks = 1;
    std::string fixed, output, format = "shardc", algorithm = "auto", report;
    int64_t memoryLimit = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("search", "Choose the strategies of the ops a strategy file leaves open");
  cmd->add_option("model", args->model.path, "The model (.onnx)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--ranks", args->ranks, "Ranks of the job")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--strategy", args->fixed, "Strategies to keep (the training strategy, or a few annotations)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--search", args->algorithm, "exact, dp (graph elimination) or auto (default)")
      ->check(CLI::IsMember({"exact", "dp", "auto"}));
  cmd->add_option("--memory-limit", args->memoryLimit, "Parameter bytes per rank (default: no limit)");
  cmd->add_option("-o,--output", args->output, "The strategy file to write")->required();
  cmd->add_option("--format", args->format, "shardc (default), mindspore-json or mindspore-pb")
      ->check(CLI::IsMember({"shardc", "mindspore-json", "mindspore-pb"}));
  cmd->add_option("--report", args->report, "Also write the choices, costs and runners-up as JSON");
  addModelOptions(*cmd, args->model);
  cmd->callback([args, &out, &status] {
    ir::Graph g = loadModel(args->model, out);
    ir::StrategyMap fixed;
    if (!args->fixed.empty()) fixed = frontend::readStrategyFile(args->fixed);
    passes::SearchOptions o;
    o.devices = args->ranks;
    o.algorithm = parseSearchAlgorithm(args->algorithm);
    o.memoryLimit = args->memoryLimit;
    passes::SearchResult r = searchWithFixed(g, fixed, o);
    printSearchSummary(r, out);
    frontend::writeStrategyFile(r.strategies, args->output, frontend::parseStrategyFormat(args->format));
    if (!args->report.empty()) frontend::writeFileAtomically(args->report, searchReportJson(r, args->ranks));
    out << "wrote " << args->output << "\n";
    status = 0;
  });
}

}  // namespace shardc::tools
