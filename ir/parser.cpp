// Recursive descent over the tokens of lexer.h. The grammar (printer.h shows an example):
//
//   graph     := 'graph' '@' name '{' statement* '}'
//   statement := 'input' '%' name ':' type
//              | 'param' '%' name ':' type '=' ( '<' 'elided' '>' | HEX )
//              | '%' name (',' '%' name)* '=' OPKIND '(' [ref (',' ref)*] ')' [attrs] ['loc' '(' STRING ')']
//                ':' type (',' type)*
//              | 'output' ref (',' ref)*
//   ref       := '%' name                       (defined by an earlier statement)
//   name      := WORD of [A-Za-z0-9_.]+ | STRING
//   type      := DTYPE '[' [dim (',' dim)*] ']'
//   dim       := DIGITS | '?' | name not starting with a digit   (a name or '?' is a dynamic dim)
//   attrs     := '{' [name '=' attr (',' name '=' attr)*] '}'
//   attr      := INT | FLOAT | STRING | '[' [number (',' number)*] ']'
//   INT       := [+-]?[0-9]+          FLOAT := [+-]? (digits with '.' or an exponent | inf | nan)
//   HEX       := 0x followed by two lower- or upper-case hex digits per byte, little-endian element bytes
#include "ir/parser.h"

#include <charconv>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/lexer.h"
#include "ir/text_names.h"

namespace shardc::ir {
namespace {

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : source_(source), toks_(tokenize(text, source)) {}

  Graph parse() {
    expectWord("graph");
    expectPunct('@');
    g_.name = name("a graph name");
    expectPunct('{');
    while (!peek().is('}')) {
      if (peek().kind == TokenKind::End) expected("'}' closing the graph");
      statement();
    }
    next();
    if (peek().kind != TokenKind::End) expected("end of input after the graph");
    return std::move(g_);
  }

 private:
  // ---- tokens ----
  const Token& peek() const { return toks_[i_]; }
  const Token& next() {
    const Token& t = toks_[i_];
    if (t.kind != TokenKind::End) ++i_;
    return t;
  }

  [[noreturn]] void errorAt(const Token& t, const std::string& what) const {
    fail("{}:{}:{}: {}", source_, t.line, t.col, what);
  }
  [[noreturn]] void expected(const std::string& what) const {
    errorAt(peek(), fmt::format("expected {}, got {}", what, peek().quoted()));
  }

  bool acceptPunct(char c) {
    if (!peek().is(c)) return false;
    next();
    return true;
  }
  const Token& expectPunct(char c) {
    if (!peek().is(c)) expected(fmt::format("'{}'", c));
    return next();
  }
  void expectWord(std::string_view w) {
    if (!peek().isWord(w)) expected(fmt::format("'{}'", w));
    next();
  }

  // A bare word of [A-Za-z0-9_.] or a quoted string.
  std::string name(const char* what) {
    const Token& t = peek();
    if (t.kind == TokenKind::String || (t.kind == TokenKind::Word && isBareName(std::string(t.source)))) {
      next();
      return std::string(t.text());
    }
    expected(what);
  }

  // ---- values ----
  // '%' name, for a value this statement defines.
  std::string newValueName() {
    const Token& at = expectPunct('%');
    std::string n = name("a value name");
    if (n.empty()) errorAt(at, "a value name cannot be empty");
    auto [it, inserted] = definedAt_.try_emplace(n, at.line, at.col);
    if (!inserted)
      errorAt(at, fmt::format("value %{} is defined twice (first at {}:{})", quoteName(n), it->second.first,
                              it->second.second));
    return n;
  }

  ValueId ref() {
    const Token& at = expectPunct('%');
    std::string n = name("a value name");
    auto v = g_.findValue(n);
    if (!v) errorAt(at, fmt::format("use of undefined value %{}", quoteName(n)));
    return *v;
  }

  std::vector<ValueId> refList() {
    std::vector<ValueId> out;
    do out.push_back(ref());
    while (acceptPunct(','));
    return out;
  }

  // ---- types ----
  TensorType type() {
    const Token& t = peek();
    if (t.kind != TokenKind::Word) expected("an element type (f32, i64, bool, ...)");
    auto d = parseDType(t.source);
    if (!d) errorAt(t, fmt::format("unknown element type '{}'", t.source));
    next();
    TensorType type;
    type.dtype = *d;
    expectPunct('[');
    std::vector<std::string> names;
    bool anyName = false;
    if (!acceptPunct(']')) {
      do {
        const Token& dim = peek();
        if (dim.is('?')) {
          type.shape.dims.push_back(kDynamicDim);
          names.emplace_back();
        } else if (dim.kind == TokenKind::Word && allDigits(dim.source)) {
          int64_t n = 0;
          auto [end, ec] = std::from_chars(dim.source.data(), dim.source.data() + dim.source.size(), n);
          if (ec != std::errc() || end != dim.source.data() + dim.source.size())
            errorAt(dim, fmt::format("dimension {} is out of range", dim.source));
          type.shape.dims.push_back(n);
          names.emplace_back();
        } else if ((dim.kind == TokenKind::Word && isBareName(std::string(dim.source))) ||
                   (dim.kind == TokenKind::String && !dim.contents.empty())) {
          type.shape.dims.push_back(kDynamicDim);
          names.emplace_back(dim.text());
          anyName = true;
        } else {
          expected("a dimension (a size, a name or ?)");
        }
        next();
      } while (acceptPunct(','));
      expectPunct(']');
    }
    if (anyName) type.shape.dimNames = std::move(names);
    return type;
  }

  // ---- attributes ----
  // A number token: its value as an int64 or a double. Which one follows the spelling, as formatAttribute wrote it.
  Attribute number() {
    const Token& t = peek();
    if (t.kind != TokenKind::Word) expected("a number");
    std::string_view s = t.source;
    bool negative = !s.empty() && s[0] == '-';
    std::string_view body = !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
    if (allDigits(body)) {
      // from_chars takes a '-' but no '+'.
      std::string_view digits = negative ? s : body;
      int64_t v = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || end != digits.data() + digits.size())
        errorAt(t, fmt::format("integer {} is out of range", s));
      next();
      return v;
    }
    bool floatSpelling = body == "inf" || body == "nan" ||
                         ((!body.empty() && ((body[0] >= '0' && body[0] <= '9') || body[0] == '.')) &&
                          body.find_first_of(".eE") != std::string_view::npos);
    if (floatSpelling) {
      double v = 0;
      auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
      if (ec == std::errc::result_out_of_range) errorAt(t, fmt::format("number {} is out of range", s));
      if (ec == std::errc() && end == body.data() + body.size()) {
        next();
        return negative ? -v : v;
      }
    }
    expected("a number");
  }

  Attribute attributeValue() {
    const Token& t = peek();
    if (t.kind == TokenKind::String) {
      next();
      return t.contents;
    }
    if (acceptPunct('[')) {
      std::vector<Attribute> items;
      if (!acceptPunct(']')) {
        do items.push_back(number());
        while (acceptPunct(','));
        expectPunct(']');
      }
      bool floats = false;
      for (const Attribute& a : items) floats = floats || std::holds_alternative<double>(a);
      if (floats) {
        std::vector<double> v;
        for (const Attribute& a : items)
          v.push_back(std::holds_alternative<double>(a) ? std::get<double>(a) : double(std::get<int64_t>(a)));
        return v;
      }
      std::vector<int64_t> v;
      for (const Attribute& a : items) v.push_back(std::get<int64_t>(a));
      return v;
    }
    if (t.kind == TokenKind::Word) return number();
    expected("an attribute value (a number, a string or a list)");
  }

  Attributes attributes() {
    Attributes attrs;
    if (acceptPunct('}')) return attrs;
    do {
      const Token& at = peek();
      std::string n = name("an attribute name");
      if (attrs.has(n)) errorAt(at, fmt::format("attribute '{}' is given twice", n));
      expectPunct('=');
      attrs.set(n, attributeValue());
    } while (acceptPunct(','));
    expectPunct('}');
    return attrs;
  }

  // ---- parameters ----
  Tensor hexData(const std::string& param, const TensorType& type) {
    const Token& t = peek();
    std::string_view s = t.source;
    if (t.kind != TokenKind::Word || (s.substr(0, 2) != "0x" && s.substr(0, 2) != "0X"))
      expected("parameter data (0x... or <elided>)");
    std::string_view hex = s.substr(2);
    if (hex.size() % 2) errorAt(t, "parameter data has an odd number of hex digits");
    if (!type.shape.isStatic())
      errorAt(t, fmt::format("parameter %{} has data but its type {} is not static", quoteName(param), type.str()));
    size_t expectedBytes = size_t(type.shape.numElements()) * dtypeSize(type.dtype);
    if (hex.size() / 2 != expectedBytes)
      errorAt(t, fmt::format("parameter data has {} bytes, {} needs {}", hex.size() / 2, type.str(), expectedBytes));
    std::vector<std::byte> bytes(expectedBytes);
    for (size_t i = 0; i < bytes.size(); ++i) {
      int hi = hexDigit(hex[2 * i]), lo = hexDigit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) {
        size_t bad = 2 + 2 * i + (hi < 0 ? 0 : 1);
        Token at = t;
        at.col += bad;
        errorAt(at, fmt::format("bad hex digit '{}' in parameter data", s[bad]));
      }
      bytes[i] = std::byte(static_cast<unsigned char>(hi << 4 | lo));
    }
    next();
    return Tensor(type.dtype, type.shape, bytes);
  }

  // ---- statements ----
  void statement() {
    const Token& t = peek();
    if (t.is('%')) return opStatement();
    if (t.isWord("input")) {
      next();
      std::string n = newValueName();
      expectPunct(':');
      g_.addInput(n, type());
      return;
    }
    if (t.isWord("param")) {
      next();
      std::string n = newValueName();
      expectPunct(':');
      TensorType type = this->type();
      expectPunct('=');
      if (acceptPunct('<')) {
        expectWord("elided");
        expectPunct('>');
        g_.addParam(n, type);
      } else {
        g_.addParam(n, hexData(n, type));
      }
      return;
    }
    if (t.isWord("output")) {
      if (outputsSeen_) errorAt(t, "the graph's outputs are listed twice");
      outputsSeen_ = true;
      next();
      g_.setOutputs(refList());
      return;
    }
    expected("'input', 'param', 'output', an op or '}'");
  }

  void opStatement() {
    std::vector<std::string> results;
    do results.push_back(newValueName());
    while (acceptPunct(','));
    expectPunct('=');
    const Token& kindTok = peek();
    if (kindTok.kind != TokenKind::Word) expected("an op kind");
    auto kind = parseOpKind(kindTok.source);
    if (!kind) errorAt(kindTok, fmt::format("unknown op kind '{}'", kindTok.source));
    next();
    expectPunct('(');
    std::vector<ValueId> operands;
    if (!acceptPunct(')')) {
      operands = refList();
      expectPunct(')');
    }
    Attributes attrs;
    if (acceptPunct('{')) attrs = attributes();
    std::string opName;
    if (peek().isWord("loc")) {
      next();
      expectPunct('(');
      if (peek().kind != TokenKind::String) expected("a quoted node name");
      opName = next().contents;
      expectPunct(')');
    }
    const Token& colon = expectPunct(':');
    std::vector<TensorType> types;
    do types.push_back(type());
    while (acceptPunct(','));
    if (types.size() != results.size())
      errorAt(colon, fmt::format("{} result(s) but {} type(s)", results.size(), types.size()));
    OpId o = g_.addOp(*kind, std::move(operands), results, std::move(attrs), std::move(opName));
    const std::vector<ValueId>& rs = g_.op(o).results;
    for (size_t i = 0; i < types.size(); ++i) g_.value(rs[i]).type = std::move(types[i]);
  }

  const std::string& source_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  Graph g_;
  std::unordered_map<std::string, std::pair<size_t, size_t>> definedAt_;
  bool outputsSeen_ = false;
};

}  // namespace

Graph parseGraph(std::string_view text, const std::string& source) { return Parser(text, source).parse(); }

}  // namespace shardc::ir
