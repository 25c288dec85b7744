// The strategy search from the command line: run on a loaded model with the user's fixed strategies, printed as a
// table (per op the chosen split, its own cost, the runner-up and what choosing it would cost) and as report.json.
#pragma once

#include <iosfwd>
#include <string>

#include "ir/graph.h"
#include "ir/strategy.h"
#include "passes/strategy_search.h"

namespace shardc::tools {

passes::SearchAlgorithm parseSearchAlgorithm(const std::string& name);  // propagate, dp, exact, auto

// Searches strategies for the ops of `g` that `fixed` leaves open; returns fixed + chosen.
passes::SearchResult searchWithFixed(const ir::Graph& g, const ir::StrategyMap& fixed, const passes::SearchOptions& o);

void printSearchSummary(const passes::SearchResult& r, std::ostream& out);
std::string searchReportJson(const passes::SearchResult& r, int64_t ranks);

}  // namespace shardc::tools
