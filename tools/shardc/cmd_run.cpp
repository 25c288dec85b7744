// shardc run: launches a compiled job with mpirun, one MPMD context per rank.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <fstream>
#include <ostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "frontend/atomic_file.h"
#include "ir/error.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/host_placement.h"
#include "tools/shardc/mpirun_failure.h"

extern char** environ;

namespace shardc::tools {
namespace {

// The mpirun command line for the job in `out` with `args` for every rank; with a placement, every host and its
// rank count up front and each rank's context on its host.
std::vector<std::string> mpirunCommand(const std::string& out, int64_t ranks, const std::vector<std::string>& args,
                                       const std::vector<std::string>& executables, const HostPlacement* placement) {
  std::vector<std::string> cmd = {"mpirun"};
  if (::geteuid() == 0) cmd.push_back("--allow-run-as-root");
  // A context's --host names its host with the slots of every rank placed there (Open MPI counts a bare host as
  // one slot, shared by all the contexts naming it).
  auto slotsOf = [&](const std::string& h) {
    return h + ":" + std::to_string(std::count(placement->hostOfRank.begin(), placement->hostOfRank.end(), h));
  };
  if (placement) {
    std::string hosts;
    for (const std::string& h : placement->hosts()) hosts += (hosts.empty() ? "" : ",") + slotsOf(h);
    cmd.insert(cmd.end(), {"--host", hosts});
  } else if (ranks > static_cast<int64_t>(std::thread::hardware_concurrency())) {
    cmd.push_back("--oversubscribe");
  }
  for (int64_t r = 0; r < ranks; ++r) {
    if (r) cmd.push_back(":");
    cmd.insert(cmd.end(), {"-np", "1"});
    if (placement) cmd.insert(cmd.end(), {"--host", slotsOf(placement->hostOfRank[size_t(r)])});
    cmd.push_back((std::filesystem::path(out) / executables[size_t(r)]).string());
    cmd.insert(cmd.end(), args.begin(), args.end());
  }
  return cmd;
}

// Whether the groups of a collective along `axes` (ranks differing only in those coordinates) hold ranks of
// different hosts.
bool crossesHosts(const std::vector<int64_t>& mesh, const std::vector<int64_t>& axes, const HostPlacement& p) {
  for (size_t r = 0; r < p.hostOfRank.size(); ++r) {
    // The group's first rank: r with its coordinates on `axes` at 0.
    int64_t first = int64_t(r);
    for (int64_t axis : axes) {
      if (axis < 0 || size_t(axis) >= mesh.size()) continue;
      int64_t stride = 1;
      for (size_t d = size_t(axis) + 1; d < mesh.size(); ++d) stride *= mesh[d];
      first -= (int64_t(r) / stride) % mesh[size_t(axis)] * stride;
    }
    if (p.hostOfRank[r] != p.hostOfRank[size_t(first)]) return true;
  }
  return false;
}

nlohmann::json crossings(const std::vector<int64_t>& mesh, const HostPlacement& p) {
  nlohmann::json axes = nlohmann::json::array();
  for (size_t axis = 0; axis < mesh.size(); ++axis)
    axes.push_back({{"axis", axis}, {"size", mesh[axis]}, {"crosses_hosts", crossesHosts(mesh, {int64_t(axis)}, p)}});
  return axes;
}

// The ranks a placement should keep on one host: a pipeline stage's, or the mesh axis with the most collective
// bytes together with the axes inside it (consecutive ranks in row-major order).
int64_t placementBlock(const nlohmann::json& m, int64_t ranks) {
  if (m.contains("stages") && !m["stages"].empty()) return ranks / int64_t(m["stages"].size());
  std::vector<int64_t> mesh = m.value("mesh", std::vector<int64_t>{ranks});
  std::vector<int64_t> bytes(mesh.size(), 0);
  for (const auto& c : m.value("collectives", nlohmann::json::array()))
    for (int64_t a : c.value("axes", std::vector<int64_t>{}))
      if (a >= 0 && size_t(a) < mesh.size()) bytes[size_t(a)] += c.value("bytes", int64_t{0});
  size_t heaviest = 0;
  for (size_t a = 0; a < mesh.size(); ++a)
    if (bytes[a] > bytes[heaviest]) heaviest = a;
  if (bytes.empty() || bytes[heaviest] == 0) return 1;
  int64_t block = 1;
  for (size_t a = heaviest; a < mesh.size(); ++a) block *= mesh[a];
  return block;
}

}  // namespace

void addRunCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string dir;
    int64_t np = 0;
    bool dryRun = false;
    std::string hostfile, hosts, rankTable;
    double timeout = 3600;
    std::vector<std::string> rest;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Launch a compiled job under mpirun: shardc run OUT [--np N] -- ARGS...");
  cmd->add_option("out", args->dir, "The output directory of shardc compile")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--np", args->np, "Ranks to launch (must be the compiled count; default: that count)");
  cmd->add_flag("--dry-run", args->dryRun, "Print the mpirun command instead of running it");
  auto* hostfile = cmd->add_option("--hostfile", args->hostfile,
                                   "Open MPI hostfile (host slots=N per line): ranks fill the hosts in order")
                       ->check(CLI::ExistingFile);
  auto* host = cmd->add_option("--host", args->hosts, "Hosts and slots, e.g. a:2,b:2: ranks fill them in order");
  auto* table = cmd->add_option("--rank-table", args->rankTable,
                                "MindSpore rank table (server_list[].device[].rank_id): each rank on its server")
                    ->check(CLI::ExistingFile);
  cmd->add_option("--timeout", args->timeout,
                  "Seconds the job may take before it is stopped and reported (default 3600; 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  hostfile->excludes(host)->excludes(table);
  host->excludes(table);
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
    if (std::any_of(executables.begin(), executables.end(), [](const std::string& e) { return e.empty(); }))
      ir::fail("{} was compiled as a library (--emit lib): there are no executables to run", args->dir);
    std::optional<HostPlacement> placement;
    int64_t block = placementBlock(m, ranks);
    if (!args->hostfile.empty()) placement = placeInBlocks(readHostfile(args->hostfile), ranks, block, args->hostfile);
    if (!args->hosts.empty()) placement = placeInBlocks(parseHostList(args->hosts), ranks, block, "--host " + args->hosts);
    if (!args->rankTable.empty()) placement = readRankTable(args->rankTable, ranks);
    if (placement) {
      // Hosts are known only now: which collectives cross them, printed and kept beside the job.
      std::vector<int64_t> mesh = m.value("mesh", std::vector<int64_t>{ranks});
      nlohmann::json report = {{"ranks", placement->hostOfRank}, {"mesh_axes", crossings(mesh, *placement)}};
      for (const std::string& h : placement->hosts()) {
        std::string list;
        for (size_t r = 0; r < placement->hostOfRank.size(); ++r)
          if (placement->hostOfRank[r] == h) list += (list.empty() ? "" : ",") + std::to_string(r);
        out << "shardc run: " << h << ": ranks " << list << "\n";
      }
      for (const auto& a : report["mesh_axes"])
        out << "shardc run: collectives along mesh axis " << a["axis"].get<size_t>() << " (" << a["size"].get<int64_t>()
            << " ranks) " << (a["crosses_hosts"].get<bool>() ? "cross hosts" : "stay within a host") << "\n";
      // The program's own collectives: which of them cross hosts, and the bytes each rank puts through them a run.
      report["cross_host_collectives"] = nlohmann::json::array();
      int64_t total = 0;
      for (const auto& c : m.value("collectives", nlohmann::json::array())) {
        std::vector<int64_t> axes = c.value("axes", std::vector<int64_t>{});
        if (!crossesHosts(mesh, axes, *placement)) continue;
        report["cross_host_collectives"].push_back(c);
        total += c.value("bytes", int64_t{0});
        out << "shardc run: crosses hosts: " << c.value("op", std::string()) << ", " << c.value("bytes", int64_t{0})
            << " bytes per run\n";
      }
      // A pipeline's messages between stages.
      report["cross_host_transfers"] = nlohmann::json::array();
      for (const auto& t : m.value("transfers", nlohmann::json::array())) {
        int64_t from = t.value("from", int64_t{0}), to = t.value("to", int64_t{0});
        if (from < 0 || to < 0 || from >= ranks || to >= ranks ||
            placement->hostOfRank[size_t(from)] == placement->hostOfRank[size_t(to)])
          continue;
        report["cross_host_transfers"].push_back(t);
        total += t.value("bytes", int64_t{0});
        out << "shardc run: crosses hosts: %" << t.value("value", std::string()) << " from rank " << from << " to rank "
            << to << ", " << t.value("bytes", int64_t{0}) << " bytes per run\n";
      }
      report["cross_host_bytes"] = total;
      frontend::writeFileAtomically((std::filesystem::path(args->dir) / "placement.json").string(), report.dump(2) + "\n");
    }
    std::vector<std::string> cmd = mpirunCommand(args->dir, ranks, args->rest, executables, placement ? &*placement : nullptr);
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
    // mpirun in a process group of its own, so that a job past its time can be stopped whole.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    // mpirun's stderr comes through a pipe: passed on as it comes, and read for the rank that failed first.
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) ir::fail("cannot create a pipe for mpirun's messages");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, "mpirun", &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(pipeFds[1]);
    if (spawned != 0) {
      ::close(pipeFds[0]);
      ir::fail("cannot start mpirun (is openmpi-bin installed?)");
    }
    ::fcntl(pipeFds[0], F_SETFL, O_NONBLOCK);
    MpirunFailure failure;
    auto drain = [&] {
      char buf[4096];
      for (ssize_t n; (n = ::read(pipeFds[0], buf, sizeof buf)) > 0;) {
        (void)!::write(2, buf, size_t(n));
        failure.feed(std::string(buf, size_t(n)));
      }
    };
    int ws = 0;
    auto start = std::chrono::steady_clock::now();
    bool timedOut = false;
    while (waitpid(pid, &ws, WNOHANG) == 0) {
      drain();
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (args->timeout > 0 && elapsed > args->timeout && !timedOut) {
        // mpirun tears its daemons and ranks down on SIGTERM; what is left gets SIGKILL a few seconds later.
        timedOut = true;
        ::kill(-pid, SIGTERM);
        std::this_thread::sleep_for(std::chrono::seconds(3));
        if (waitpid(pid, &ws, WNOHANG) == 0) {
          ::kill(-pid, SIGKILL);
          waitpid(pid, &ws, 0);
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    drain();
    ::close(pipeFds[0]);
    if (timedOut)
      ir::fail("the job did not finish within {} s (--timeout) and was stopped: a host unreachable, a rank stuck or "
               "dead?",
               args->timeout);
    int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (code != 0) {
      if (!failure.what().empty()) ir::fail("the job failed: {}", failure.what());
      ir::fail("the job failed (mpirun exited with status {}); the failing rank's message is above", code);
    }
    status = 0;
  });
}

}  // namespace shardc::tools
