// Writing a file so that readers see either the old file or the whole new one, never a part.
#pragma once

#include <string>
#include <string_view>

namespace shardc::frontend {

// Writes to a temporary sibling, flushes, then renames over `path`. Throws ir::Error naming `path` on failure
// and leaves nothing behind.
void writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace shardc::frontend
