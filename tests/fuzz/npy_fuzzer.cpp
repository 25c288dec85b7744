// The compiler's .npy reader on arbitrary bytes: a tensor, or an ir::Error.
#include "frontend/npy.h"
#include "fuzz_input.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    shardc::frontend::readNpy(shardc::fuzz::inputFile(data, size, ".npy"));
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
