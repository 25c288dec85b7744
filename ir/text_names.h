// How names and strings are spelled in the text IR, shared by the printer and the parser.
#pragma once

#include <string>

namespace shardc::ir {

// Bare when the name is made of [A-Za-z0-9_.] only (and is not empty), quoted otherwise.
bool isBareName(const std::string& name);
std::string quoteString(const std::string& s);  // "..." with \\ and \" escaped
std::string quoteName(const std::string& name);

}  // namespace shardc::ir
