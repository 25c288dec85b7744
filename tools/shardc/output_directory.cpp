#include "tools/shardc/output_directory.h"

#include <unistd.h>

#include "ir/error.h"

namespace fs = std::filesystem;

namespace shardc::tools {

OutputDirectory::OutputDirectory(const std::string& finalPath) : final_(fs::absolute(finalPath).lexically_normal()) {
  if (final_.filename().empty()) final_ = final_.parent_path();
  std::error_code ec;
  fs::create_directories(final_.parent_path(), ec);
  if (ec) ir::fail("{}: cannot create its parent directory: {}", finalPath, ec.message());
  tmp_ = final_.parent_path() / ("." + final_.filename().string() + ".tmp." + std::to_string(::getpid()));
  fs::remove_all(tmp_, ec);
  fs::create_directory(tmp_, ec);
  if (ec) ir::fail("{}: cannot create the output directory: {}", finalPath, ec.message());
}

OutputDirectory::~OutputDirectory() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
}

std::string OutputDirectory::path(const std::string& relative) const {
  fs::path p = tmp_ / relative;
  fs::create_directories(p.parent_path());
  return p.string();
}

void OutputDirectory::commit() {
  std::error_code ec;
  fs::path old;
  if (fs::exists(final_)) {
    old = final_.parent_path() / ("." + final_.filename().string() + ".old." + std::to_string(::getpid()));
    fs::remove_all(old, ec);
    fs::rename(final_, old, ec);
    if (ec) ir::fail("{}: cannot replace it: {}", final_.string(), ec.message());
  }
  fs::rename(tmp_, final_, ec);
  if (ec) {
    if (!old.empty()) fs::rename(old, final_);
    ir::fail("{}: cannot write: {}", final_.string(), ec.message());
  }
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
}

}  // namespace shardc::tools
