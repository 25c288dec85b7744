#include "ir/graph_view.h"

#include <functional>
#include <queue>

#include <boost/graph/adjacency_list.hpp>

#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {

// One vertex per op (vertex i is g.ops()[i]), one edge producer -> consumer per operand use.
using OpGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;
using Vertex = boost::graph_traits<OpGraph>::vertex_descriptor;

OpGraph buildOpGraph(const Graph& g) {
  const std::vector<Op>& ops = g.ops();
  OpGraph og(ops.size());
  std::vector<OpId> producer(g.numValues(), kNoOp);
  for (size_t i = 0; i < ops.size(); ++i)
    for (ValueId r : ops[i].results) {
      if (r < 0 || size_t(r) >= g.numValues())
        fail("op #{} ({}) has result value {}, which does not exist", i, opKindName(ops[i].kind), r);
      producer[size_t(r)] = static_cast<OpId>(i);
    }
  for (size_t i = 0; i < ops.size(); ++i)
    for (ValueId v : ops[i].operands) {
      if (v < 0 || size_t(v) >= g.numValues())
        fail("{}: operand value {} does not exist", describeOp(g, ops[i]), v);
      if (OpId p = producer[size_t(v)]; p != kNoOp) boost::add_edge(Vertex(p), Vertex(i), og);
    }
  return og;
}

// A vertex on a cycle among the vertices Kahn's algorithm could not order (those with pending > 0): each of them
// has an unordered predecessor, so walking predecessors must come back to a vertex already seen.
Vertex vertexOnCycle(const OpGraph& og, const std::vector<size_t>& pending) {
  size_t n = boost::num_vertices(og);
  Vertex v = 0;
  while (pending[v] == 0) ++v;
  std::vector<bool> seen(n, false);
  while (!seen[v]) {
    seen[v] = true;
    for (auto [e, end] = boost::in_edges(v, og); e != end; ++e)
      if (pending[boost::source(*e, og)] > 0) {
        v = boost::source(*e, og);
        break;
      }
  }
  return v;
}

}  // namespace

std::vector<OpId> topologicalOrder(const Graph& g) {
  OpGraph og = buildOpGraph(g);
  size_t n = boost::num_vertices(og);
  // Kahn's algorithm; the ready set is a min-heap on the op's current index, so ties keep the current order.
  std::vector<size_t> pending(n);
  std::priority_queue<Vertex, std::vector<Vertex>, std::greater<>> ready;
  for (Vertex v = 0; v < n; ++v) {
    pending[v] = boost::in_degree(v, og);
    if (pending[v] == 0) ready.push(v);
  }
  std::vector<OpId> order;
  order.reserve(n);
  while (!ready.empty()) {
    Vertex v = ready.top();
    ready.pop();
    order.push_back(static_cast<OpId>(v));
    for (auto [e, end] = boost::out_edges(v, og); e != end; ++e)
      if (--pending[boost::target(*e, og)] == 0) ready.push(boost::target(*e, og));
  }
  if (order.size() != n) fail("{} is on a cycle", describeOp(g, g.ops()[vertexOnCycle(og, pending)]));
  return order;
}

void sortOpsTopologically(Graph& g) {
  std::vector<OpId> order = topologicalOrder(g);
  std::vector<Op> sorted;
  sorted.reserve(order.size());
  for (OpId o : order) sorted.push_back(std::move(g.ops()[size_t(o)]));
  g.setOps(std::move(sorted));
}

}  // namespace shardc::ir
