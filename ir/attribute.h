// Op attributes: a small closed set of value kinds, printed and parsed by the text IR.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace shardc::ir {

using Attribute = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

class Attributes {
 public:
  void set(const std::string& name, Attribute value) { map_[name] = std::move(value); }
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void erase(const std::string& name) { map_.erase(name); }
  const std::map<std::string, Attribute>& all() const { return map_; }
  bool empty() const { return map_.empty(); }

  // Typed getters; throw std::invalid_argument naming the attribute when present with another kind.
  int64_t getInt(const std::string& name, int64_t dflt) const;
  double getFloat(const std::string& name, double dflt) const;
  std::string getString(const std::string& name, const std::string& dflt) const;
  std::vector<int64_t> getInts(const std::string& name, const std::vector<int64_t>& dflt = {}) const;
  std::optional<std::vector<int64_t>> findInts(const std::string& name) const;
  std::vector<double> getFloats(const std::string& name, const std::vector<double>& dflt = {}) const;

  bool operator==(const Attributes& o) const { return map_ == o.map_; }

 private:
  std::map<std::string, Attribute> map_;
};

// "1", "1.5", "\"text\"", "[1, 2]", "[0.5, 1.0]"; doubles always print with a '.' or exponent so the parser
// keeps their kind, and with enough digits to read back the same value.
std::string formatAttribute(const Attribute& a);

}  // namespace shardc::ir
