// shardc conformance: ONNX's backend test data, case by case.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <ostream>
#include <regex>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/conformance_runner.h"
#include "tools/shardc/executable_runner.h"

namespace shardc::tools {

void addConformanceCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string dir;
    std::string via = "executable";
    std::string workDir;
    std::string filter;
    std::string shard;
    Tolerance tol;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("conformance",
                                     "Run ONNX backend test cases (onnx/backend/test/data or any folder of cases)");
  cmd->add_option("dir", args->dir, "A case folder, a folder of cases, or the data root (node/, simple/, ...)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--via", args->via,
                  "How to run each case: compile it and run the executable, or the reference interpreter")
      ->check(CLI::IsMember({"executable", "interpreter"}));
  cmd->add_option("--work-dir", args->workDir, "Where compiled cases go (default: a temporary directory, removed)");
  cmd->add_option("--filter", args->filter, "Only cases whose path matches this regular expression");
  cmd->add_option("--shard", args->shard, "K/N: only every N-th case starting at the K-th (for parallel runs)");
  cmd->add_option("--rtol", args->tol.rtol, "Relative tolerance for floating-point outputs");
  cmd->add_option("--atol", args->tol.atol, "Absolute tolerance for floating-point outputs");
  cmd->add_flag("--quiet,-q", args->quiet, "Print only failures and the totals");
  cmd->callback([args, &out, &status] {
    size_t shardK = 0, shardN = 1;
    if (!args->shard.empty()) {
      if (std::sscanf(args->shard.c_str(), "%zu/%zu", &shardK, &shardN) != 2 || shardN == 0 || shardK >= shardN)
        ir::fail("--shard '{}': expected K/N with 0 <= K < N", args->shard);
    }
    std::regex filter(args->filter.empty() ? ".*" : args->filter);
    std::vector<std::string> cases = findCases(args->dir);
    std::filesystem::path root = std::filesystem::path(args->dir).lexically_normal();
    std::filesystem::path work = args->workDir.empty()
                                     ? std::filesystem::temp_directory_path() / ("shardc-conformance-" + std::to_string(::getpid()))
                                     : std::filesystem::path(args->workDir);
    struct Cleanup {
      std::filesystem::path p;
      bool remove;
      ~Cleanup() {
        std::error_code ec;
        if (remove) std::filesystem::remove_all(p, ec);
      }
    } cleanup{work, args->workDir.empty()};
    size_t caseNumber = 0;
    Executor execute = [&](const ir::Graph& g, const std::vector<ir::Tensor>& in) {
      if (args->via == "interpreter") return ir::interpret(g, in);
      return compileAndRun(g, in, (work / ("case_" + std::to_string(caseNumber))).string());
    };
    int passed = 0, failed = 0, unsupported = 0;
    size_t index = 0;
    auto start = std::chrono::steady_clock::now();
    for (const auto& c : cases) {
      std::string name = std::filesystem::path(c).lexically_relative(root.parent_path()).string();
      if (!std::regex_search(c, filter)) continue;
      if (index++ % shardN != shardK) continue;
      ++caseNumber;
      CaseResult r = runCase(c, name, execute, args->tol);
      switch (r.status) {
        case CaseStatus::Passed:
          ++passed;
          if (!args->quiet) out << "pass         " << r.name << "\n";
          break;
        case CaseStatus::Failed:
          ++failed;
          out << "FAIL         " << r.name << ": " << r.detail << "\n";
          break;
        case CaseStatus::Unsupported:
          ++unsupported;
          if (!args->quiet) out << "unsupported  " << r.name << ": " << r.detail << "\n";
          break;
      }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out << fmt::format("{} passed, {} failed, {} unsupported ({:.1f} s)\n", passed, failed, unsupported, seconds);
    status = failed ? 1 : 0;
  });
}

}  // namespace shardc::tools
