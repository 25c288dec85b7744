#include "ir/verifier.h"

#include <unordered_map>

#include "ir/error.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {

// Who defines a value: an op (its index) or one of these.
constexpr int kUndefined = -1;
constexpr int kByInput = -2;
constexpr int kByParam = -3;

class Verifier {
 public:
  explicit Verifier(const Graph& g) : g_(g), definer_(g.numValues(), kUndefined) {}

  void run() {
    for (ValueId v : g_.inputs()) define(v, kByInput, "input");
    for (ValueId p : g_.params()) {
      define(p, kByParam, "parameter");
      const Value& v = g_.value(p);
      if (v.data && !(v.data->type() == v.type))
        fail("parameter %{} is declared {} but its data is {}", v.name, v.type.str(), v.data->type().str());
    }
    std::vector<OpId> producer = producersInRange();
    for (size_t i = 0; i < g_.ops().size(); ++i) verifyOp(static_cast<OpId>(i), producer);
    if (g_.outputs().empty()) fail("graph '{}' has no outputs", g_.name);
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      ValueId v = g_.outputs()[i];
      if (!inRange(v)) fail("output #{} is value {}, which does not exist ({} values)", i, v, g_.numValues());
      if (definer_[size_t(v)] == kUndefined)
        fail("output %{} is not defined by any op, input or parameter", g_.value(v).name);
    }
  }

 private:
  bool inRange(ValueId v) const { return v >= 0 && size_t(v) < g_.numValues(); }

  std::string describeDefiner(int d) const {
    if (d == kByInput) return "an input";
    if (d == kByParam) return "a parameter";
    return describeOpSafely(g_.ops()[size_t(d)]);
  }

  // Marks v defined by `by` (an op index or kByInput/kByParam), checking it exists, is defined once and that no
  // other value has its name.
  void define(ValueId v, int by, const char* what) {
    if (!inRange(v)) {
      std::string who = by >= 0 ? describeOpSafely(g_.ops()[size_t(by)]) : std::string("the graph");
      fail("{} lists {} value {}, which does not exist ({} values)", who, what, v, g_.numValues());
    }
    const Value& val = g_.value(v);
    int& d = definer_[size_t(v)];
    if (d != kUndefined)
      fail("value %{} is defined twice: by {} and by {}", val.name, describeDefiner(d), describeDefiner(by));
    d = by;
    auto [it, inserted] = byName_.try_emplace(val.name, v);
    if (!inserted) fail("values {} and {} are both named %{}", it->second, v, val.name);
  }

  // describeOp, when the op's first result exists (describeOp names it).
  std::string describeOpSafely(const Op& op) const {
    if (op.name.empty() && !op.results.empty() && !inRange(op.results[0]))
      return std::string(opKindName(op.kind)) + " op";
    return describeOp(g_, op);
  }

  // For every value, the first op that produces it (only results that exist count).
  std::vector<OpId> producersInRange() const {
    std::vector<OpId> p(g_.numValues(), kNoOp);
    for (size_t i = 0; i < g_.ops().size(); ++i)
      for (ValueId r : g_.ops()[i].results)
        if (inRange(r) && p[size_t(r)] == kNoOp) p[size_t(r)] = static_cast<OpId>(i);
    return p;
  }

  void verifyOp(OpId o, const std::vector<OpId>& producer) {
    const Op& op = g_.ops()[size_t(o)];
    for (size_t i = 0; i < op.operands.size(); ++i) {
      ValueId v = op.operands[i];
      if (!inRange(v))
        fail("{}: operand #{} is value {}, which does not exist ({} values)", describeOpSafely(op), i, v,
             g_.numValues());
      if (definer_[size_t(v)] != kUndefined) continue;
      if (producer[size_t(v)] != kNoOp)
        fail("{}: operand %{} is used before it is defined (by {})", describeOpSafely(op), g_.value(v).name,
             describeOpSafely(g_.ops()[size_t(producer[size_t(v)])]));
      fail("{}: operand %{} is not defined by any op, input or parameter", describeOpSafely(op), g_.value(v).name);
    }
    for (ValueId r : op.results) define(r, o, "result");

    std::vector<TensorType> inferred = inferResultTypes(g_, op);
    if (inferred.size() != op.results.size())
      fail("{}: has {} result(s), inferred {}", describeOp(g_, op), op.results.size(), inferred.size());
    // With dynamic dims among the operands the rule may not know a result dim the graph does (a --shape fixed it
    // later, or a name ties it to another): compare only what both sides know.
    bool dynamic = false;
    for (ValueId v : op.operands) dynamic = dynamic || !g_.value(v).type.shape.isStatic();
    for (size_t i = 0; i < op.results.size(); ++i) {
      const TensorType& actual = g_.value(op.results[i]).type;
      if (dynamic ? agreesWhereKnown(actual, inferred[i]) : actual == inferred[i]) continue;
      fail("{}: result %{} has type {}, inferred {}", describeOp(g_, op), g_.value(op.results[i]).name, actual.str(),
           inferred[i].str());
    }
  }

  static bool agreesWhereKnown(const TensorType& a, const TensorType& b) {
    if (a.dtype != b.dtype || a.shape.rank() != b.shape.rank()) return false;
    for (size_t d = 0; d < a.shape.rank(); ++d)
      if (a.shape.dims[d] >= 0 && b.shape.dims[d] >= 0 && a.shape.dims[d] != b.shape.dims[d]) return false;
    return true;
  }

  const Graph& g_;
  std::vector<int> definer_;
  std::unordered_map<std::string, ValueId> byName_;
};

}  // namespace

void verifyGraph(const Graph& g) { Verifier(g).run(); }

}  // namespace shardc::ir
