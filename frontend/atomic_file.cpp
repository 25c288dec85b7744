#include "frontend/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <unistd.h>

#include "ir/error.h"

namespace shardc::frontend {

void writeFileAtomically(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) ir::fail("{}: cannot write: {}", path, std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fflush(f) == 0) && ok;
  int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    ir::fail("{}: cannot write: {}", path, std::strerror(err ? err : EIO));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    ir::fail("{}: cannot write: {}", path, ec.message());
  }
}

namespace {
// Distinct temporary names for several writers of one process.
std::string temporarySibling(const std::string& path) {
  static int counter = 0;
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}
}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), tmp_(temporarySibling(path_)) {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) ir::fail("{}: cannot write: {}", path_, std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void AtomicFileWriter::write(const void* data, size_t n) {
  if (!f_) ir::fail("{}: written after commit", path_);
  if (n && std::fwrite(data, 1, n, f_) != n) ir::fail("{}: cannot write: {}", path_, std::strerror(errno));
  written_ += n;
}

void AtomicFileWriter::commit() {
  if (!f_) ir::fail("{}: committed twice", path_);
  bool ok = std::fflush(f_) == 0;
  int err = errno;
  ok = (std::fclose(f_) == 0) && ok;
  f_ = nullptr;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp_, path_, ec);
  if (!ok || ec) {
    std::remove(tmp_.c_str());
    ir::fail("{}: cannot write: {}", path_, ok ? ec.message() : std::strerror(err ? err : EIO));
  }
}

}  // namespace shardc::frontend
