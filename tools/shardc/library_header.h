// The C header `shardc compile --emit lib` writes beside the library object: the program's descriptor symbol, its
// inputs and outputs, rank count and weight files.
#pragma once

#include <string>

#include "ir/graph.h"

namespace shardc::tools {

// A C identifier from a file stem: letters, digits and '_' kept, anything else '_', a leading digit prefixed.
std::string libraryName(const std::string& stem);

// The header of library `name` for `program` (the rank program: its inputs and outputs as each rank sees them)
// over `ranks` ranks, whose weight files are weightsPattern ("{rank}" for the rank).
std::string libraryHeader(const std::string& name, const ir::Graph& program, int64_t ranks,
                          const std::string& weightsPattern, const std::string& modelPath);

}  // namespace shardc::tools
