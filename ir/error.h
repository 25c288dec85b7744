// The one exception type shardc raises for bad input: its message is the single line the user sees.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace shardc::ir {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace shardc::ir
