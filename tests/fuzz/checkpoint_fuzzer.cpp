// A checkpoint reader (.ckpt, or .safetensors: SHARDC_FUZZ_SUFFIX, set per target) on arbitrary bytes: every tensor
// it lists reads back whole, or an ir::Error.
#include <vector>

#include "frontend/checkpoint_store.h"
#include "fuzz_input.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto reader = shardc::frontend::openCheckpoint(shardc::fuzz::inputFile(data, size, SHARDC_FUZZ_SUFFIX));
    for (const auto& t : reader->tensors()) {
      if (t.bytes > (64u << 20)) continue;  // the reader checked the range; no need to allocate it here
      std::vector<unsigned char> buf(size_t(t.bytes));
      reader->read(t.name, 0, t.bytes, buf.data());
    }
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
