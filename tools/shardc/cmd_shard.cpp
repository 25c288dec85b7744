// shardc shard: a whole checkpoint split as training with that strategy would have saved it, one file per rank in
// MindSpore's layout DIR/rank_K/net.ckpt (for users who trained on one device, and for tests and demos).
#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/strategy_file.h"
#include "tools/shardc/checkpoint_files.h"
#include "tools/shardc/commands.h"

namespace shardc::tools {

void addShardCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string strategy, checkpoint, output, format = "ckpt";
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("shard", "Split a whole checkpoint into per-rank slices as a strategy lays them");
  cmd->add_option("--strategy", args->strategy, "The strategy whose parameter layouts cut the slices")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", args->checkpoint, "The whole checkpoint (.ckpt or .safetensors)")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->output, "The output directory: DIR/rank_K/net.ckpt (replaced only when complete)")
      ->required();
  cmd->add_option("--format", args->format, "ckpt (default) or safetensors")->check(CLI::IsMember({"ckpt", "safetensors"}));
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->callback([args, &out, &status] {
    ir::StrategyMap s = frontend::readStrategyFile(args->strategy);
    int64_t ranks = strategyRanks(s, args->strategy);
    auto sources = openSlices({args->checkpoint});
    reshardToDirectory(pointers(sources), frontend::CheckpointLayout{}, frontend::checkpointLayoutOf(s, ranks),
                       args->output, frontend::parseCheckpointFormat(args->format), out, args->quiet);
    status = 0;
  });
}

}  // namespace shardc::tools
