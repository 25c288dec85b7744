// shardc calibrate: measures this machine for the cost model and writes the machine file search reads.
#include <stdlib.h>

#include <filesystem>
#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/atomic_file.h"
#include "ir/error.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/machine_calibration.h"

namespace shardc::tools {

void addCalibrateCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string output;
    int ranks = 2;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("calibrate", "Measure this machine for the strategy search's cost model");
  cmd->add_option("-o,--output", args->output, "The machine file to write (JSON)")->required();
  cmd->add_option("--ranks", args->ranks, "Ranks for the collectives' measurement (default 2; 1 skips it)")
      ->check(CLI::PositiveNumber);
  cmd->callback([args, &out, &status] {
    std::string pattern = (std::filesystem::temp_directory_path() / "shardc_calibration_XXXXXX").string();
    if (!::mkdtemp(pattern.data())) ir::fail("cannot create a temporary directory under {}", std::filesystem::temp_directory_path().string());
    std::string work = pattern;
    struct Cleanup {
      std::string dir;
      ~Cleanup() { std::filesystem::remove_all(dir); }
    } cleanup{work};
    passes::MachineModel m = calibrateMachine(work, args->ranks, out);
    frontend::writeFileAtomically(args->output, machineModelJson(m));
    out << "wrote " << args->output << "\n";
    status = 0;
  });
}

}  // namespace shardc::tools
