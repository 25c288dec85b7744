// codegen mirrors the runtime's ABI numbers (it may not include the runtime's header); they must agree.
#include <gtest/gtest.h>

#include "codegen/runtime_abi.h"
#include "ir/error.h"
#include "runtime/include/shardrt/shardrt.h"

namespace shardc {
namespace {

TEST(RuntimeAbi, ElementTypeCodesAgreeWithTheRuntimeHeader) {
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::f32), SHARDRT_F32);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::f64), SHARDRT_F64);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::i8), SHARDRT_I8);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::i16), SHARDRT_I16);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::i32), SHARDRT_I32);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::i64), SHARDRT_I64);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::u8), SHARDRT_U8);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::u16), SHARDRT_U16);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::u32), SHARDRT_U32);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::u64), SHARDRT_U64);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::boolean), SHARDRT_BOOL);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::f16), SHARDRT_F16);
  EXPECT_EQ(codegen::runtimeDTypeCode(ir::DType::bf16), SHARDRT_BF16);
  // The descriptor layout and ABI version are checked by every compiled program at start (abi_version) and by
  // the end-to-end tests that run them.
}

TEST(RuntimeAbi, ReductionCodesAgreeWithTheRuntimeHeader) {
  EXPECT_EQ(codegen::runtimeReduceCode("sum"), SHARDRT_REDUCE_SUM);
  EXPECT_EQ(codegen::runtimeReduceCode("max"), SHARDRT_REDUCE_MAX);
  EXPECT_EQ(codegen::runtimeReduceCode("min"), SHARDRT_REDUCE_MIN);
  EXPECT_THROW(codegen::runtimeReduceCode("prod"), ir::Error);
}

}  // namespace
}  // namespace shardc
