// Helpers of the interpreter's tests: small graphs built by hand, tensors from values, values out of tensors.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"
#include "ir/interpreter/interpreter.h"
#include "ir/type_inference.h"

namespace shardc::ir::testing {

// Sets every op's result type from type inference, in program order.
inline void inferTypes(Graph& g) {
  for (const Op& op : g.ops()) {
    std::vector<TensorType> types = inferResultTypes(g, op);
    for (size_t i = 0; i < op.results.size(); ++i) g.value(op.results[i]).type = types.at(i);
  }
}

// A graph of one op named "n" over inputs in0, in1, ... of the given tensors' types; runs it on them.
inline Tensor run1(OpKind kind, const std::vector<Tensor>& ins, Attributes attrs = {}) {
  Graph g;
  std::vector<ValueId> vs;
  for (size_t i = 0; i < ins.size(); ++i) vs.push_back(g.addInput("in" + std::to_string(i), ins[i].type()));
  ValueId r = g.addOp1(kind, vs, "r", std::move(attrs), "n");
  inferTypes(g);
  g.setOutputs({r});
  std::vector<Tensor> out = interpret(g, ins);
  return out.at(0);
}

// The message of the ir::Error that f throws, or "no error".
inline std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Whether the error f throws is an ir::Unsupported ("no error" / "Error" / "Unsupported").
inline std::string errorKindOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Unsupported&) {
    return "Unsupported";
  } catch (const Error&) {
    return "Error";
  }
  return "no error";
}

inline Tensor tensor(DType t, Shape s, const std::vector<double>& v) { return Tensor::fromDoubles(t, std::move(s), v); }
inline Tensor f32(Shape s, const std::vector<double>& v) { return Tensor::fromDoubles(DType::f32, std::move(s), v); }
inline Tensor f64(Shape s, const std::vector<double>& v) { return Tensor::fromDoubles(DType::f64, std::move(s), v); }
inline Tensor i32(Shape s, const std::vector<int64_t>& v) { return Tensor::fromInts(DType::i32, std::move(s), v); }
inline Tensor i64(Shape s, const std::vector<int64_t>& v) { return Tensor::fromInts(DType::i64, std::move(s), v); }

// All elements, widened to double.
inline std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i) v.push_back(t.elementAsDouble(i));
  return v;
}
inline std::vector<int64_t> ints(const Tensor& t) { return t.toInts(); }
inline std::vector<float> floats(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numElements());
}

// n numbers from a fixed seed: uniform in [-2, 2), rounded to float so f32 tensors hold them exactly.
inline std::vector<double> randomFloats(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<float>(dist(gen));
  return v;
}
// n integers in [lo, hi] from a fixed seed.
inline std::vector<int64_t> randomInts(size_t n, uint32_t seed, int64_t lo, int64_t hi) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<int64_t> v(n);
  for (int64_t& x : v) x = dist(gen);
  return v;
}

inline Attributes attrs(std::initializer_list<std::pair<const std::string, Attribute>> kv) {
  Attributes a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

}  // namespace shardc::ir::testing
