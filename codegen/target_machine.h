// The LLVM target machine for a TargetOptions: the host by default, with the host's CPU features.
#pragma once

#include <memory>

#include "codegen/codegen.h"

namespace llvm {
class TargetMachine;
}

namespace shardc::codegen {

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions& options, int optLevel);

}  // namespace shardc::codegen
