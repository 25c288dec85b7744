// A strategy, readably: per op its splits, per parameter its layout and which ranks hold which box.
#pragma once

#include <string>

#include "ir/strategy.h"

namespace shardc::tools {

std::string describeStrategy(const ir::StrategyMap& s);

}  // namespace shardc::tools
