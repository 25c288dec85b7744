// Runs passes in order, with --dump-after (print the graph after a pass) and --time-passes.
#pragma once

#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "passes/pass.h"

namespace shardc::passes {

struct PassManagerOptions {
  std::set<std::string> dumpAfter;  // pass names, or "all"
  bool timePasses = false;
};

class PassManager {
 public:
  explicit PassManager(PassManagerOptions options = {}) : options_(std::move(options)) {}
  // Adds a registered pass by name; throws ir::Error listing the known passes when there is none of that name.
  void add(const std::string& name);
  // What every global graph goes through: shape-inference, canonicalize.
  void addDefaultPipeline();
  // Runs them; dumps go to `dump`, the timing table (when asked) to `timing`.
  void run(ir::Graph& g, std::ostream& dump, std::ostream& timing) const;
  const std::vector<const Pass*>& passes() const { return passes_; }

 private:
  PassManagerOptions options_;
  std::vector<const Pass*> passes_;
};

}  // namespace shardc::passes
