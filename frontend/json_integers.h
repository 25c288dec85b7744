// nlohmann::json converts a float to an integer type with a plain cast, undefined behaviour when the value is out
// of the type's range (the strategy JSON fuzzer found 66666666666666666666666, which JSON reads as a float, taken as
// an int). Readers of integer fields check with this before get<>.
#pragma once

#include <nlohmann/json.hpp>

namespace shardc::frontend {

// Whether every number in `j`, at any depth, is an integer (signed or unsigned).
inline bool hasOnlyIntegerNumbers(const nlohmann::json& j) {
  if (j.is_number()) return j.is_number_integer();
  if (j.is_array() || j.is_object())
    for (const auto& e : j)
      if (!hasOnlyIntegerNumbers(e)) return false;
  return true;
}

}  // namespace shardc::frontend
