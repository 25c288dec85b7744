// Building graphs in the benchmarks: an op whose result type is inferred as it is added, and an ints attribute.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/type_inference.h"

namespace shardc::bench {

inline ir::ValueId typedOp(ir::Graph& g, ir::OpKind k, std::vector<ir::ValueId> in, const std::string& name,
                           ir::Attributes a = {}) {
  ir::ValueId r = g.addOp1(k, std::move(in), name, std::move(a), name);
  g.value(r).type = ir::inferResultTypes(g, g.ops().back())[0];
  return r;
}

inline ir::Attributes intsAttr(const char* name, std::vector<int64_t> v) {
  ir::Attributes a;
  a.set(name, std::move(v));
  return a;
}

}  // namespace shardc::bench
