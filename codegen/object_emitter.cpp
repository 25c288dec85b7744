// emitProgram: build the module, run LLVM's O3 pipeline for the target, write an object, assembly or IR.
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include "codegen/codegen.h"
#include "codegen/program_emitter.h"
#include "codegen/target_machine.h"
#include "ir/error.h"

namespace shardc::codegen {
namespace {

void optimise(llvm::Module& m, llvm::TargetMachine& tm, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = optLevel == 0 ? pb.buildO0DefaultPipeline(level) : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(m, mam);
}

}  // namespace

void emitProgram(const ir::RankProgram& program, const CodegenOptions& options, EmitKind kind,
                 const std::string& path) {
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options.target, options.optLevel);
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> m = buildProgramModule(ctx, program, options.programSymbol, *tm);
  optimise(*m, *tm, options.optLevel);

  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, kind == EmitKind::Object ? llvm::sys::fs::OF_None : llvm::sys::fs::OF_Text);
  if (ec) ir::fail("{}: cannot write: {}", path, ec.message());
  if (kind == EmitKind::LlvmIr) {
    m->print(out, nullptr);
  } else {
    llvm::legacy::PassManager pm;
    auto fileType = kind == EmitKind::Object ? llvm::CGFT_ObjectFile : llvm::CGFT_AssemblyFile;
    if (tm->addPassesToEmitFile(pm, out, nullptr, fileType))
      ir::fail("the target {} cannot emit this file type", tm->getTargetTriple().str());
    pm.run(*m);
  }
  out.flush();
  if (out.has_error()) ir::fail("{}: cannot write: {}", path, out.error().message());
}

}  // namespace shardc::codegen
