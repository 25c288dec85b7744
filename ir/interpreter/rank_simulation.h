// A job's rank programs run in memory, in lockstep, by the reference interpreter: every op on every rank in
// program order, each collective combining the operands of its group. The check that one rank's program (as
// `shardc export` writes it) computes that rank's part of the result.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace shardc::ir {

// programs[r] is rank r's program; its collectives (AllReduce, AllGather, ReduceScatter, AllToAll), ShardSlice and
// vocabulary-split Gathers carry `group_ranks`, the job ranks of the rank's group in group order (the rank's place
// in it is its coordinate). Every program must have the same ops in the same order (an SPMD job). Returns each
// rank's outputs. Throws ir::Error naming the op and rank that cannot be simulated.
std::vector<std::vector<Tensor>> interpretRanks(const std::vector<Graph>& programs,
                                                const std::vector<std::vector<Tensor>>& inputs);

}  // namespace shardc::ir
