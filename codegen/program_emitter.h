// Builds the LLVM module of one rank program: a kernel function per op (or fused group), the run function that
// calls them on the arena's buffers, and the `shardc_program` descriptor the runtime reads.
#pragma once

#include <memory>

#include "ir/rank_program.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
}  // namespace llvm

namespace shardc::codegen {

std::unique_ptr<llvm::Module> buildProgramModule(llvm::LLVMContext& ctx, const ir::RankProgram& program,
                                                 const std::string& programSymbol,
                                                 llvm::TargetMachine& tm);

}  // namespace shardc::codegen
