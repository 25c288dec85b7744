// Helpers for pass tests that read like the IR they check: parse text, run a pass, print.
#pragma once

#include <string>

#include "ir/graph.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "passes/pass_manager.h"

namespace shardc::testing {

inline std::string runPassOnText(const std::string& pass, const std::string& text) {
  ir::Graph g = ir::parseGraph(text, "test");
  passes::findPass(pass)->run(g);
  ir::PrintOptions all;
  all.elideAbove = -1;
  return ir::printGraph(g, all);
}

}  // namespace shardc::testing
