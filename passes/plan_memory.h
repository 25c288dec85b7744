// plan-memory: places every intermediate of a rank program in one arena, reusing space whose value is dead.
#pragma once

#include <string>

#include "ir/rank_program.h"

namespace shardc::passes {

// Offsets for every value computed into the arena. Inputs, parameters and graph outputs live in their own
// buffers; values inside a fused group get none; a Reshape's result aliases its operand's buffer unless it is a
// graph output. Offsets are kArenaAlignment-aligned; two values share bytes only when their lifetimes (from the
// op that writes one to the last op that reads it, fused members reading at their group's root) are disjoint.
ir::BufferPlan planMemory(const ir::Graph& g);

// One line per arena value: "%name: offset 0, 3136 bytes, live [2, 5]", then the arena size.
std::string printBufferPlan(const ir::Graph& g, const ir::BufferPlan& plan);

}  // namespace shardc::passes
