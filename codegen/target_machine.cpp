#include "codegen/target_machine.h"

#include <mutex>

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Host.h>

#include "ir/error.h"

namespace shardc::codegen {
namespace {

void initialiseTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

// LLVM 16 does not know this machine's CPU by name ("generic"): without its features the code would be SSE2.
std::string hostFeatures() {
  llvm::StringMap<bool> features;
  std::string out;
  if (!llvm::sys::getHostCPUFeatures(features)) return out;
  std::vector<std::string> names;
  for (const auto& f : features) names.push_back((f.second ? "+" : "-") + f.first().str());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

struct ResolvedTarget {
  std::string triple, cpu, features;
};

ResolvedTarget resolve(const TargetOptions& o) {
  ResolvedTarget r;
  r.triple = o.triple.empty() ? llvm::sys::getDefaultTargetTriple() : o.triple;
  bool host = o.cpu.empty() && o.features.empty() && o.triple.empty();
  r.cpu = o.cpu.empty() ? (host ? llvm::sys::getHostCPUName().str() : "generic") : o.cpu;
  r.features = host ? hostFeatures() : o.features;
  return r;
}

}  // namespace

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetOptions& options, int optLevel) {
  initialiseTargets();
  ResolvedTarget r = resolve(options);
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(r.triple, error);
  if (!target) ir::fail("--target '{}': {}", r.triple, error);
  llvm::TargetOptions to;
  auto level = optLevel >= 3 ? llvm::CodeGenOpt::Aggressive
                             : optLevel == 2 ? llvm::CodeGenOpt::Default
                                             : optLevel == 1 ? llvm::CodeGenOpt::Less : llvm::CodeGenOpt::None;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(r.triple, r.cpu, r.features, to, llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm) ir::fail("cannot create a target machine for {} (cpu '{}')", r.triple, r.cpu);
  return tm;
}

std::string describeTarget(const TargetOptions& options) {
  initialiseTargets();
  ResolvedTarget r = resolve(options);
  return r.triple + ", cpu " + r.cpu + (r.features.empty() ? "" : ", " + r.features);
}

}  // namespace shardc::codegen
