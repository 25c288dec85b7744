// The subcommands of the shardc CLI. Each registers its options on the app and runs when chosen; the tests call
// them in-process through runShardc.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace shardc::tools {

// Runs the CLI on argv-style arguments (without the program name), writing to out/err. Returns the exit code:
// 0 success, 1 bad input (one line on err), 2 bad usage.
int runShardc(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

void addCompareCommand(CLI::App& app, std::ostream& out, int& status);
void addCompileCommand(CLI::App& app, std::ostream& out, int& status);
void addRunCommand(CLI::App& app, std::ostream& out, int& status);
void addGraphCommand(CLI::App& app, std::ostream& out, int& status);
void addEvalCommand(CLI::App& app, std::ostream& out, int& status);
void addInspectCommand(CLI::App& app, std::ostream& out, int& status);
void addConformanceCommand(CLI::App& app, std::ostream& out, int& status);
void addShardCommand(CLI::App& app, std::ostream& out, int& status);
void addReshardCommand(CLI::App& app, std::ostream& out, int& status);
void addSearchCommand(CLI::App& app, std::ostream& out, int& status);
void addCalibrateCommand(CLI::App& app, std::ostream& out, int& status);
void addSimulateCommand(CLI::App& app, std::ostream& out, int& status);
void addExportCommand(CLI::App& app, std::ostream& out, int& status);

}  // namespace shardc::tools
