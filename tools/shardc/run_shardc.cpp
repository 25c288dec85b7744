#include <ostream>

#include <CLI/CLI.hpp>

#include "frontend/protobuf_messages.h"
#include "ir/error.h"
#include "tools/shardc/commands.h"

namespace shardc::tools {

int runShardc(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  frontend::silenceProtobufLogging();
  CLI::App app{"shardc: an ahead-of-time compiler for distributed inference", "shardc"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "shardc 0.1");
  int status = 0;
  addCompileCommand(app, out, status);
  addCompareCommand(app, out, status);
  addEvalCommand(app, out, status);
  addInspectCommand(app, out, status);
  addConformanceCommand(app, out, status);
  addRunCommand(app, out, status);
  addGraphCommand(app, out, status);
  addShardCommand(app, out, status);
  addExportCommand(app, out, status);
  addReshardCommand(app, out, status);
  addSearchCommand(app, out, status);
  addCalibrateCommand(app, out, status);
  addSimulateCommand(app, out, status);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // --help (of whichever subcommand was chosen) and --version exit 0; usage errors exit 2.
    return app.exit(e, out, err) == 0 ? 0 : 2;
  } catch (const ir::Error& e) {
    err << "shardc: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "shardc: error: " << e.what() << "\n";
    return 1;
  }
  return status;
}

}  // namespace shardc::tools
