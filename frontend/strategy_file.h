// Strategy files in the three forms shardc reads and writes: MindSpore's binary protobuf (ParallelStrategyMap),
// MindSpore's JSON, and shardc's own JSON. Reading detects the form; writing takes it.
#pragma once

#include <string>

#include "ir/strategy.h"

namespace shardc::frontend {

enum class StrategyFormat { Shardc, MindSporeJson, MindSporeProtobuf };

// "shardc", "mindspore-json", "mindspore-pb"
StrategyFormat parseStrategyFormat(const std::string& name);
std::string strategyFormatName(StrategyFormat f);

// As MindSpore chooses: a name ending in .json is JSON (shardc's when it says "format": "shardc-strategy"),
// anything else binary protobuf. Throws ir::Error naming the file and the entry at fault.
ir::StrategyMap readStrategyFile(const std::string& path);
StrategyFormat detectStrategyFormat(const std::string& path);

// Writes atomically. MindSpore's JSON cannot hold nested (multi-axis) dim splits: that is an error naming the
// parameter.
void writeStrategyFile(const ir::StrategyMap& s, const std::string& path, StrategyFormat format);
std::string serializeStrategy(const ir::StrategyMap& s, StrategyFormat format);
ir::StrategyMap parseStrategy(const std::string& bytes, StrategyFormat format, const std::string& what);

}  // namespace shardc::frontend
