// shardc: the command-line entry point. All work is in the subcommands (commands.h).
#include <iostream>
#include <string>
#include <vector>

#include "tools/shardc/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return shardc::tools::runShardc(args, std::cout, std::cerr);
}
