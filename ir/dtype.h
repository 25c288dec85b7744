// Element types of tensors, with the names shardc prints and the facts every layer needs (size, kind).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace shardc::ir {

enum class DType {
  f16,
  bf16,
  f32,
  f64,
  i8,
  i16,
  i32,
  i64,
  u8,
  u16,
  u32,
  u64,
  boolean,
};

// Short name used in the text IR and messages: "f32", "i64", "bool", ...
std::string_view dtypeName(DType t);
std::optional<DType> parseDType(std::string_view name);
size_t dtypeSize(DType t);
bool isFloat(DType t);
bool isSignedInt(DType t);
bool isUnsignedInt(DType t);

// Calls f with a value of the C++ type that stores one element of `t` (a tag, `T{}`), so kernels can be written
// once as templates. f16/bf16 have no arithmetic C++ type here; callers reject them before dispatching.
template <typename F>
decltype(auto) dispatchDType(DType t, F&& f);

}  // namespace shardc::ir

#include "ir/dtype_dispatch.inc"
