/* The runtime's public header compiles as C. */
#include "runtime/include/shardrt/shardrt.h"

int shardrt_header_is_c(void) { return SHARDRT_ABI_VERSION + (int)sizeof(shardrt_program); }
