#include "passes/pass_manager.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/error.h"
#include "ir/printer.h"

namespace shardc::passes {

const std::vector<Pass>& allPasses() {
  static const std::vector<Pass> passes = {
      {"shape-inference", "give every value a static type from the inputs' shapes", runShapeInference},
      {"canonicalize", "lower Gemm and Flatten, fold transposes of parameters, fold constants", runCanonicalize},
      {"fuse", "mark chains of elementwise ops that run as one loop", runFuseElementwise},
  };
  return passes;
}

const std::vector<std::string>& compilePassNames() {
  static const std::vector<std::string> names = {"cut-stages", "assign-strategies", "propagate-layouts", "lower-split-reductions",
                                                 "insert-redistribution",
                                                 "partition", "fuse", "plan-memory"};
  return names;
}

const Pass* findPass(const std::string& name) {
  for (const auto& p : allPasses())
    if (p.name == name) return &p;
  return nullptr;
}

void PassManager::add(const std::string& name) {
  const Pass* p = findPass(name);
  if (!p) {
    std::vector<std::string> names;
    for (const auto& q : allPasses()) names.push_back(q.name);
    ir::fail("unknown pass '{}' (passes: {})", name, fmt::join(names, ", "));
  }
  passes_.push_back(p);
}

void PassManager::addDefaultPipeline() {
  add("shape-inference");
  add("canonicalize");
}

void PassManager::run(ir::Graph& g, std::ostream& dump, std::ostream& timing) const {
  for (const std::string& d : options_.dumpAfter)
    if (d != "all" && !findPass(d) &&
        std::find(compilePassNames().begin(), compilePassNames().end(), d) == compilePassNames().end())
      ir::fail("--dump-after: unknown pass '{}'", d);
  std::vector<std::pair<std::string, double>> times;
  for (const Pass* p : passes_) {
    auto start = std::chrono::steady_clock::now();
    p->run(g);
    times.emplace_back(p->name, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (options_.dumpAfter.count(p->name) || options_.dumpAfter.count("all"))
      dump << "// ----- after " << p->name << " -----\n" << ir::printGraph(g);
  }
  if (options_.timePasses) {
    double total = 0;
    for (const auto& [n, t] : times) total += t;
    timing << "===- pass timing -===\n";
    for (const auto& [n, t] : times) timing << fmt::format("  {:>10.3f} ms  {:>5.1f}%  {}\n", t * 1e3, total > 0 ? 100 * t / total : 0.0, n);
    timing << fmt::format("  {:>10.3f} ms  total\n", total * 1e3);
  }
}

}  // namespace shardc::passes
