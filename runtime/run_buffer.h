// A buffer a program runs in (private to libshardrt): 64-byte aligned, huge pages asked for, every page touched
// at allocation rather than in the first run.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

struct RunBuffer {
  void* p = nullptr;
  size_t n = 0;
  explicit RunBuffer(size_t bytes) : n(std::max<size_t>(bytes, 64)) {
    p = std::aligned_alloc(64, (n + 63) / 64 * 64);
    if (!p) return;
    if (n >= (size_t(2) << 20)) ::madvise(p, n, MADV_HUGEPAGE);
    std::memset(p, 0, n);
  }
  ~RunBuffer() { std::free(p); }
  RunBuffer(const RunBuffer&) = delete;
  RunBuffer& operator=(const RunBuffer&) = delete;
};
