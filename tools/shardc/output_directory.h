// An output directory written whole or not at all: built in a temporary sibling, renamed into place on commit,
// removed on destruction otherwise. An existing directory of the same name is replaced only at commit.
#pragma once

#include <filesystem>
#include <string>

namespace shardc::tools {

class OutputDirectory {
 public:
  explicit OutputDirectory(const std::string& finalPath);
  ~OutputDirectory();
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;

  // Path of `relative` inside the temporary directory (parent folders created).
  std::string path(const std::string& relative) const;
  const std::filesystem::path& root() const { return tmp_; }
  void commit();

 private:
  std::filesystem::path final_, tmp_;
  bool committed_ = false;
};

}  // namespace shardc::tools
