// The runtime context's insides (private to libshardrt).
#pragma once

#include <string>

#include "runtime/include/shardrt/shardrt.h"

struct shardrt_context {
  int32_t rank = 0;
  int32_t worldSize = 1;
  std::string error;
};
