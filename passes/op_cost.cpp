#include "passes/op_cost.h"

#include <algorithm>
#include <cmath>

namespace shardc::passes {
namespace {
double bytesOf(const ir::Shape& s, ir::DType t) { return double(s.numElements()) * double(ir::dtypeSize(t)); }
}  // namespace

double opComputeSeconds(const ir::Graph& g, const ir::Op& op, const std::vector<ir::Shape>& ins, const ir::Shape& y,
                        const MachineModel& machine) {
  double bytes = op.results.empty() ? 0 : bytesOf(y, g.value(op.results[0]).type.dtype);
  for (size_t k = 0; k < ins.size(); ++k) bytes += bytesOf(ins[k], g.value(op.operands[k]).type.dtype);
  double flops = 0, restreamed = 0;
  if (op.kind == ir::OpKind::MatMul && ins.size() >= 2) {
    const ir::Shape &a = ins[0], &w = ins[1];
    flops = 2.0 * double(y.numElements()) * double(a.dims.empty() ? 1 : a.dims.back());
    double matrix = double(ir::dtypeSize(g.value(op.operands[1]).type.dtype));
    for (size_t d = w.rank() >= 2 ? w.rank() - 2 : 0; d < w.rank(); ++d) matrix *= double(w.dims[d]);
    if (a.rank() >= 2 && matrix > machine.cacheBytes) {
      double passes = std::ceil(double(a.dims[a.rank() - 2]) / double(machine.matmulRowBlock));
      restreamed = (passes - 1) * bytesOf(w, g.value(op.operands[1]).type.dtype);
    }
  } else if (op.kind == ir::OpKind::Conv && ins.size() >= 2) {
    const ir::Shape& w = ins[1];
    flops = 2.0 * double(y.numElements()) * double(w.numElements() / std::max<int64_t>(w.dims[0], 1));
  }
  // Re-reading the weights from the last-level cache overlaps the arithmetic: it costs only where it is slower.
  return std::max(flops / machine.peakFlops, restreamed / machine.cacheBandwidth) + bytes / machine.comm.memoryBandwidth;
}

double opComputeSeconds(const ir::Graph& g, const ir::Op& op, const MachineModel& machine) {
  std::vector<ir::Shape> ins;
  for (ir::ValueId x : op.operands) ins.push_back(g.value(x).type.shape);
  return opComputeSeconds(g, op, ins, op.results.empty() ? ir::Shape{} : g.value(op.results[0]).type.shape, machine);
}

}  // namespace shardc::passes
