// Writing a file so that readers see either the old file or the whole new one, never a part.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace shardc::frontend {

// Writes to a temporary sibling, flushes, then renames over `path`. Throws ir::Error naming `path` on failure
// and leaves nothing behind.
void writeFileAtomically(const std::string& path, std::string_view bytes);

// The streaming form: bytes go to a temporary sibling; commit() renames it over `path`; destroyed uncommitted (an
// error on the way), it removes the temporary file. Errors throw ir::Error naming `path`.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t n);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  uint64_t written() const { return written_; }
  const std::string& path() const { return path_; }
  void commit();

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t written_ = 0;
};

}  // namespace shardc::frontend
