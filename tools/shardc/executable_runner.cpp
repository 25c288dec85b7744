#include "tools/shardc/executable_runner.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "frontend/npy.h"
#include "ir/error.h"
#include "tools/shardc/input_args.h"

namespace fs = std::filesystem;

namespace shardc::tools {
namespace {

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::vector<ir::Tensor> compileAndRun(const ir::Graph& g, const std::vector<ir::Tensor>& inputs,
                                      const std::string& workDir, const codegen::CodegenOptions& codegen,
                                      const std::vector<std::string>& runArgs) {
  fs::create_directories(workDir);
  CompileOptions options;
  options.outDir = (fs::path(workDir) / "out").string();
  options.codegen = codegen;
  options.quiet = true;
  std::ostringstream log;
  compileGraph(g, options, log);

  std::string cmd = shellQuote((fs::path(options.outDir) / "bin" / "rank_0").string());
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string path = (fs::path(workDir) / fmt::format("input_{}.npy", i)).string();
    frontend::writeNpy(path, inputs[i]);
    cmd += " --input " + shellQuote(path);
  }
  for (const std::string& a : runArgs) cmd += " " + shellQuote(a);
  std::string outputs = (fs::path(workDir) / "outputs").string();
  std::string errFile = (fs::path(workDir) / "stderr.txt").string();
  cmd += " --output-dir " + shellQuote(outputs) + " 2> " + shellQuote(errFile) + " > /dev/null";
  int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::ifstream in(errFile);
    std::string line;
    std::getline(in, line);
    ir::fail("the compiled executable failed (status {}): {}", rc, line);
  }
  std::vector<ir::Tensor> result;
  for (ir::ValueId v : g.outputs())
    result.push_back(frontend::readNpy((fs::path(outputs) / (fileNameFor(g.value(v).name) + ".npy")).string()));
  return result;
}

}  // namespace shardc::tools
