// Reads the text form that printer.h writes.
#pragma once

#include <string>
#include <string_view>

#include "ir/graph.h"

namespace shardc::ir {

// Throws ir::Error "<source>:<line>:<col>: <what was expected>" on malformed text.
Graph parseGraph(std::string_view text, const std::string& source = "<text>");

}  // namespace shardc::ir
