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
#include "runtime/weights_table.h"

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

int failWith(shardrt_context* ctx, shardrt_weights* w, const char* path, const std::string& what) {
  shardrt_set_error(ctx, "%s: %s", path, what.c_str());
  shardrt_weights_close(w);
  return 1;
}

// The header and table of a weight file whose bytes are at base (w->size of them).
int parse(shardrt_context* ctx, shardrt_weights* w, const unsigned char* base, const char* path, shardrt_weights** out) {
  std::vector<shardrt::WeightsTableEntry> table;
  std::string error = shardrt::parseWeightsTable(base, w->size, table);
  if (!error.empty()) return failWith(ctx, w, path, error);
  for (auto& t : table) w->entries.push_back({std::move(t.name), t.dtype, std::move(t.dims), base + t.offset, t.nbytes});
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
