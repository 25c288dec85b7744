// Values of MindIR attributes: a primitive's attributes (transpose_b, kernel_size, in_strategy) and a Constant
// node's value (a Reshape's shape, an axis, a weight tensor, a dtype). One small variant that the importer reads
// both styles of attribute into and the writer writes from.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace shardc::frontend {

struct MindIrValue {
  // Other: a value shardc has no use for (a dictionary, a closure, a class); `s` says which.
  enum class Kind { None, Monad, Bool, Int, Float, String, Type, Tensor, Tuple, List, Other };

  Kind kind = Kind::None;
  int64_t i = 0;               // Bool, Int
  double f = 0;                // Float
  std::string s;               // String, Other
  ir::DType type = ir::DType::f32;  // Type
  std::shared_ptr<const ir::Tensor> tensor;  // Tensor
  std::vector<MindIrValue> items;            // Tuple, List

  static MindIrValue none() { return {}; }
  static MindIrValue monad() { return make(Kind::Monad); }
  static MindIrValue boolean(bool b);
  static MindIrValue integer(int64_t v);
  static MindIrValue real(double v);
  static MindIrValue string(std::string v);
  static MindIrValue dtype(ir::DType t);
  static MindIrValue tensorValue(ir::Tensor t);
  static MindIrValue tuple(std::vector<MindIrValue> items);
  static MindIrValue list(std::vector<MindIrValue> items);
  // (2, 1) and ((2, 1), (1, 2)): kernel sizes, shapes, in_strategy.
  static MindIrValue ints(const std::vector<int64_t>& v);
  static MindIrValue intTuples(const std::vector<std::vector<int64_t>>& v);

  bool isSequence() const { return kind == Kind::Tuple || kind == Kind::List; }
  bool isScalar() const { return kind == Kind::Bool || kind == Kind::Int || kind == Kind::Float; }
  // The integers this value holds: an Int or Bool, a sequence of them, or an integer tensor of rank <= 1.
  // Throws std::invalid_argument otherwise.
  std::vector<int64_t> toInts() const;
  // Python's spelling, for messages: 2, 1.5, 'same', (2, 1), ((2, 1), (1, 2)), Float32, Tensor(f32[2,2]), None.
  std::string str() const;

 private:
  static MindIrValue make(Kind k) {
    MindIrValue v;
    v.kind = k;
    return v;
  }
};

// A primitive's attributes by name.
using MindIrAttrs = std::map<std::string, MindIrValue>;

}  // namespace shardc::frontend
