// Redistribution planning: how a tensor gets from one layout to another over the same mesh, as a sequence of
// collectives, the cheapest under an alpha-beta cost model. The plan is a shortest path (Boost.Graph's Dijkstra)
// over layout states; every step changes one mesh axis:
//   split           an axis that replicates the tensor starts splitting a dim (a local slice, no traffic)
//   all-gather      the innermost axis of a dim stops splitting it
//   all-to-all      the innermost axis of one dim moves to split another
//   all-reduce      an axis holding partial sums becomes replicated
//   reduce-scatter  an axis holding partial sums starts splitting a dim
//   reshape         (between shapes) a local reshape of a tensor split on dim 0 only, whose contiguous
//                   row blocks are the same bytes before and after
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/tensor_layout.h"

namespace shardc::passes {

enum class RedistKind { Split, AllGather, AllToAll, AllReduce, ReduceScatter, Reshape };
std::string redistKindName(RedistKind k);

struct RedistStep {
  RedistKind kind;
  int axis;         // the mesh axis whose role changes; its groups are the ranks along it
  int dim = -1;     // the tensor dim split, gathered or scattered (all-to-all: the dim left)
  int toDim = -1;   // all-to-all: the dim the axis moves to
  int64_t bytesPerRank = 0;  // bytes each rank sends (received, for all-gather)
  double cost = 0;           // seconds under the cost model
  ir::TensorLayout after;
  std::string str() const;   // "all-to-all axis 1: dim 0 -> dim 1, 512 B/rank"
};

struct RedistPlan {
  std::vector<RedistStep> steps;
  double cost = 0;
  std::string str() const;
};

// Alpha-beta costs of the collectives (ring algorithms), and the local copy of a split.
struct CommCostModel {
  double alpha = 5e-6;            // seconds per message step
  double bandwidth = 8e9;         // bytes per second between ranks
  double memoryBandwidth = 40e9;  // bytes per second for a local copy
  // Time of one step over a group of n ranks moving `bytes` (the local size before the step).
  double cost(RedistKind k, int64_t n, double localBytes) const;
  // What each rank sends (receives, for all-gather) in that step.
  double bytesPerRank(RedistKind k, int64_t n, double localBytes) const;
};

// Every layout of `shape` over `mesh` (dims split by axes in every order that divides evenly), with partial
// axes too when asked.
std::vector<ir::TensorLayout> enumerateLayouts(const ir::Shape& shape, const ir::DeviceMesh& mesh, bool withPartial);

// Plans for one tensor shape on one mesh; builds the graph of layout states once and answers many queries.
class RedistributionPlanner {
 public:
  RedistributionPlanner(const ir::Shape& shape, const ir::DeviceMesh& mesh, int64_t elementBytes,
                        CommCostModel model = {});
  // Throws ir::Error when the layouts are not over this shape and mesh, or `to` cannot be reached (no step
  // creates partial sums).
  RedistPlan plan(const ir::TensorLayout& from, const ir::TensorLayout& to);
  std::optional<RedistPlan> tryPlan(const ir::TensorLayout& from, const ir::TensorLayout& to);
  size_t numStates() const { return states_.size(); }

 private:
  struct Edge {
    size_t to;
    RedistStep step;
  };
  size_t stateOf(const ir::TensorLayout& l) const;
  void addState(const ir::TensorLayout& l);
  void buildEdges();
  ir::Shape shape_;
  ir::DeviceMesh mesh_;
  int64_t elementBytes_;
  CommCostModel model_;
  std::vector<ir::TensorLayout> states_;
  std::map<std::string, size_t> index_;
  std::vector<std::vector<Edge>> edges_;
  // Shortest-path trees already computed, by source state.
  std::map<size_t, std::pair<std::vector<size_t>, std::vector<double>>> trees_;
};

// From a layout over one shape to a layout over another of the same element count (a Reshape between them):
// the cheapest plan to some layout where the reshape is local, the reshape, and the cheapest plan from there.
RedistPlan planReshapeRedistribution(const ir::TensorLayout& from, const ir::TensorLayout& to, int64_t elementBytes,
                                     CommCostModel model = {});

// Convenience: one plan.
RedistPlan planRedistribution(const ir::TensorLayout& from, const ir::TensorLayout& to, int64_t elementBytes,
                              CommCostModel model = {});

}  // namespace shardc::passes
