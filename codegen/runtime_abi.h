// The runtime's C ABI as LLVM sees it: the layout of shardrt_program and shardrt_tensor_desc
// (runtime/include/shardrt/shardrt.h), and the globals of a program descriptor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/dtype.h"

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace shardc::codegen {

struct TensorDescription {
  std::string name;
  ir::DType dtype;
  std::vector<int64_t> dims;
};

// The runtime's element type code of an ir dtype (shardrt_dtype).
int32_t runtimeDTypeCode(ir::DType t);

class RuntimeAbi {
 public:
  explicit RuntimeAbi(llvm::Module& m) : m_(m) {}
  // Defines the external constant `shardc_program` describing the program and pointing at `run`.
  void emitProgramDescriptor(const std::string& name, const std::vector<TensorDescription>& inputs,
                             const std::vector<TensorDescription>& outputs,
                             const std::vector<TensorDescription>& weights, int64_t arenaBytes, bool needsMpi,
                             llvm::Function* run);

 private:
  llvm::Module& m_;
};

}  // namespace shardc::codegen
