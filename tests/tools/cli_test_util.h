// Running the CLI in-process and looking at what it printed.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tools/shardc/commands.h"

namespace shardc::testing {

struct CliResult {
  int status;
  std::string out, err;
};

inline CliResult runCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int status = tools::runShardc(args, out, err);
  return {status, out.str(), err.str()};
}

inline int lineCount(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A fresh directory under the test temp dir, removed when the object goes.
class TempDir {
 public:
  // Unique per process: ctest runs the tests of one fixture in parallel processes.
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::path(::testing::TempDir()) / ("shardc_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& f) const { return (path_ / f).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace shardc::testing
