#include "ir/text_names.h"

#include <cctype>

namespace shardc::ir {

bool isBareName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

std::string quoteString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string quoteName(const std::string& name) { return isBareName(name) ? name : quoteString(name); }

}  // namespace shardc::ir
