// shardc inspect of a checkpoint: each tensor's name, dtype, shape, bytes and CRC-32 of its content (read in
// bounded pieces), so two checkpoints can be compared tensor by tensor.
#pragma once

#include <string>

namespace shardc::tools {

std::string describeCheckpoint(const std::string& path);

}  // namespace shardc::tools
