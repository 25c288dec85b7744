#include "frontend/mindir_value.h"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "frontend/mindspore_ckpt.h"

namespace shardc::frontend {

MindIrValue MindIrValue::boolean(bool b) {
  MindIrValue v = make(Kind::Bool);
  v.i = b ? 1 : 0;
  return v;
}

MindIrValue MindIrValue::integer(int64_t x) {
  MindIrValue v = make(Kind::Int);
  v.i = x;
  return v;
}

MindIrValue MindIrValue::real(double x) {
  MindIrValue v = make(Kind::Float);
  v.f = x;
  return v;
}

MindIrValue MindIrValue::string(std::string x) {
  MindIrValue v = make(Kind::String);
  v.s = std::move(x);
  return v;
}

MindIrValue MindIrValue::dtype(ir::DType t) {
  MindIrValue v = make(Kind::Type);
  v.type = t;
  return v;
}

MindIrValue MindIrValue::tensorValue(ir::Tensor t) {
  MindIrValue v = make(Kind::Tensor);
  v.tensor = std::make_shared<const ir::Tensor>(std::move(t));
  return v;
}

MindIrValue MindIrValue::tuple(std::vector<MindIrValue> items) {
  MindIrValue v = make(Kind::Tuple);
  v.items = std::move(items);
  return v;
}

MindIrValue MindIrValue::list(std::vector<MindIrValue> items) {
  MindIrValue v = make(Kind::List);
  v.items = std::move(items);
  return v;
}

MindIrValue MindIrValue::ints(const std::vector<int64_t>& v) {
  std::vector<MindIrValue> items;
  for (int64_t x : v) items.push_back(integer(x));
  return tuple(std::move(items));
}

MindIrValue MindIrValue::intTuples(const std::vector<std::vector<int64_t>>& v) {
  std::vector<MindIrValue> items;
  for (const auto& x : v) items.push_back(ints(x));
  return tuple(std::move(items));
}

std::vector<int64_t> MindIrValue::toInts() const {
  switch (kind) {
    case Kind::Int:
    case Kind::Bool: return {i};
    case Kind::Tuple:
    case Kind::List: {
      std::vector<int64_t> out;
      for (const auto& item : items) {
        if (item.kind != Kind::Int && item.kind != Kind::Bool)
          throw std::invalid_argument(fmt::format("{} is not a sequence of integers", str()));
        out.push_back(item.i);
      }
      return out;
    }
    case Kind::Tensor:
      if (tensor->shape().rank() <= 1 && (ir::isSignedInt(tensor->dtype()) || ir::isUnsignedInt(tensor->dtype())))
        return tensor->toInts();
      break;
    default: break;
  }
  throw std::invalid_argument(fmt::format("{} is not an integer or a sequence of integers", str()));
}

std::string MindIrValue::str() const {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Monad: return "U";
    case Kind::Bool: return i ? "True" : "False";
    case Kind::Int: return std::to_string(i);
    case Kind::Float: return fmt::format("{}", f);
    case Kind::String: return "'" + s + "'";
    case Kind::Type: return mindsporeTypeName(type);
    case Kind::Tensor: return "Tensor(" + tensor->type().str() + ")";
    case Kind::Tuple:
    case Kind::List: {
      std::vector<std::string> parts;
      for (const auto& item : items) parts.push_back(item.str());
      if (kind == Kind::List) return fmt::format("[{}]", fmt::join(parts, ", "));
      return parts.size() == 1 ? "(" + parts[0] + ",)" : fmt::format("({})", fmt::join(parts, ", "));
    }
    case Kind::Other: return "<" + s + ">";
  }
  return "?";
}

}  // namespace shardc::frontend
