// An ir graph — a model's global graph or one rank's program — as a new-style MindIR file with MindSpore's primitive
// names, as MindSpore's distributed export writes each rank's graph (`shardc export --format mindir`): parameters
// with their (local) data, the collectives as AllReduce, AllGather, ReduceScatter and AlltoAll with `group`,
// `group_ranks` and `rank_size`, a ShardSlice as the StridedSlice of the rank's block. MindIR's importer reads every
// primitive written here back to the same computation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/mindspore_group_info.h"
#include "ir/graph.h"

namespace shardc::frontend {

// The name a group of ranks gets in exported MindIR files and their group-info file: "group_1-3". (MindSpore's
// own names hash the ranks with an implementation-defined hash; any name does, as the file lists it.)
std::string mindIrGroupName(const std::vector<int64_t>& ranks);

// The MindIR model's bytes. `jobRank` is the job rank whose program `g` is (as loadRankProgram gives it,
// collectives and rank-dependent ops carrying `group_ranks`): it places a ShardSlice's block and a vocabulary-split
// Gather's rows; a global graph has none. The groups the collectives use are added to `groups`. Throws
// ir::Unsupported naming `file` (the file being written, for messages) and the op for an op with no MindSpore form.
std::string serializeMindIrGraph(const ir::Graph& g, const std::string& file, std::optional<int64_t> jobRank = std::nullopt,
                                 GroupRanks* groups = nullptr);

// serializeMindIrGraph, written atomically to `path`.
void writeMindIrGraph(const ir::Graph& g, const std::string& path, std::optional<int64_t> jobRank = std::nullopt,
                      GroupRanks* groups = nullptr);

}  // namespace shardc::frontend
