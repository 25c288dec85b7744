#include "ir/attribute.h"

#include "ir/text_names.h"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace shardc::ir {
namespace {
template <typename T>
const T* lookup(const std::map<std::string, Attribute>& m, const std::string& name, const char* kind) {
  auto it = m.find(name);
  if (it == m.end()) return nullptr;
  if (const T* v = std::get_if<T>(&it->second)) return v;
  throw std::invalid_argument(fmt::format("attribute '{}' is not {}", name, kind));
}

std::string formatDouble(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

int64_t Attributes::getInt(const std::string& name, int64_t dflt) const {
  const auto* v = lookup<int64_t>(map_, name, "an integer");
  return v ? *v : dflt;
}

double Attributes::getFloat(const std::string& name, double dflt) const {
  auto it = map_.find(name);
  if (it != map_.end())
    if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  const auto* v = lookup<double>(map_, name, "a float");
  return v ? *v : dflt;
}

std::string Attributes::getString(const std::string& name, const std::string& dflt) const {
  const auto* v = lookup<std::string>(map_, name, "a string");
  return v ? *v : dflt;
}

std::vector<int64_t> Attributes::getInts(const std::string& name, const std::vector<int64_t>& dflt) const {
  const auto* v = lookup<std::vector<int64_t>>(map_, name, "a list of integers");
  return v ? *v : dflt;
}

std::optional<std::vector<int64_t>> Attributes::findInts(const std::string& name) const {
  const auto* v = lookup<std::vector<int64_t>>(map_, name, "a list of integers");
  if (!v) return std::nullopt;
  return *v;
}

std::vector<double> Attributes::getFloats(const std::string& name, const std::vector<double>& dflt) const {
  // "[]" reads back as an empty integer list; it is an empty float list just the same.
  auto it = map_.find(name);
  if (it != map_.end())
    if (const auto* i = std::get_if<std::vector<int64_t>>(&it->second); i && i->empty()) return {};
  const auto* v = lookup<std::vector<double>>(map_, name, "a list of floats");
  return v ? *v : dflt;
}

std::string formatAttribute(const Attribute& a) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return formatDouble(v); }
    std::string operator()(const std::string& v) const { return quoteString(v); }
    std::string operator()(const std::vector<int64_t>& v) const { return fmt::format("[{}]", fmt::join(v, ", ")); }
    std::string operator()(const std::vector<double>& v) const {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + formatDouble(v[i]);
      return out + "]";
    }
  };
  return std::visit(Visitor{}, a);
}

}  // namespace shardc::ir
