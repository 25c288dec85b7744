#include "ir/dtype.h"

#include <array>
#include <utility>

namespace shardc::ir {
namespace {
struct DTypeInfo {
  DType type;
  std::string_view name;
  size_t size;
};
constexpr std::array<DTypeInfo, 13> kInfo{{
    {DType::f16, "f16", 2},
    {DType::bf16, "bf16", 2},
    {DType::f32, "f32", 4},
    {DType::f64, "f64", 8},
    {DType::i8, "i8", 1},
    {DType::i16, "i16", 2},
    {DType::i32, "i32", 4},
    {DType::i64, "i64", 8},
    {DType::u8, "u8", 1},
    {DType::u16, "u16", 2},
    {DType::u32, "u32", 4},
    {DType::u64, "u64", 8},
    {DType::boolean, "bool", 1},
}};
}  // namespace

std::string_view dtypeName(DType t) { return kInfo[static_cast<size_t>(t)].name; }

std::optional<DType> parseDType(std::string_view name) {
  for (const auto& i : kInfo)
    if (i.name == name) return i.type;
  return std::nullopt;
}

size_t dtypeSize(DType t) { return kInfo[static_cast<size_t>(t)].size; }

bool isFloat(DType t) { return t == DType::f16 || t == DType::bf16 || t == DType::f32 || t == DType::f64; }
bool isSignedInt(DType t) { return t == DType::i8 || t == DType::i16 || t == DType::i32 || t == DType::i64; }
bool isUnsignedInt(DType t) { return t == DType::u8 || t == DType::u16 || t == DType::u32 || t == DType::u64; }

}  // namespace shardc::ir
