// shardc compare: two tensors side by side, with their largest difference.
#include <algorithm>
#include <cmath>
#include <ostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "frontend/npy.h"
#include "ir/error.h"
#include "tools/shardc/commands.h"
#include "tools/shardc/conformance_runner.h"

namespace shardc::tools {

void addCompareCommand(CLI::App& app, std::ostream& out, int& status) {
  struct Args {
    std::string got, expected;
    Tolerance tol{1e-5, 1e-5};
    int64_t show = 16;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("compare", "Compare two .npy tensors: values side by side and the largest difference");
  cmd->add_option("got", args->got, "A .npy file")->required()->check(CLI::ExistingFile);
  cmd->add_option("expected", args->expected, "The .npy file it should equal")->required()->check(CLI::ExistingFile);
  cmd->add_option("--rtol", args->tol.rtol, "Relative tolerance (default 1e-5)");
  cmd->add_option("--atol", args->tol.atol, "Absolute tolerance (default 1e-5)");
  cmd->add_option("--show", args->show, "How many leading elements to print (default 16)");
  cmd->callback([args, &out, &status] {
    ir::Tensor a = frontend::readNpy(args->got), b = frontend::readNpy(args->expected);
    if (!(a.type() == b.type())) ir::fail("{} is {}, {} is {}", args->got, a.type().str(), args->expected, b.type().str());
    double maxDiff = 0;
    for (int64_t i = 0; i < a.numElements(); ++i) {
      double d = std::fabs(a.elementAsDouble(i) - b.elementAsDouble(i));
      maxDiff = std::max(maxDiff, std::isnan(d) ? INFINITY : d);
    }
    out << fmt::format("{:>6}  {:>14}  {:>14}\n", "index", "got", "expected");
    for (int64_t i = 0; i < std::min(a.numElements(), args->show); ++i)
      out << fmt::format("{:>6}  {:>14.7g}  {:>14.7g}\n", i, a.elementAsDouble(i), b.elementAsDouble(i));
    std::string mismatch = compareTensors(a, b, args->tol);
    out << fmt::format("max abs difference {:.3g} over {} elements: {}\n", maxDiff, a.numElements(),
                       mismatch.empty() ? "equal within tolerance" : "DIFFERENT (" + mismatch + ")");
    status = mismatch.empty() ? 0 : 1;
  });
}

}  // namespace shardc::tools
