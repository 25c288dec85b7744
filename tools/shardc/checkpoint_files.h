// Where checkpoint slices are and where resharded ones go, as the CLI names them: MindSpore's directory layout
// DIR/rank_K/*.ckpt (the last file in name order, as MindSpore takes it), a pattern with {rank}, or a list.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "frontend/checkpoint_resharder.h"
#include "frontend/checkpoint_store.h"
#include "ir/strategy.h"

namespace shardc::tools {

// The slice files, one per rank in rank order. `ranks` (when > 0) is how many the strategy needs; a directory or
// pattern missing one of them is an error naming it, a list of another length too. `needs` says what needs
// `ranks` files in those errors (default: "a strategy of N ranks").
std::vector<std::string> resolveSliceFiles(const std::vector<std::string>& args, int64_t ranks,
                                           const std::string& needs = "");

// The rank count a strategy's parameter layouts are for (all must agree). Throws ir::Error naming `what` when the
// strategy lists no parameter layouts.
int64_t strategyRanks(const ir::StrategyMap& s, const std::string& what);

// Opens each file; the readers stay open while the vector lives.
std::vector<std::unique_ptr<frontend::CheckpointReader>> openSlices(const std::vector<std::string>& files);
std::vector<frontend::CheckpointReader*> pointers(const std::vector<std::unique_ptr<frontend::CheckpointReader>>& v);

// A progress line per parameter on `log` ("[12/64] layer3.weight: 384 MiB of 2.0 GiB"), unless quiet.
frontend::ReshardProgress progressLines(std::ostream& log, bool quiet, size_t params);

// Reshards `sources` (laid out as `from`) into OUT/rank_K/net.ckpt (or .safetensors) for every rank of `to`,
// written whole or not at all; prints a progress line per parameter and a summary unless quiet.
frontend::ReshardStats reshardToDirectory(const std::vector<frontend::CheckpointReader*>& sources,
                                          const frontend::CheckpointLayout& from, const frontend::CheckpointLayout& to,
                                          const std::string& outDir, frontend::CheckpointFormat format,
                                          std::ostream& log, bool quiet);

}  // namespace shardc::tools
