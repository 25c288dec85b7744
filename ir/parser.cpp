#include "ir/parser.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include "ir/error.h"

namespace shardc::ir {
namespace {

class Parser {
 public:
  Parser(std::string_view text, std::string source) : t_(text), source_(std::move(source)) {}

  Graph parse() {
    expectWord("graph");
    expect('@');
    g_.name = name();
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      if (atEnd()) error("expected '}' closing the graph");
      statement();
    }
    skipSpace();
    if (!atEnd()) error("unexpected text after the graph");
    return std::move(g_);
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < t_.size(); ++i) {
      if (t_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string got = atEnd() ? "end of input" : "'" + std::string(t_.substr(pos_, std::min<size_t>(12, t_.size() - pos_))) + "'";
    size_t nl = got.find('\n');
    if (nl != std::string::npos) got = got.substr(0, nl) + "'";
    fail("{}:{}:{}: {}, got {}", source_, line, col, what, got);
  }

  bool atEnd() const { return pos_ >= t_.size(); }
  char peek() const { return atEnd() ? '\0' : t_[pos_]; }

  void skipSpace() {
    while (!atEnd()) {
      if (std::isspace(static_cast<unsigned char>(t_[pos_]))) {
        ++pos_;
      } else if (t_.substr(pos_, 2) == "//") {
        while (!atEnd() && t_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  bool accept(char c) {
    skipSpace();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  void expect(char c) {
    if (!accept(c)) error(std::string("expected '") + c + "'");
  }

  std::string word() {
    skipSpace();
    size_t start = pos_;
    while (!atEnd() && (std::isalnum(static_cast<unsigned char>(t_[pos_])) || t_[pos_] == '_')) ++pos_;
    return std::string(t_.substr(start, pos_ - start));
  }

  void expectWord(const std::string& w) {
    size_t save = pos_;
    if (word() != w) {
      pos_ = save;
      skipSpace();
      error("expected '" + w + "'");
    }
  }

  std::string quoted() {
    expect('"');
    std::string out;
    while (true) {
      if (atEnd()) error("unterminated string");
      char c = t_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        if (atEnd()) error("unterminated string");
        char e = t_[pos_++];
        out += e == 'n' ? '\n' : e;
      } else {
        out += c;
      }
    }
    return out;
  }

  std::string name() {
    skipSpace();
    if (peek() == '"') return quoted();
    size_t start = pos_;
    while (!atEnd() && (std::isalnum(static_cast<unsigned char>(t_[pos_])) || t_[pos_] == '_' || t_[pos_] == '.'))
      ++pos_;
    if (start == pos_) error("expected a name");
    return std::string(t_.substr(start, pos_ - start));
  }

  ValueId valueRef() {
    expect('%');
    size_t at = pos_;
    std::string n = name();
    auto v = g_.findValue(n);
    if (!v) {
      pos_ = at;
      error("use of undefined value %" + n);
    }
    return *v;
  }

  // A number token: [-]digits[.digits][e[+-]digits], inf, nan, or 0x hex.
  std::string numberToken() {
    skipSpace();
    size_t start = pos_;
    if (peek() == '-' || peek() == '+') ++pos_;
    while (!atEnd()) {
      char c = t_[pos_];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') {
        ++pos_;
      } else if ((c == '-' || c == '+') && pos_ > start && (t_[pos_ - 1] == 'e' || t_[pos_ - 1] == 'E') &&
                 t_.substr(start, 2) != "0x") {
        ++pos_;
      } else {
        break;
      }
    }
    if (start == pos_) error("expected a number");
    return std::string(t_.substr(start, pos_ - start));
  }

  static bool isFloatToken(const std::string& s) {
    return s.find_first_of(".eE") != std::string::npos || s.find("inf") != std::string::npos ||
           s.find("nan") != std::string::npos;
  }

  double toDouble(const std::string& s) {
    if (s == "inf" || s == "+inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan" || s == "-nan") return std::numeric_limits<double>::quiet_NaN();
    try {
      size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (const std::exception&) {
    }
    error("malformed number '" + s + "'");
  }

  int64_t toInt(const std::string& s) {
    try {
      size_t used = 0;
      long long v = std::stoll(s, &used);
      if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
    error("malformed integer '" + s + "'");
  }

  TensorType type() {
    skipSpace();
    size_t at = pos_;
    std::string dt = word();
    auto d = parseDType(dt);
    if (!d) {
      pos_ = at;
      error("expected an element type (f32, i64, bool, ...)");
    }
    TensorType t;
    t.dtype = *d;
    expect('[');
    std::vector<std::string> names;
    bool anyName = false;
    if (!accept(']')) {
      do {
        skipSpace();
        if (peek() == '?') {
          ++pos_;
          t.shape.dims.push_back(kDynamicDim);
          names.emplace_back();
        } else if (std::isdigit(static_cast<unsigned char>(peek()))) {
          t.shape.dims.push_back(toInt(numberToken()));
          names.emplace_back();
        } else {
          names.push_back(name());
          t.shape.dims.push_back(kDynamicDim);
          anyName = true;
        }
      } while (accept(','));
      expect(']');
    }
    if (anyName) t.shape.dimNames = names;
    return t;
  }

  Attribute attributeValue() {
    skipSpace();
    if (peek() == '"') return quoted();
    if (accept('[')) {
      std::vector<std::string> items;
      if (!accept(']')) {
        do items.push_back(numberToken());
        while (accept(','));
        expect(']');
      }
      bool floats = false;
      for (const auto& i : items) floats = floats || isFloatToken(i);
      if (floats) {
        std::vector<double> v;
        for (const auto& i : items) v.push_back(toDouble(i));
        return v;
      }
      std::vector<int64_t> v;
      for (const auto& i : items) v.push_back(toInt(i));
      return v;
    }
    std::string tok = numberToken();
    if (isFloatToken(tok)) return toDouble(tok);
    return toInt(tok);
  }

  void checkNew(const std::string& n, size_t at) {
    if (g_.findValue(n)) {
      pos_ = at;
      error("value %" + n + " is defined twice");
    }
  }

  Tensor hexData(const TensorType& type) {
    skipSpace();
    size_t at = pos_;
    std::string tok = numberToken();
    if (tok.rfind("0x", 0) != 0) {
      pos_ = at;
      error("expected parameter data (0x... or <elided>)");
    }
    std::string hex = tok.substr(2);
    if (hex.size() % 2) error("odd number of hex digits in parameter data");
    std::vector<std::byte> bytes(hex.size() / 2);
    for (size_t i = 0; i < bytes.size(); ++i) {
      auto digit = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        pos_ = at;
        error("bad hex digit in parameter data");
      };
      bytes[i] = std::byte((digit(hex[2 * i]) << 4) | digit(hex[2 * i + 1]));
    }
    if (!type.shape.isStatic()) error("a parameter with data needs a static shape");
    size_t expected = size_t(type.shape.numElements()) * dtypeSize(type.dtype);
    if (bytes.size() != expected) {
      pos_ = at;
      error(fmt::format("parameter data has {} bytes, {} needs {}", bytes.size(), type.str(), expected));
    }
    return Tensor(type.dtype, type.shape, bytes);
  }

  void statement() {
    skipSpace();
    size_t at = pos_;
    if (peek() != '%') {
      std::string kw = word();
      if (kw == "input") {
        expect('%');
        size_t nameAt = pos_;
        std::string n = name();
        checkNew(n, nameAt);
        expect(':');
        g_.addInput(n, type());
        return;
      }
      if (kw == "param") {
        expect('%');
        size_t nameAt = pos_;
        std::string n = name();
        checkNew(n, nameAt);
        expect(':');
        TensorType t = type();
        expect('=');
        skipSpace();
        if (accept('<')) {
          expectWord("elided");
          expect('>');
          g_.addParam(n, t);
        } else {
          g_.addParam(n, hexData(t));
        }
        return;
      }
      if (kw == "output") {
        std::vector<ValueId> outs;
        do outs.push_back(valueRef());
        while (accept(','));
        g_.setOutputs(outs);
        return;
      }
      pos_ = at;
      error("expected 'input', 'param', 'output' or an op");
    }
    std::vector<std::string> results;
    std::vector<size_t> resultAt;
    do {
      expect('%');
      resultAt.push_back(pos_);
      results.push_back(name());
    } while (accept(','));
    std::set<std::string> seen;
    for (size_t i = 0; i < results.size(); ++i) {
      checkNew(results[i], resultAt[i]);
      if (!seen.insert(results[i]).second) {
        pos_ = resultAt[i];
        error("value %" + results[i] + " is defined twice");
      }
    }
    expect('=');
    skipSpace();
    size_t kindAt = pos_;
    std::string kindName = word();
    auto kind = parseOpKind(kindName);
    if (!kind) {
      pos_ = kindAt;
      error("unknown op '" + kindName + "'");
    }
    expect('(');
    std::vector<ValueId> operands;
    if (!accept(')')) {
      do operands.push_back(valueRef());
      while (accept(','));
      expect(')');
    }
    Attributes attrs;
    if (accept('{')) {
      do {
        std::string an = word();
        if (an.empty()) error("expected an attribute name");
        expect('=');
        attrs.set(an, attributeValue());
      } while (accept(','));
      expect('}');
    }
    std::string opName;
    skipSpace();
    if (t_.substr(pos_, 4) == "loc(") {
      pos_ += 4;
      opName = quoted();
      expect(')');
    }
    expect(':');
    std::vector<TensorType> types;
    do types.push_back(type());
    while (accept(','));
    if (types.size() != results.size())
      error(fmt::format("{} result(s) but {} type(s)", results.size(), types.size()));
    OpId o = g_.addOp(*kind, operands, results, attrs, opName);
    for (size_t i = 0; i < types.size(); ++i) g_.value(g_.op(o).results[i]).type = types[i];
  }

  std::string_view t_;
  std::string source_;
  size_t pos_ = 0;
  Graph g_;
};

}  // namespace

Graph parseGraph(std::string_view text, const std::string& source) { return Parser(text, source).parse(); }

}  // namespace shardc::ir
