// --input NAME=FILE.npy / --input FILE.npy: binding .npy files to a graph's inputs.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace shardc::tools {

// One tensor per graph input, in input order. Named entries bind by name; bare file names fill the inputs not
// named, in order. Throws ir::Error for an unknown name, a missing or extra input, or an unreadable file.
std::vector<ir::Tensor> bindInputs(const ir::Graph& g, const std::vector<std::string>& args);

// A file name for a value name: characters that cannot stand in a file name become '_'.
std::string fileNameFor(const std::string& valueName);

}  // namespace shardc::tools
