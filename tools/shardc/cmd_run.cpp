// shardc run: launches a compiled job with mpirun, one MPMD context per rank.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ir/error.h"
#include "tools/shardc/commands.h"

extern char** environ;

namespace shardc::tools {
namespace {

// The mpirun command line for the job in `out` with `args` for every rank.
std::vector<std::string> mpirunCommand(const std::string& out, int64_t ranks, const std::vector<std::string>& args,
                                       const std::vector<std::string>& executables) {
  std::vector<std::string> cmd = {"mpirun"};
  if (::geteuid() == 0) cmd.push_back("--allow-run-as-root");
  if (ranks > static_cast<int64_t>(std::thread::hardware_concurrency())) cmd.push_back("--oversubscribe");
  for (int64_t r = 0; r < ranks; ++r) {
    if (r) cmd.push_back(":");
    cmd.insert(cmd.end(), {"-np", "1", (std::filesystem::path(out) / executables[size_t(r)]).string()});
    cmd.insert(cmd.end(), args.begin(), args.end());
  }
  return cmd;
}

}  // namespace

void addRunCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string dir;
    int64_t np = 0;
    bool dryRun = false;
    std::vector<std::string> rest;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Launch a compiled job under mpirun: shardc run OUT [--np N] -- ARGS...");
  cmd->add_option("out", args->dir, "The output directory of shardc compile")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--np", args->np, "Ranks to launch (must be the compiled count; default: that count)");
  cmd->add_flag("--dry-run", args->dryRun, "Print the mpirun command instead of running it");
  cmd->add_option("args", args->rest, "Arguments for every rank's executable (after --)");
  cmd->callback([args, &out, &status] {
    std::string manifestPath = (std::filesystem::path(args->dir) / "manifest.json").string();
    std::ifstream in(manifestPath);
    if (!in) ir::fail("{}: no manifest (is this the output of shardc compile?)", manifestPath);
    nlohmann::json m = nlohmann::json::parse(in, nullptr, false);
    if (m.is_discarded() || !m.contains("rank_programs")) ir::fail("{}: not a shardc manifest", manifestPath);
    std::vector<std::string> executables;
    for (const auto& r : m["rank_programs"]) executables.push_back(r.value("executable", ""));
    int64_t ranks = static_cast<int64_t>(executables.size());
    if (args->np && args->np != ranks) ir::fail("--np {}: {} was compiled for {} ranks", args->np, args->dir, ranks);
    std::vector<std::string> cmd = mpirunCommand(args->dir, ranks, args->rest, executables);
    if (args->dryRun) {
      for (size_t i = 0; i < cmd.size(); ++i) out << (i ? " " : "") << cmd[i];
      out << "\n";
      status = 0;
      return;
    }
    out.flush();
    std::vector<char*> argv;
    for (auto& c : cmd) argv.push_back(c.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "mpirun", nullptr, nullptr, argv.data(), environ) != 0)
      ir::fail("cannot start mpirun (is openmpi-bin installed?)");
    int ws = 0;
    waitpid(pid, &ws, 0);
    int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (code != 0) ir::fail("the job failed (mpirun exited with status {}); the failing rank's message is above", code);
    status = 0;
  });
}

}  // namespace shardc::tools
