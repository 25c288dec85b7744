// What every fuzz target shares: the input as a file of the reader's kind (most readers take a path, and choose
// the format by its suffix), and the rule that a reader may refuse bad input only with ir::Error.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "frontend/protobuf_messages.h"

namespace shardc::fuzz {

// The readers' own error is the answer; protobuf's log lines would only slow the fuzzer down.
inline const bool kQuiet = [] {
  frontend::silenceProtobufLogging();
  return true;
}();

// Writes the input to a file ending in `suffix`, one per process, and returns its path.
inline std::string inputFile(const uint8_t* data, size_t size, const std::string& suffix) {
  static const std::string dir = [] {
    std::string d = (std::filesystem::temp_directory_path() / ("shardc_fuzz_" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(d);
    return d;
  }();
  std::string path = dir + "/input" + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return path;
}

}  // namespace shardc::fuzz
