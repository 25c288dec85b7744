#include "ir/graph_view.h"

#include <functional>
#include <queue>

#include <boost/graph/adjacency_list.hpp>

#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {
using OpGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

OpGraph buildOpGraph(const Graph& g) {
  OpGraph og(g.ops().size());
  std::vector<OpId> producer = g.producers();
  for (size_t i = 0; i < g.ops().size(); ++i)
    for (ValueId v : g.ops()[i].operands)
      if (OpId p = producer[size_t(v)]; p != kNoOp) boost::add_edge(size_t(p), i, og);
  return og;
}
}  // namespace

std::vector<OpId> topologicalOrder(const Graph& g) {
  OpGraph og = buildOpGraph(g);
  size_t n = boost::num_vertices(og);
  std::vector<size_t> pending(n);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t v = 0; v < n; ++v) {
    pending[v] = boost::in_degree(v, og);
    if (pending[v] == 0) ready.push(v);
  }
  std::vector<OpId> order;
  while (!ready.empty()) {
    size_t v = ready.top();
    ready.pop();
    order.push_back(OpId(v));
    for (auto [e, end] = boost::out_edges(v, og); e != end; ++e)
      if (--pending[boost::target(*e, og)] == 0) ready.push(boost::target(*e, og));
  }
  if (order.size() != n)
    for (size_t v = 0; v < n; ++v)
      if (pending[v] > 0) fail("{} is on a cycle", describeOp(g, g.ops()[v]));
  return order;
}

void sortOpsTopologically(Graph& g) {
  std::vector<OpId> order = topologicalOrder(g);
  std::vector<Op> sorted;
  sorted.reserve(order.size());
  for (OpId o : order) sorted.push_back(g.ops()[size_t(o)]);
  g.setOps(std::move(sorted));
}

}  // namespace shardc::ir
