// The weight-file table parser (shared by the runtime's mmap reader and shardc export) on arbitrary bytes.
#include <vector>

#include "runtime/weights_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<shardrt::WeightsTableEntry> table;
  if (shardrt::parseWeightsTable(data, size, table).empty())
    for (const auto& e : table) {
      // Every entry it accepts lies inside the bytes.
      volatile unsigned char sink = 0;
      if (e.nbytes) sink = data[e.offset] ^ data[e.offset + e.nbytes - 1];
      (void)sink;
    }
  return 0;
}
