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

// Input that is well-formed but uses something shardc does not implement (an operator, attribute value or element
// type): the conformance runner counts these apart from failures.
class Unsupported : public Error {
 public:
  explicit Unsupported(const std::string& message) : Error(message) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void unsupported(fmt::format_string<Args...> f, Args&&... args) {
  throw Unsupported(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace shardc::ir
