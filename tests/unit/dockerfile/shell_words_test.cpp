#include "dockerfile/shell_words.h"

#include <gtest/gtest.h>

namespace shipshape::dockerfile {
namespace {

std::vector<std::string> texts(const std::vector<Word>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) out.push_back(w.text);
  return out;
}

TEST(ShellWords, QuotesAndEscapes) {
  Variables v{{"NAME", "world"}};
  EXPECT_EQ(texts(splitWords(R"(a="hello $NAME" b='$NAME' c=x\ y)", v)),
            (std::vector<std::string>{"a=hello world", "b=$NAME", "c=x y"}));
}

TEST(ShellWords, ParameterExpansionForms) {
  Variables v{{"SET", "v"}, {"EMPTY", ""}};
  EXPECT_EQ(expandWord("${SET:-d}", v).text, "v");
  EXPECT_EQ(expandWord("${UNSET:-d}", v).text, "d");
  EXPECT_EQ(expandWord("${EMPTY:-d}", v).text, "d");
  EXPECT_EQ(expandWord("${EMPTY-d}", v).text, "") << "without the colon only unset counts";
  EXPECT_EQ(expandWord("${SET:+alt}", v).text, "alt");
  EXPECT_EQ(expandWord("${UNSET:+alt}", v).text, "");
  EXPECT_EQ(expandWord("$SET/x", v).text, "v/x");
  EXPECT_EQ(expandWord("${UNSET:-${SET}}", v).text, "v");
  EXPECT_TRUE(expandWord("$SET", v).had_variable);
  EXPECT_FALSE(expandWord("plain", v).had_variable);
  EXPECT_EQ(expandWord("cost $5", v).text, "cost ") << "as BuildKit: $5 names a (unset) variable";
  EXPECT_EQ(expandWord("100$", v).text, "100$") << "a lone $ stays";
}

TEST(ShellWords, BacktickEscape) {
  EXPECT_EQ(texts(splitWords("a=x` y", {}, '`')), (std::vector<std::string>{"a=x y"}));
}

}  // namespace
}  // namespace shipshape::dockerfile
