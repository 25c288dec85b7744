// The MindIR importer on arbitrary bytes: a model, or an ir::Error.
#include "frontend/mindir_importer.h"
#include "fuzz_input.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    shardc::frontend::importMindIrFile(shardc::fuzz::inputFile(data, size, ".mindir"));
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
