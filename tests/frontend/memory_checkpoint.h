// Checkpoints held in memory, for resharder tests: a reader that counts what it reads, a writer that keeps what it
// is given (and only publishes it on commit).
#pragma once

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/checkpoint_store.h"
#include "ir/error.h"

namespace shardc::testing {

struct MemoryTensor {
  frontend::CheckpointTensorInfo info;
  std::vector<char> bytes;
};
using MemoryCheckpoint = std::vector<MemoryTensor>;

class MemoryReader : public frontend::CheckpointReader {
 public:
  MemoryReader(std::string path, const MemoryCheckpoint& c) : c_(c) {
    path_ = std::move(path);
    for (const auto& t : c) tensors_.push_back(t.info);
  }
  void read(const std::string& name, uint64_t offset, uint64_t length, void* dst) override {
    for (const auto& t : c_)
      if (t.info.name == name) {
        if (offset + length > t.bytes.size()) ir::fail("{}: tensor '{}': read past its end", path_, name);
        std::memcpy(dst, t.bytes.data() + offset, length);
        bytesRead_ += length;
        reads_ += 1;
        return;
      }
    ir::fail("{}: no tensor '{}'", path_, name);
  }
  int64_t reads() const { return reads_; }

 private:
  const MemoryCheckpoint& c_;
  int64_t reads_ = 0;
};

class MemoryWriter : public frontend::CheckpointWriter {
 public:
  explicit MemoryWriter(MemoryCheckpoint& out) : out_(out) {}
  void beginTensor(const frontend::CheckpointTensorInfo& info) override { pending_.push_back({info, {}}); }
  void write(const void* data, size_t n) override {
    const char* p = static_cast<const char*>(data);
    pending_.back().bytes.insert(pending_.back().bytes.end(), p, p + n);
  }
  void endTensor() override {
    if (pending_.back().bytes.size() != pending_.back().info.bytes) ir::fail("tensor '{}': wrong byte count", pending_.back().info.name);
  }
  void commit() override { out_ = pending_; }

 private:
  MemoryCheckpoint& out_;
  MemoryCheckpoint pending_;
};

}  // namespace shardc::testing
