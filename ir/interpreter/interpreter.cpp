// The driver: checks the inputs, binds inputs and parameters, runs the ops in program order with result types from
// type inference, and names the op in any error its kernel raises.
#include "ir/interpreter/interpreter.h"

#include <memory>
#include <stdexcept>

#include "ir/error.h"
#include "ir/interpreter/kernels.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {

using Kernel = void (*)(const Op&, const std::vector<const Tensor*>&, Tensor&);

Kernel kernelFor(OpKind k) {
  switch (k) {
    case OpKind::Identity:
    case OpKind::Reshape:
    case OpKind::Flatten: return interp::copyBytes;
    case OpKind::Neg:
    case OpKind::Relu:
    case OpKind::Sigmoid:
    case OpKind::Tanh:
    case OpKind::Exp:
    case OpKind::Sqrt:
    case OpKind::Abs:
    case OpKind::Log:
    case OpKind::Reciprocal:
    case OpKind::Erf:
    case OpKind::Floor:
    case OpKind::Ceil:
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
    case OpKind::Max:
    case OpKind::Min: return interp::elementwise;
    case OpKind::Equal:
    case OpKind::Less:
    case OpKind::Greater:
    case OpKind::LessOrEqual:
    case OpKind::GreaterOrEqual: return interp::compare;
    case OpKind::Not:
    case OpKind::And:
    case OpKind::Or:
    case OpKind::Xor: return interp::logical;
    case OpKind::Where: return interp::where;
    case OpKind::Cast: return interp::cast;
    case OpKind::Expand: return interp::expand;
    case OpKind::Slice: return interp::slice;
    case OpKind::Gather:
      return interp::gather;
    case OpKind::Conv: return interp::conv;
    case OpKind::MaxPool:
    case OpKind::AveragePool: return interp::pool;
    case OpKind::MatMul: return interp::matmul;
    case OpKind::Gemm: return interp::gemm;
    case OpKind::Transpose: return interp::transpose;
    case OpKind::Concat: return interp::concat;
    case OpKind::Softmax: return interp::softmax;
    case OpKind::ReduceSum:
    case OpKind::ReduceProd:
    case OpKind::ReduceMean: return interp::reduce;
    case OpKind::ArgMax:
    case OpKind::ArgMin: return interp::argExtreme;
    case OpKind::TopK: return interp::topK;
    case OpKind::GatherElements: return interp::gatherElements;
    case OpKind::Pad: return interp::pad;
    case OpKind::ConvTranspose: return interp::convTranspose;
    case OpKind::ReduceMax:
    case OpKind::ReduceMin: return interp::reduceExtreme;
    case OpKind::AllReduce:
    case OpKind::AllGather:
    case OpKind::ReduceScatter:
    case OpKind::AllToAll:
    case OpKind::ShardSlice: unsupported("collectives run only in compiled rank programs");
  }
  unsupported("no kernel for {}", opKindName(k));
}

// Computes op's one result from its operands.
std::shared_ptr<const Tensor> runOp(const Op& op, const std::vector<const Tensor*>& in) {
  std::vector<TensorType> types;
  types.reserve(in.size());
  for (const Tensor* t : in) types.push_back(t->type());
  Kernel kernel = kernelFor(op.kind);
  std::vector<TensorType> out = inferResultTypes(op, types);
  if (out.size() != 1 || op.results.size() != 1)
    fail("has {} result(s) where its kind has {}", op.results.size(), out.size());
  auto result = std::make_shared<Tensor>(out[0].dtype, out[0].shape);
  kernel(op, in, *result);
  return result;
}

}  // namespace

Tensor evaluateOp(const Op& op, const std::vector<const Tensor*>& operands) { return *runOp(op, operands); }

std::vector<Tensor> interpret(const Graph& g, const std::vector<Tensor>& inputs) {
  if (inputs.size() != g.inputs().size())
    fail("the graph has {} input(s), {} given", g.inputs().size(), inputs.size());
  // Every value the run has computed so far (inputs and parameters first), by id.
  std::vector<std::shared_ptr<const Tensor>> values(g.numValues());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ValueId id = g.inputs()[i];
    const Value& v = g.value(id);
    if (!v.type.shape.isStatic())
      fail("input '{}' has the dynamic type {}: give it a static shape first", v.name, v.type.str());
    if (!(inputs[i].type() == v.type))
      fail("input '{}': expected {}, got {}", v.name, v.type.str(), inputs[i].type().str());
    values[static_cast<size_t>(id)] = std::make_shared<const Tensor>(inputs[i]);
  }
  for (ValueId id : g.params()) {
    const Value& v = g.value(id);
    if (!v.data) fail("parameter '{}' has no data", v.name);
    if (!(v.data->type() == v.type))
      fail("parameter '{}': its type is {} but its data is {}", v.name, v.type.str(), v.data->type().str());
    values[static_cast<size_t>(id)] = v.data;
  }
  for (const Op& op : g.ops()) {
    std::vector<const Tensor*> in;
    in.reserve(op.operands.size());
    for (ValueId v : op.operands) {
      const Tensor* t = values.at(static_cast<size_t>(v)).get();
      if (!t) fail("{}: operand %{} is not computed yet", describeOp(g, op), g.value(v).name);
      in.push_back(t);
    }
    try {
      values.at(static_cast<size_t>(op.results.at(0))) = runOp(op, in);
    } catch (const Unsupported& e) {
      throw Unsupported(describeOp(g, op) + ": " + e.what());
    } catch (const Error& e) {
      throw Error(describeOp(g, op) + ": " + e.what());
    } catch (const std::invalid_argument& e) {  // an attribute of the wrong kind
      throw Error(describeOp(g, op) + ": " + e.what());
    }
  }
  std::vector<Tensor> outputs;
  outputs.reserve(g.outputs().size());
  for (ValueId v : g.outputs()) {
    const std::shared_ptr<const Tensor>& t = values.at(static_cast<size_t>(v));
    if (!t) fail("output %{} is not computed by any op", g.value(v).name);
    outputs.push_back(*t);
  }
  return outputs;
}

}  // namespace shardc::ir
