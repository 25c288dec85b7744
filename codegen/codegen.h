// Code generation: one rank program in, one object file out (or its LLVM IR / assembly), and the link of
// objects with the runtime into an executable. No LLVM type crosses this header.
#pragma once

#include <string>
#include <vector>

#include "ir/rank_program.h"

namespace shardc::codegen {

enum class EmitKind { Object, LlvmIr, Assembly };

struct TargetOptions {
  std::string triple;    // empty: the host's
  std::string cpu;       // empty: the host's (LLVM 16 calls this machine "generic"), e.g. "x86-64-v3"
  std::string features;  // empty with an empty cpu: the host's features; e.g. "+avx2,+fma"
};

struct CodegenOptions {
  TargetOptions target;
  int optLevel = 3;
  std::string programSymbol = "shardc_program";  // the descriptor's name (a library's: <name>_program)
};

// Emits `program` (static shapes, buffer plan) as a module defining the runtime's descriptor, the external
// constant options.programSymbol.
// Throws ir::Unsupported for an op or element type codegen does not handle, ir::Error for a bad target.
void emitProgram(const ir::RankProgram& program, const CodegenOptions& options, EmitKind kind,
                 const std::string& path);

// "x86_64-pc-linux-gnu, cpu generic, +avx512f,+fma,..." as the code generator will see it.
std::string describeTarget(const TargetOptions& target);

struct LinkOptions {
  std::string compiler = "cc";
  std::vector<std::string> libraries;  // static libraries and linker flags, in order (runtime main, runtime, MPI)
};

// Links objects into an executable at outPath (written to a temporary name, then renamed). Throws ir::Error with
// the linker's first error line.
void linkExecutable(const std::vector<std::string>& objects, const LinkOptions& options, const std::string& outPath);

}  // namespace shardc::codegen
