#include "ir/printer.h"

#include <iterator>

#include <fmt/format.h>

#include "ir/text_names.h"

namespace shardc::ir {
namespace {

void appendHex(std::string& out, const Tensor& t) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.reserve(out.size() + 2 + t.byteSize() * 2);
  out += "0x";
  for (size_t i = 0; i < t.byteSize(); ++i) {
    auto b = static_cast<unsigned char>(t.bytes()[i]);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
}

// As TensorType::str(), except that a dynamic dim's name is quoted when it would not read back as a name (it holds
// characters outside [A-Za-z0-9_.] or starts with a digit).
void appendType(std::string& out, const TensorType& t) {
  out += dtypeName(t.dtype);
  out += '[';
  const Shape& s = t.shape;
  for (size_t i = 0; i < s.dims.size(); ++i) {
    if (i) out += ',';
    if (s.dims[i] >= 0) {
      fmt::format_to(std::back_inserter(out), "{}", s.dims[i]);
    } else if (i < s.dimNames.size() && !s.dimNames[i].empty()) {
      const std::string& n = s.dimNames[i];
      out += isBareName(n) && !(n[0] >= '0' && n[0] <= '9') ? n : quoteString(n);
    } else {
      out += '?';
    }
  }
  out += ']';
}

void appendValueList(std::string& out, const Graph& g, const std::vector<ValueId>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    out += i ? ", %" : "%";
    out += quoteName(g.value(values[i]).name);
  }
}

}  // namespace

std::string printGraph(const Graph& g, const PrintOptions& options) {
  std::string out = "graph @" + quoteName(g.name) + " {\n";
  for (ValueId v : g.inputs()) {
    out += "  input %";
    out += quoteName(g.value(v).name);
    out += " : ";
    appendType(out, g.value(v).type);
    out += '\n';
  }
  for (ValueId p : g.params()) {
    const Value& v = g.value(p);
    out += "  param %";
    out += quoteName(v.name);
    out += " : ";
    appendType(out, v.type);
    out += " = ";
    if (v.data && (options.elideAbove < 0 || v.data->numElements() <= options.elideAbove))
      appendHex(out, *v.data);
    else
      out += "<elided>";
    out += '\n';
  }
  for (const Op& op : g.ops()) {
    out += "  ";
    appendValueList(out, g, op.results);
    out += " = ";
    out += opKindName(op.kind);
    out += '(';
    appendValueList(out, g, op.operands);
    out += ')';
    if (!op.attrs.empty()) {
      out += " {";
      bool first = true;
      for (const auto& [name, value] : op.attrs.all()) {
        if (!first) out += ", ";
        first = false;
        out += quoteName(name);
        out += " = ";
        out += formatAttribute(value);
      }
      out += '}';
    }
    if (!op.name.empty()) {
      out += " loc(";
      out += quoteString(op.name);
      out += ')';
    }
    out += " : ";
    for (size_t i = 0; i < op.results.size(); ++i) {
      if (i) out += ", ";
      appendType(out, g.value(op.results[i]).type);
    }
    out += '\n';
  }
  if (!g.outputs().empty()) {
    out += "  output ";
    appendValueList(out, g, g.outputs());
    out += '\n';
  }
  out += "}\n";
  return out;
}

}  // namespace shardc::ir
