#include "ir/interpreter/rank_simulation.h"

#include <algorithm>
#include <memory>

#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/tensor_box.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {

Box whole(const Shape& s) { return {std::vector<int64_t>(s.rank(), 0), s.dims}; }

// The part of `t` along `dim` at `index` of `parts` equal parts.
Tensor part(const Tensor& t, size_t dim, int64_t index, int64_t parts) {
  Box b = whole(t.shape());
  b.extent[dim] /= parts;
  b.offset[dim] = index * b.extent[dim];
  return extractBox(t, b);
}

// `pieces` laid end to end along `dim`.
Tensor concat(const std::vector<Tensor>& pieces, size_t dim) {
  Shape s = pieces.at(0).shape();
  s.dims[dim] = 0;
  for (const Tensor& p : pieces) s.dims[dim] += p.shape().dims[dim];
  Tensor out(pieces[0].dtype(), s);
  size_t elem = dtypeSize(out.dtype());
  int64_t at = 0;
  for (const Tensor& p : pieces) {
    Box dst = whole(p.shape());
    dst.offset[dim] = at;
    Box outBox = whole(s);
    forEachBoxRun(dst, dst, outBox, [&](const BoxRun& r) {
      std::copy_n(p.bytes() + r.srcOffset * int64_t(elem), r.count * int64_t(elem), out.bytes() + r.dstOffset * int64_t(elem));
    });
    at += p.shape().dims[dim];
  }
  return out;
}

// Elementwise sum, max or min of the tensors (in double, then the element type).
Tensor reduce(const std::vector<const Tensor*>& ts, const std::string& how) {
  std::vector<double> acc(size_t(ts[0]->numElements()));
  for (size_t i = 0; i < acc.size(); ++i) {
    double v = ts[0]->elementAsDouble(int64_t(i));
    for (size_t k = 1; k < ts.size(); ++k) {
      double x = ts[k]->elementAsDouble(int64_t(i));
      v = how == "max" ? std::max(v, x) : how == "min" ? std::min(v, x) : v + x;
    }
    acc[i] = v;
  }
  return Tensor::fromDoubles(ts[0]->dtype(), ts[0]->shape(), acc);
}

}  // namespace

std::vector<std::vector<Tensor>> interpretRanks(const std::vector<Graph>& programs,
                                                const std::vector<std::vector<Tensor>>& inputs) {
  const size_t ranks = programs.size();
  if (inputs.size() != ranks) fail("{} rank programs, inputs for {}", ranks, inputs.size());
  std::vector<std::vector<std::shared_ptr<const Tensor>>> values(ranks);
  for (size_t r = 0; r < ranks; ++r) {
    const Graph& g = programs[r];
    if (g.ops().size() != programs[0].ops().size())
      fail("rank {}'s program has {} ops, rank 0's {}: not one SPMD job", r, g.ops().size(), programs[0].ops().size());
    if (inputs[r].size() != g.inputs().size()) fail("rank {}: {} input(s) for {}", r, inputs[r].size(), g.inputs().size());
    values[r].resize(g.numValues());
    for (size_t i = 0; i < inputs[r].size(); ++i) values[r][size_t(g.inputs()[i])] = std::make_shared<Tensor>(inputs[r][i]);
    for (ValueId p : g.params()) {
      if (!g.value(p).data) fail("rank {}: parameter '{}' has no data", r, g.value(p).name);
      values[r][size_t(p)] = g.value(p).data;
    }
  }
  auto operand = [&](size_t r, const Op& op, size_t k) -> const Tensor& {
    const auto& t = values[r].at(size_t(op.operands.at(k)));
    if (!t) fail("rank {}: {}: operand {} is not computed", r, describeOp(programs[r], op), k);
    return *t;
  };
  for (size_t i = 0; i < programs[0].ops().size(); ++i) {
    for (size_t r = 0; r < ranks; ++r) {
      const Graph& g = programs[r];
      const Op& op = g.ops()[i];
      if (op.kind != programs[0].ops()[i].kind)
        fail("op {} is {} on rank {} but {} on rank 0: not one SPMD job", i, opKindName(op.kind), r,
             opKindName(programs[0].ops()[i].kind));
      bool grouped = op.attrs.has("group_ranks");
      std::vector<int64_t> group = op.attrs.getInts("group_ranks");
      auto it = std::find(group.begin(), group.end(), int64_t(r));
      if (grouped && it == group.end())
        fail("rank {}: {}: the rank is not in its own group", r, describeOp(g, op));
      int64_t me = it - group.begin(), n = int64_t(group.size());
      // The same op on every member of the group.
      auto members = [&](size_t k) {
        std::vector<const Tensor*> ts;
        for (int64_t m : group) {
          if (m < 0 || size_t(m) >= ranks) fail("rank {}: {}: group rank {} is not in the job", r, describeOp(g, op), m);
          ts.push_back(&operand(size_t(m), programs[size_t(m)].ops()[i], k));
        }
        return ts;
      };
      std::shared_ptr<Tensor> result;
      size_t dim = size_t(op.attrs.getInt("dim", 0));
      switch (op.kind) {
        case OpKind::AllReduce: result = std::make_shared<Tensor>(reduce(members(0), op.attrs.getString("reduce", "sum"))); break;
        case OpKind::AllGather: {
          std::vector<Tensor> pieces;
          for (const Tensor* t : members(0)) pieces.push_back(*t);
          result = std::make_shared<Tensor>(concat(pieces, dim));
          break;
        }
        case OpKind::ReduceScatter: result = std::make_shared<Tensor>(part(reduce(members(0), "sum"), dim, me, n)); break;
        case OpKind::AllToAll: {
          // Member j's chunk `me` along to_dim, laid along dim in member order.
          size_t to = size_t(op.attrs.getInt("to_dim", 1));
          std::vector<Tensor> pieces;
          for (const Tensor* t : members(0)) pieces.push_back(part(*t, to, me, n));
          result = std::make_shared<Tensor>(concat(pieces, dim));
          break;
        }
        case OpKind::ShardSlice: result = std::make_shared<Tensor>(part(operand(r, op, 0), dim, me, n)); break;
        default:
          if (op.kind == OpKind::Gather && op.attrs.has("shard_axes")) {
            // Each rank holds rows [me * local, (me + 1) * local) of the table: indices outside give zeros.
            const Tensor& table = operand(r, op, 0);
            const Tensor& idx = operand(r, op, 1);
            int64_t local = table.shape().dims.at(0), row = table.numElements() / std::max<int64_t>(local, 1);
            Shape s = idx.shape();
            s.dims.insert(s.dims.end(), table.shape().dims.begin() + 1, table.shape().dims.end());
            auto out = std::make_shared<Tensor>(table.dtype(), s);
            size_t elem = dtypeSize(table.dtype());
            for (int64_t k = 0; k < idx.numElements(); ++k) {
              int64_t v = idx.elementAsInt(k) - me * local;
              if (v >= 0 && v < local)
                std::copy_n(table.bytes() + v * row * int64_t(elem), row * int64_t(elem), out->bytes() + k * row * int64_t(elem));
            }
            result = out;
          } else {
            std::vector<const Tensor*> in;
            for (size_t k = 0; k < op.operands.size(); ++k) in.push_back(&operand(r, op, k));
            try {
              result = std::make_shared<Tensor>(evaluateOp(op, in));
            } catch (const Error& e) {
              fail("rank {}: {}: {}", r, describeOp(g, op), e.what());
            }
          }
      }
      if (!(result->type() == g.value(op.results[0]).type))
        fail("rank {}: {}: simulated {}, the program says {}", r, describeOp(g, op), result->type().str(),
             g.value(op.results[0]).type.str());
      values[r][size_t(op.results[0])] = std::move(result);
    }
  }
  std::vector<std::vector<Tensor>> out(ranks);
  for (size_t r = 0; r < ranks; ++r)
    for (ValueId v : programs[r].outputs()) out[r].push_back(*values[r].at(size_t(v)));
  return out;
}

}  // namespace shardc::ir
