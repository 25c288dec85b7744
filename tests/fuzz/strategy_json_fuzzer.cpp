// The strategy reader on arbitrary bytes as a JSON strategy (MindSpore's or shardc's): a strategy, or an
// ir::Error.
#include "frontend/strategy_file.h"
#include "fuzz_input.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    shardc::frontend::readStrategyFile(shardc::fuzz::inputFile(data, size, ".json"));
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
