// The text IR parser on arbitrary text: a verified graph, or an ir::Error.
#include <string>

#include "ir/error.h"
#include "ir/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    shardc::ir::parseGraph(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const shardc::ir::Error&) {
  }
  return 0;
}
