// The MindSpore rank-table reader on arbitrary bytes, for 8 ranks: a placement, or an ir::Error.
#include "fuzz_input.h"
#include "ir/error.h"
#include "tools/shardc/host_placement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    shardc::tools::readRankTable(shardc::fuzz::inputFile(data, size, ".json"), 8);
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
