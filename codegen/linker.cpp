// Linking objects with the runtime by the system's C compiler driver (it knows the C library's start files).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen/codegen.h"
#include "ir/error.h"

namespace shardc::codegen {
namespace {

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void linkExecutable(const std::vector<std::string>& objects, const LinkOptions& options, const std::string& outPath) {
  std::string tmp = outPath + ".link." + std::to_string(::getpid());
  std::string log = tmp + ".log";
  std::string cmd = shellQuote(options.compiler) + " -o " + shellQuote(tmp);
  for (const auto& o : objects) cmd += " " + shellQuote(o);
  for (const auto& l : options.libraries) cmd += " " + shellQuote(l);
  cmd += " -lm -lstdc++ > " + shellQuote(log) + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  std::string first, line;
  while (std::getline(in, line))
    if (first.empty() && !line.empty()) first = line;
  std::filesystem::remove(log);
  if (rc != 0) {
    std::filesystem::remove(tmp);
    ir::fail("linking {} failed: {}", outPath, first.empty() ? "the linker exited with status " + std::to_string(rc) : first);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, outPath, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    ir::fail("{}: cannot write: {}", outPath, ec.message());
  }
}

}  // namespace shardc::codegen
