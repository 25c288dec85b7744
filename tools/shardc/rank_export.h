// One rank's program as `shardc compile` left it in OUT: the local graph (programs/<program>.ir) with the rank's
// weights (weights/rank_K.bin) as its parameters' data, and, on every collective and rank-dependent op, the job
// ranks of the rank's group (`group_ranks`) — what the rank computes, with nothing left to the runtime.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace shardc::tools {

// The number of ranks the compiled job has.
int64_t compiledRanks(const std::string& outDir);

// Rank `rank`'s program. Throws ir::Error naming the file at fault (no manifest, a program or weights file missing
// or not matching the program).
ir::Graph loadRankProgram(const std::string& outDir, int64_t rank);

}  // namespace shardc::tools
