#include "ir/lexer.h"

#include <fmt/format.h>

#include "ir/error.h"

namespace shardc::ir {
namespace {

bool isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

constexpr std::string_view kPunct = "@%{}()[],=:<>?";

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& source) : t_(text), source_(source) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      skipSpace();
      Token tok;
      tok.line = line_;
      tok.col = col_;
      size_t start = pos_;
      if (pos_ >= t_.size()) {
        tok.kind = TokenKind::End;
        out.push_back(std::move(tok));
        return out;
      }
      char c = t_[pos_];
      if (c == '"') {
        tok.kind = TokenKind::String;
        tok.contents = string(tok);
      } else if (isWordChar(c) || ((c == '-' || c == '+') && pos_ + 1 < t_.size() && isWordChar(t_[pos_ + 1]))) {
        tok.kind = TokenKind::Word;
        word();
      } else if (kPunct.find(c) != std::string_view::npos) {
        tok.kind = TokenKind::Punct;
        advance();
      } else {
        std::string shown = static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f
                                ? fmt::format("\\x{:02x}", static_cast<unsigned char>(c))
                                : std::string(1, c);
        fail("{}:{}:{}: unexpected character '{}'", source_, tok.line, tok.col, shown);
      }
      tok.source = t_.substr(start, pos_ - start);
      out.push_back(std::move(tok));
    }
  }

 private:
  void advance() {
    if (t_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(t_[pos_]) & 0xc0) != 0x80) {
      ++col_;  // columns count characters: UTF-8 continuation bytes do not start one
    }
    ++pos_;
  }

  void skipSpace() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '/' && pos_ + 1 < t_.size() && t_[pos_ + 1] == '/') {
        while (pos_ < t_.size() && t_[pos_] != '\n') advance();
      } else {
        break;
      }
    }
  }

  // [+-]? [A-Za-z0-9_.]+, where a number's exponent may carry a sign: 1e-07, -2.5E+10.
  void word() {
    size_t start = pos_;
    if (t_[pos_] == '-' || t_[pos_] == '+') advance();
    size_t body = pos_;
    bool numeric = isDigit(t_[body]) || (t_[body] == '.' && body + 1 < t_.size() && isDigit(t_[body + 1]));
    bool hex = t_.substr(body, 2) == "0x" || t_.substr(body, 2) == "0X";
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (isWordChar(c)) {
        advance();
      } else if ((c == '-' || c == '+') && numeric && !hex && pos_ > start && (t_[pos_ - 1] == 'e' || t_[pos_ - 1] == 'E') &&
                 pos_ + 1 < t_.size() && isDigit(t_[pos_ + 1])) {
        advance();
      } else {
        break;
      }
    }
  }

  std::string string(const Token& tok) {
    advance();  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= t_.size() || t_[pos_] == '\n')
        fail("{}:{}:{}: unterminated string", source_, tok.line, tok.col);
      char c = t_[pos_];
      if (c == '"') {
        advance();
        return out;
      }
      if (c == '\\') {
        size_t escLine = line_, escCol = col_;
        advance();
        if (pos_ >= t_.size()) fail("{}:{}:{}: unterminated string", source_, tok.line, tok.col);
        char e = t_[pos_];
        switch (e) {
          case '\\': out += '\\'; break;
          case '"': out += '"'; break;
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          default:
            fail("{}:{}:{}: unknown escape '\\{}' in a string (\\\\, \\\", \\n, \\t, \\r)", source_, escLine, escCol,
                 e);
        }
        advance();
        continue;
      }
      out += c;
      advance();
    }
  }

  std::string_view t_;
  const std::string& source_;
  size_t pos_ = 0, line_ = 1, col_ = 1;
};

}  // namespace

std::string Token::quoted() const {
  if (kind == TokenKind::End) return "end of input";
  constexpr size_t kMax = 24;
  if (source.size() <= kMax) return fmt::format("'{}'", source);
  return fmt::format("'{}...'", source.substr(0, kMax));
}

std::vector<Token> tokenize(std::string_view text, const std::string& source) { return Lexer(text, source).run(); }

}  // namespace shardc::ir
