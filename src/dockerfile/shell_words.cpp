#include "dockerfile/shell_words.h"

#include <cctype>

namespace shipshape::dockerfile {
namespace {

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  Lexer(std::string_view text, const Variables& vars, char escape) : s_(text), vars_(vars), escape_(escape) {}

  std::vector<Word> words(bool split) {
    std::vector<Word> out;
    Word current;
    bool in_word = false;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (split && std::isspace(static_cast<unsigned char>(c))) {
        if (in_word) out.push_back(std::move(current));
        current = {};
        in_word = false;
        ++i_;
        continue;
      }
      in_word = true;
      if (c == '\'') {
        ++i_;
        while (i_ < s_.size() && s_[i_] != '\'') current.text += s_[i_++];
        ++i_;
      } else if (c == '"') {
        ++i_;
        while (i_ < s_.size() && s_[i_] != '"') {
          if (s_[i_] == escape_ && i_ + 1 < s_.size() && (s_[i_ + 1] == '"' || s_[i_ + 1] == '$' || s_[i_ + 1] == escape_)) {
            current.text += s_[i_ + 1];
            i_ += 2;
          } else if (s_[i_] == '$') {
            expand(current);
          } else {
            current.text += s_[i_++];
          }
        }
        ++i_;
      } else if (c == escape_ && i_ + 1 < s_.size()) {
        current.text += s_[i_ + 1];
        i_ += 2;
      } else if (c == '$') {
        expand(current);
      } else {
        current.text += c;
        ++i_;
      }
    }
    if (in_word) out.push_back(std::move(current));
    return out;
  }

 private:
  const std::string* lookup(const std::string& name) const {
    auto it = vars_.find(name);
    return it == vars_.end() ? nullptr : &it->second;
  }

  // At '$': appends the expansion to `w` and advances past the reference.
  void expand(Word& w) {
    ++i_;
    if (i_ >= s_.size()) {
      w.text += '$';
      return;
    }
    if (s_[i_] == '{') {
      std::size_t close = i_ + 1;
      int depth = 1;
      while (close < s_.size() && depth > 0) {
        if (s_[close] == '{') ++depth;
        if (s_[close] == '}') --depth;
        if (depth > 0) ++close;
      }
      std::string_view inner = s_.substr(i_ + 1, close - i_ - 1);
      i_ = close < s_.size() ? close + 1 : s_.size();
      std::size_t n = 0;
      while (n < inner.size() && isNameChar(inner[n])) ++n;
      std::string name(inner.substr(0, n));
      std::string_view op = inner.substr(n);
      const std::string* value = lookup(name);
      w.had_variable = true;
      bool colon = !op.empty() && op[0] == ':';
      if (colon) op.remove_prefix(1);
      char kind = op.empty() ? 0 : op[0];
      std::string_view operand = op.empty() ? op : op.substr(1);
      bool set = value != nullptr && (!colon || !value->empty());
      auto operandText = [&] { return Lexer(operand, vars_, escape_).words(false).empty()
                                          ? std::string()
                                          : Lexer(operand, vars_, escape_).words(false)[0].text; };
      switch (kind) {
        case '-': w.text += set ? *value : operandText(); break;
        case '+': w.text += set ? operandText() : std::string(); break;
        case '?': if (set) w.text += *value; break;  // an unset required variable fails the build; not our job
        default: if (value) w.text += *value; break;
      }
      return;
    }
    std::size_t start = i_;
    while (i_ < s_.size() && isNameChar(s_[i_])) ++i_;
    if (i_ == start) {
      w.text += '$';
      return;
    }
    w.had_variable = true;
    if (const std::string* value = lookup(std::string(s_.substr(start, i_ - start)))) w.text += *value;
  }

  std::string_view s_;
  const Variables& vars_;
  char escape_;
  std::size_t i_ = 0;
};

}  // namespace

std::vector<Word> splitWords(std::string_view text, const Variables& vars, char escape) {
  return Lexer(text, vars, escape).words(true);
}

Word expandWord(std::string_view text, const Variables& vars, char escape) {
  auto words = Lexer(text, vars, escape).words(false);
  return words.empty() ? Word{} : words.front();
}

}  // namespace shipshape::dockerfile
