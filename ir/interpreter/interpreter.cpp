#include "ir/interpreter/interpreter.h"

#include <cstring>

#include "ir/error.h"
#include "ir/interpreter/kernels.h"
#include "ir/type_inference.h"

namespace shardc::ir {

std::vector<Tensor> interpret(const Graph& g, const std::vector<Tensor>& inputs) {
  if (inputs.size() != g.inputs().size())
    fail("the model has {} input(s), {} given", g.inputs().size(), inputs.size());
  std::vector<std::shared_ptr<const Tensor>> values(g.numValues());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = g.value(g.inputs()[i]);
    if (!(inputs[i].type() == v.type))
      fail("input '{}': expected {}, got {}", v.name, v.type.str(), inputs[i].type().str());
    values[static_cast<size_t>(g.inputs()[i])] = std::make_shared<const Tensor>(inputs[i]);
  }
  for (ValueId p : g.params()) {
    const Value& v = g.value(p);
    if (!v.data) fail("parameter '{}' has no data", v.name);
    values[static_cast<size_t>(p)] = v.data;
  }
  for (const Op& op : g.ops()) {
    std::vector<const Tensor*> in;
    std::vector<TensorType> types;
    for (ValueId v : op.operands) {
      const Tensor* t = values[static_cast<size_t>(v)].get();
      if (!t) fail("{}: operand %{} is not computed yet", describeOp(g, op), g.value(v).name);
      in.push_back(t);
      types.push_back(t->type());
    }
    try {
      std::vector<TensorType> out = inferResultTypes(op, types);
      auto result = std::make_shared<Tensor>(out[0].dtype, out[0].shape);
      switch (op.kind) {
        case OpKind::MatMul: interp::matmul(op, in, *result); break;
        case OpKind::Gemm: interp::gemm(op, in, *result); break;
        case OpKind::Transpose: interp::transpose(op, in, *result); break;
        case OpKind::Concat: interp::concat(op, in, *result); break;
        case OpKind::AllReduce:
        case OpKind::AllGather:
        case OpKind::ReduceScatter:
        case OpKind::AllToAll:
        case OpKind::ShardSlice: fail("collectives run only in compiled rank programs");
        case OpKind::Softmax: interp::softmax(op, in, *result); break;
        case OpKind::ReduceSum:
        case OpKind::ReduceMean: interp::reduce(op, in, *result); break;
        case OpKind::Reshape:
        case OpKind::Flatten:
        case OpKind::Identity:
          if (in[0]->byteSize()) std::memcpy(result->bytes(), in[0]->bytes(), in[0]->byteSize());
          break;
        default: interp::elementwise(op, in, *result); break;
      }
      values[static_cast<size_t>(op.results[0])] = std::move(result);
    } catch (const Unsupported& e) {
      throw Unsupported(describeOp(g, op) + ": " + e.what());
    } catch (const Error& e) {
      throw Error(describeOp(g, op) + ": " + e.what());
    } catch (const std::invalid_argument& e) {
      throw Unsupported(describeOp(g, op) + ": " + e.what());
    }
  }
  std::vector<Tensor> outputs;
  for (ValueId v : g.outputs()) outputs.push_back(*values[static_cast<size_t>(v)]);
  return outputs;
}

}  // namespace shardc::ir
