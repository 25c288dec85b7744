// Tokens of the text IR (printer.h describes the format), with the line and column each starts at.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shardc::ir {

enum class TokenKind {
  Word,    // a run of [A-Za-z0-9_.], with a leading sign and an exponent sign for numbers: f32, %x's x, 784, -1e-07
  String,  // "..." with \\, \" and \n escapes; `text` is the unescaped contents
  Punct,   // one of @ % { } ( ) [ ] , = : < > ?
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view source;  // the token as written (quotes and escapes included); a view into the text
  std::string contents;     // String only: the unescaped contents
  size_t line = 1, col = 1;

  // Word and Punct: as written; String: the contents.
  std::string_view text() const { return kind == TokenKind::String ? std::string_view(contents) : source; }
  bool is(char punct) const { return kind == TokenKind::Punct && source.size() == 1 && source[0] == punct; }
  bool isWord(std::string_view w) const { return kind == TokenKind::Word && source == w; }
  // How an error message shows the token: 'text' (shortened when long) or "end of input".
  std::string quoted() const;
};

// Splits `text` into tokens, ending with one End token. Whitespace and `//` comments to the end of the line
// separate tokens. Throws ir::Error "<source>:<line>:<col>: ..." on a character no token starts with or an
// unterminated string.
std::vector<Token> tokenize(std::string_view text, const std::string& source);

}  // namespace shardc::ir
