// The executables' .npy reader (libshardrt, no exceptions) on arbitrary bytes: an array, or an error string.
#include "fuzz_input.h"
#include "runtime/npy_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shardrt::NpyArray a;
  shardrt::readNpy(shardc::fuzz::inputFile(data, size, ".npy"), a);
  return 0;
}
