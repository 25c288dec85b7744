// Reading weight files by mmap (format in shardrt.h), validating every offset before use.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/context.h"

struct shardrt_weights {
  void* map = nullptr;  // our mapping, or null when the bytes are the caller's
  size_t size = 0;
  struct Entry {
    std::string name;
    int32_t dtype;
    std::vector<int64_t> dims;
    const unsigned char* data;
    uint64_t nbytes;
  };
  std::vector<Entry> entries;
};

namespace {

class Reader {
 public:
  Reader(const unsigned char* base, size_t size, size_t at) : base_(base), size_(size), at_(at) {}
  bool u32(uint32_t& v) { return take(&v, 4); }
  bool u64(uint64_t& v) { return take(&v, 8); }
  bool bytes(std::string& s, size_t n) {
    if (n > size_ - at_ || at_ > size_) return false;
    s.assign(reinterpret_cast<const char*>(base_ + at_), n);
    at_ += n;
    return true;
  }

 private:
  bool take(void* dst, size_t n) {
    if (at_ > size_ || n > size_ - at_) return false;
    std::memcpy(dst, base_ + at_, n);
    at_ += n;
    return true;
  }
  const unsigned char* base_;
  size_t size_, at_;
};

int failWith(shardrt_context* ctx, shardrt_weights* w, const char* path, const std::string& what) {
  shardrt_set_error(ctx, "%s: %s", path, what.c_str());
  shardrt_weights_close(w);
  return 1;
}

// The header and table of a weight file whose bytes are at base (w->size of them).
int parse(shardrt_context* ctx, shardrt_weights* w, const unsigned char* base, const char* path, shardrt_weights** out) {
  if (std::memcmp(base, "SHARDCW1", 8) != 0) return failWith(ctx, w, path, "not a shardc weight file (bad magic)");
  Reader h(base, w->size, 8);
  uint32_t version = 0, count = 0;
  uint64_t tableOffset = 0, tableBytes = 0, dataOffset = 0;
  h.u32(version);
  h.u32(count);
  h.u64(tableOffset);
  h.u64(tableBytes);
  h.u64(dataOffset);
  if (version != 1) return failWith(ctx, w, path, "unsupported weight file version " + std::to_string(version));
  if (tableOffset > w->size || tableBytes > w->size - tableOffset || dataOffset > w->size)
    return failWith(ctx, w, path, "the table lies outside the file (truncated?)");
  Reader t(base, tableOffset + tableBytes, tableOffset);
  for (uint32_t i = 0; i < count; ++i) {
    shardrt_weights::Entry e;
    uint32_t nameLen = 0, dtype = 0, rank = 0;
    uint64_t offset = 0;
    std::string where = "entry " + std::to_string(i);
    if (!t.u32(nameLen) || nameLen > 65536 || !t.bytes(e.name, nameLen) || !t.u32(dtype) || !t.u32(rank) || rank > 64)
      return failWith(ctx, w, path, where + ": the table is truncated");
    where += " ('" + e.name + "')";
    e.dtype = static_cast<int32_t>(dtype);
    size_t elem = shardrt_dtype_size(e.dtype);
    if (elem == 0) return failWith(ctx, w, path, where + ": unknown element type " + std::to_string(dtype));
    unsigned __int128 count128 = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      uint64_t dim = 0;
      if (!t.u64(dim)) return failWith(ctx, w, path, where + ": the table is truncated");
      e.dims.push_back(static_cast<int64_t>(dim));
      count128 *= dim;
    }
    if (!t.u64(offset) || !t.u64(e.nbytes)) return failWith(ctx, w, path, where + ": the table is truncated");
    if (count128 * elem != e.nbytes)
      return failWith(ctx, w, path, where + ": " + std::to_string(e.nbytes) + " bytes do not match its shape");
    if (offset > w->size - dataOffset || e.nbytes > w->size - dataOffset - offset)
      return failWith(ctx, w, path, where + ": its data lies outside the file (truncated?)");
    e.data = base + dataOffset + offset;
    w->entries.push_back(std::move(e));
  }
  *out = w;
  return 0;
}

}  // namespace

extern "C" {

int shardrt_weights_open(shardrt_context* ctx, const char* path, shardrt_weights** out) {
  *out = nullptr;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    shardrt_set_error(ctx, "%s: cannot open the weight file: %s", path, std::strerror(errno));
    return 1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    shardrt_set_error(ctx, "%s: cannot stat: %s", path, std::strerror(errno));
    return 1;
  }
  auto* w = new shardrt_weights();
  w->size = static_cast<size_t>(st.st_size);
  if (w->size < 64) {
    ::close(fd);
    return failWith(ctx, w, path, "not a shardc weight file (too short)");
  }
  w->map = ::mmap(nullptr, w->size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (w->map == MAP_FAILED) {
    w->map = nullptr;
    return failWith(ctx, w, path, std::string("cannot map: ") + std::strerror(errno));
  }
  return parse(ctx, w, static_cast<const unsigned char*>(w->map), path, out);
}

int shardrt_weights_open_memory(shardrt_context* ctx, const void* data, size_t bytes, const char* name,
                                shardrt_weights** out) {
  *out = nullptr;
  auto* w = new shardrt_weights();
  w->size = bytes;
  if (!data || bytes < 64) return failWith(ctx, w, name, "not a shardc weight file (too short)");
  return parse(ctx, w, static_cast<const unsigned char*>(data), name, out);
}

void shardrt_weights_close(shardrt_weights* w) {
  if (!w) return;
  if (w->map) ::munmap(w->map, w->size);
  delete w;
}

int32_t shardrt_weights_count(const shardrt_weights* w) { return static_cast<int32_t>(w->entries.size()); }

int shardrt_weights_entry(const shardrt_weights* w, int32_t i, shardrt_tensor_desc* desc, const void** data,
                          uint64_t* nbytes) {
  if (i < 0 || static_cast<size_t>(i) >= w->entries.size()) return 1;
  const auto& e = w->entries[static_cast<size_t>(i)];
  if (desc) *desc = {e.name.c_str(), e.dtype, static_cast<int32_t>(e.dims.size()), e.dims.data()};
  if (data) *data = e.data;
  if (nbytes) *nbytes = e.nbytes;
  return 0;
}

int32_t shardrt_weights_find(const shardrt_weights* w, const char* name) {
  for (size_t i = 0; i < w->entries.size(); ++i)
    if (w->entries[i].name == name) return static_cast<int32_t>(i);
  return -1;
}

}  // extern "C"
