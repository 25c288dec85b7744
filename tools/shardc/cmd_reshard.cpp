// shardc reshard: training's checkpoint slices turned into the slices of another strategy (other ranks, another
// split) or, with --to none, into one whole checkpoint — what MindSpore's transform_checkpoints does, streaming.
#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/strategy_file.h"
#include "tools/shardc/checkpoint_files.h"
#include "tools/shardc/commands.h"

namespace shardc::tools {

void addReshardCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string from, to, output, format = "ckpt";
    std::vector<std::string> checkpoint;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("reshard", "Turn checkpoint slices saved under one strategy into another's");
  cmd->add_option("--from", args->from, "The strategy the slices were saved with")->required()->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", args->checkpoint,
                  "The slices: a directory DIR/rank_K/*.ckpt, a pattern such as ckpt/rank_{rank}/net.ckpt, or the "
                  "files in rank order")
      ->required();
  cmd->add_option("--to", args->to, "The target strategy, or none for one whole checkpoint")->required();
  cmd->add_option("-o,--output", args->output, "The output directory: DIR/rank_K/net.ckpt (replaced only when complete)")
      ->required();
  cmd->add_option("--format", args->format, "ckpt (default) or safetensors")->check(CLI::IsMember({"ckpt", "safetensors"}));
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->callback([args, &out, &status] {
    ir::StrategyMap fromStrategy = frontend::readStrategyFile(args->from);
    int64_t fromRanks = strategyRanks(fromStrategy, args->from);
    frontend::CheckpointLayout to;
    if (args->to != "none") {
      ir::StrategyMap toStrategy = frontend::readStrategyFile(args->to);
      to = frontend::checkpointLayoutOf(toStrategy, strategyRanks(toStrategy, args->to));
    }
    auto sources = openSlices(resolveSliceFiles(args->checkpoint, fromRanks));
    reshardToDirectory(pointers(sources), frontend::checkpointLayoutOf(fromStrategy, fromRanks), to, args->output,
                       frontend::parseCheckpointFormat(args->format), out, args->quiet);
    status = 0;
  });
}

}  // namespace shardc::tools
