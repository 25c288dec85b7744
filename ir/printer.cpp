#include "ir/printer.h"

#include <fmt/format.h>

#include "ir/text_names.h"

namespace shardc::ir {
namespace {

std::string hexBytes(const Tensor& t) {
  static const char* digits = "0123456789abcdef";
  std::string out = "0x";
  out.reserve(2 + t.byteSize() * 2);
  for (size_t i = 0; i < t.byteSize(); ++i) {
    auto b = static_cast<unsigned char>(t.bytes()[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string typeText(const TensorType& t) { return t.str(); }

}  // namespace

std::string printGraph(const Graph& g, const PrintOptions& options) {
  std::string out = fmt::format("graph @{} {{\n", quoteName(g.name));
  for (ValueId v : g.inputs())
    out += fmt::format("  input %{} : {}\n", quoteName(g.value(v).name), typeText(g.value(v).type));
  for (ValueId p : g.params()) {
    const Value& v = g.value(p);
    std::string data = "<elided>";
    if (v.data && (options.elideAbove < 0 || v.data->numElements() <= options.elideAbove)) data = hexBytes(*v.data);
    out += fmt::format("  param %{} : {} = {}\n", quoteName(v.name), typeText(v.type), data);
  }
  for (const Op& op : g.ops()) {
    std::string line = "  ";
    for (size_t i = 0; i < op.results.size(); ++i)
      line += (i ? ", %" : "%") + quoteName(g.value(op.results[i]).name);
    line += fmt::format(" = {}(", opKindName(op.kind));
    for (size_t i = 0; i < op.operands.size(); ++i)
      line += (i ? ", %" : "%") + quoteName(g.value(op.operands[i]).name);
    line += ")";
    if (!op.attrs.empty()) {
      line += " {";
      bool first = true;
      for (const auto& [name, value] : op.attrs.all()) {
        line += (first ? "" : ", ") + name + " = " + formatAttribute(value);
        first = false;
      }
      line += "}";
    }
    if (!op.name.empty()) line += " loc(" + quoteString(op.name) + ")";
    line += " : ";
    for (size_t i = 0; i < op.results.size(); ++i) line += (i ? ", " : "") + typeText(g.value(op.results[i]).type);
    out += line + "\n";
  }
  if (!g.outputs().empty()) {
    out += "  output ";
    for (size_t i = 0; i < g.outputs().size(); ++i) out += (i ? ", %" : "%") + quoteName(g.value(g.outputs()[i]).name);
    out += "\n";
  }
  return out + "}\n";
}

}  // namespace shardc::ir
