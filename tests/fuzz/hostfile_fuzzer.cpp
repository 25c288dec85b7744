// The Open MPI hostfile reader (and the host-list parser) on arbitrary bytes: hosts placed, or an ir::Error.
#include <string>

#include "fuzz_input.h"
#include "ir/error.h"
#include "tools/shardc/host_placement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto hosts = shardc::tools::readHostfile(shardc::fuzz::inputFile(data, size, ".hosts"));
    shardc::tools::placeInBlocks(hosts, 8, 4, "fuzz");
  } catch (const shardc::ir::Error&) {
  }
  try {
    shardc::tools::parseHostList(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
