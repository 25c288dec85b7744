#include "runtime/weights_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace shardrt {
namespace {

void put32(std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
uint64_t alignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

bool writeAll(int fd, const char* p, uint64_t n, uint64_t at) {
  while (n > 0) {
    ssize_t k = ::pwrite(fd, p, n, static_cast<off_t>(at));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<uint64_t>(k);
    at += static_cast<uint64_t>(k);
  }
  return true;
}

}  // namespace

WeightsFileWriter::WeightsFileWriter(std::string path, const std::vector<WeightEntry>& entries)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  std::string table;
  std::vector<uint64_t> relative;
  uint64_t cursor = 0;
  for (const auto& e : entries) {
    relative.push_back(cursor);
    put32(table, static_cast<uint32_t>(e.name.size()));
    table += e.name;
    put32(table, static_cast<uint32_t>(e.dtype));
    put32(table, static_cast<uint32_t>(e.dims.size()));
    for (int64_t d : e.dims) put64(table, static_cast<uint64_t>(d));
    put64(table, cursor);
    put64(table, e.nbytes);
    cursor = alignUp(cursor + e.nbytes, 64);
  }
  uint64_t tableOffset = 64, dataOffset = alignUp(tableOffset + table.size(), 4096);
  std::string header("SHARDCW1", 8);
  put32(header, 1);
  put32(header, static_cast<uint32_t>(entries.size()));
  put64(header, tableOffset);
  put64(header, table.size());
  put64(header, dataOffset);
  header.resize(64, '\0');
  for (size_t i = 0; i < entries.size(); ++i) {
    offsets_.push_back(dataOffset + relative[i]);
    sizes_.push_back(entries[i].nbytes);
  }
  written_.assign(entries.size(), false);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) failWith("cannot write", errno);
  // The file has its final size at once; padding reads as zeros.
  uint64_t end = entries.empty() ? dataOffset : offsets_.back() + sizes_.back();
  if (::ftruncate(fd_, static_cast<off_t>(end)) != 0 || !writeAll(fd_, header.data(), header.size(), 0) ||
      !writeAll(fd_, table.data(), table.size(), tableOffset))
    failWith("cannot write", errno);
}

WeightsFileWriter::~WeightsFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void WeightsFileWriter::failWith(const std::string& what, int err) {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  ::unlink(tmp_.c_str());
  throw std::runtime_error(path_ + ": " + what + (err ? std::string(": ") + std::strerror(err) : std::string()));
}

void WeightsFileWriter::beginTensor(size_t index) {
  if (index >= sizes_.size() || written_[index] || current_ != SIZE_MAX)
    failWith("tensor " + std::to_string(index) + " begun out of turn", 0);
  current_ = index;
  cursor_ = 0;
}

void WeightsFileWriter::write(const void* data, uint64_t n) {
  if (current_ == SIZE_MAX || cursor_ + n > sizes_[current_])
    failWith("more bytes than tensor " + std::to_string(current_) + " holds", 0);
  if (!writeAll(fd_, static_cast<const char*>(data), n, offsets_[current_] + cursor_)) failWith("cannot write", errno);
  cursor_ += n;
}

void WeightsFileWriter::endTensor() {
  if (current_ == SIZE_MAX || cursor_ != sizes_[current_])
    failWith("tensor " + std::to_string(current_) + " ended after " + std::to_string(cursor_) + " bytes", 0);
  written_[current_] = true;
  current_ = SIZE_MAX;
}

void WeightsFileWriter::commit() {
  for (size_t i = 0; i < written_.size(); ++i)
    if (!written_[i]) failWith("tensor " + std::to_string(i) + " was never written", 0);
  if (::close(fd_) != 0) {
    fd_ = -1;
    failWith("cannot write", errno);
  }
  fd_ = -1;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    throw std::runtime_error(path_ + ": cannot write: " + std::strerror(err));
  }
}

void writeWeightsFile(const std::string& path, const std::vector<WeightEntry>& entries) {
  WeightsFileWriter w(path, entries);
  for (size_t i = 0; i < entries.size(); ++i) {
    w.beginTensor(i);
    if (entries[i].nbytes) w.write(entries[i].data, entries[i].nbytes);
    w.endTensor();
  }
  w.commit();
}

}  // namespace shardrt
