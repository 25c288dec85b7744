// Einsum of one or two operands, lowered to the ops the ir shards: letters summed away in one operand become a
// ReduceSum, the rest one batched MatMul between Transposes and Reshapes:
//   A -> [batch, free A, contracted]   B -> [batch, contracted, free B]   C = A x B -> output order.
// Transformers write "bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd", "bij,bjk->bik" and the like. Ellipses and letters
// repeated within one operand (diagonals) are refused.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "frontend/onnx_import_context.h"
#include "ir/error.h"

namespace shardc::frontend::onnx_import {
namespace {
using ir::OpKind;
using ir::ValueId;

struct Term {
  ValueId v;
  std::string letters;
};

std::vector<int64_t> dimsOf(const std::string& letters, const std::map<char, int64_t>& size) {
  std::vector<int64_t> d;
  for (char l : letters) d.push_back(size.at(l));
  return d;
}

// Transposes t to the letter order `want` (a permutation of its letters).
Term permute(NodeContext& c, Term t, const std::string& want) {
  if (t.letters == want) return t;
  std::vector<int64_t> perm;
  for (char l : want) perm.push_back(static_cast<int64_t>(t.letters.find(l)));
  ir::Attributes a;
  a.set("perm", perm);
  return {c.emit(OpKind::Transpose, {t.v}, a), want};
}

ValueId reshape(NodeContext& c, ValueId v, const std::vector<int64_t>& dims) {
  if (c.typeOf(v).shape.dims == dims) return v;
  ir::Attributes a;
  a.set("shape", dims);
  return c.emit(OpKind::Reshape, {v}, a);
}

// Sums away the letters of t not in `keep`.
Term sumAway(NodeContext& c, Term t, const std::string& keep) {
  std::vector<int64_t> axes;
  std::string rest;
  for (size_t i = 0; i < t.letters.size(); ++i)
    if (keep.find(t.letters[i]) == std::string::npos) axes.push_back(static_cast<int64_t>(i));
    else rest += t.letters[i];
  if (axes.empty()) return t;
  ir::Attributes a;
  a.set("axes", axes);
  a.set("keepdims", int64_t{0});
  return {c.emit(OpKind::ReduceSum, {t.v}, a), rest};
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

void einsum(NodeContext& c) {
  const auto* eq = c.attr("equation");
  if (!eq) c.error("has no 'equation'");
  std::string e;
  for (char ch : eq->s())
    if (ch != ' ') e += ch;
  if (e.find("...") != std::string::npos) c.unsupportedAttr("equation", eq->s() + " (ellipsis)");
  size_t arrow = e.find("->");
  std::string lhs = e.substr(0, arrow);
  std::vector<std::string> ins;
  for (size_t at = 0;;) {
    size_t comma = lhs.find(',', at);
    ins.push_back(lhs.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  if (ins.size() != c.numInputs())
    c.error(fmt::format("equation '{}' names {} operands, the node has {}", eq->s(), ins.size(), c.numInputs()));
  if (ins.size() > 2) c.unsupportedAttr("equation", eq->s() + " (more than two operands)");
  std::map<char, int64_t> size;
  std::map<char, int> count;
  std::vector<Term> terms;
  for (size_t i = 0; i < ins.size(); ++i) {
    ValueId v = c.requiredInput(i);
    const ir::Shape s = c.staticShape(v);
    if (ins[i].size() != s.rank())
      c.error(fmt::format("operand {} has rank {}, the equation gives it '{}'", i, s.rank(), ins[i]));
    for (size_t d = 0; d < s.rank(); ++d) {
      char l = ins[i][d];
      if (!std::isalpha(static_cast<unsigned char>(l))) c.error(fmt::format("equation '{}' has '{}'", eq->s(), l));
      if (std::count(ins[i].begin(), ins[i].end(), l) > 1)
        c.unsupportedAttr("equation", eq->s() + " (a letter repeated within one operand)");
      if (size.count(l) && size[l] != s.dims[d])
        c.error(fmt::format("letter '{}' is {} in one operand and {} in another", l, size[l], s.dims[d]));
      size[l] = s.dims[d];
      ++count[l];
    }
    terms.push_back({v, ins[i]});
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = e.substr(arrow + 2);
    for (char l : out)
      if (!size.count(l)) c.error(fmt::format("output letter '{}' is in no operand", l));
  } else {
    for (const auto& [l, n] : count)
      if (n == 1) out += l;  // implicit form: the letters used once, alphabetically
  }
  if (terms.size() == 1) {
    Term t = permute(c, sumAway(c, terms[0], out), out);
    c.defineOutputAs(t.v, c.outputName());
    return;
  }
  Term a = terms[0], b = terms[1];
  // Letters of one operand that are neither in the other nor in the output are summed away first.
  auto keepFor = [&](const Term& self, const Term& other) {
    std::string keep;
    for (char l : self.letters)
      if (out.find(l) != std::string::npos || other.letters.find(l) != std::string::npos) keep += l;
    return keep;
  };
  Term a2 = sumAway(c, a, keepFor(a, b)), b2 = sumAway(c, b, keepFor(b, a));
  std::string batch, freeA, freeB, contracted;
  for (char l : a2.letters) {
    bool inB = b2.letters.find(l) != std::string::npos, inOut = out.find(l) != std::string::npos;
    (inB ? (inOut ? batch : contracted) : freeA) += l;
  }
  for (char l : b2.letters)
    if (a2.letters.find(l) == std::string::npos) freeB += l;
  Term at = permute(c, a2, batch + freeA + contracted), bt = permute(c, b2, batch + contracted + freeB);
  int64_t nb = product(dimsOf(batch, size)), na = product(dimsOf(freeA, size)), nc = product(dimsOf(contracted, size)),
          nf = product(dimsOf(freeB, size));
  ValueId am = reshape(c, at.v, {nb, na, nc}), bm = reshape(c, bt.v, {nb, nc, nf});
  ValueId prod = c.emit(OpKind::MatMul, {am, bm});
  std::string letters = batch + freeA + freeB;
  Term result{reshape(c, prod, dimsOf(letters, size)), letters};
  c.defineOutputAs(permute(c, result, out).v, c.outputName());
}

}  // namespace

void addEinsumImporter(ImporterTable& t) { t["Einsum"] = einsum; }

}  // namespace shardc::frontend::onnx_import
