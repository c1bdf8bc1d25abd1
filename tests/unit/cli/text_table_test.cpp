#include "cli/text_table.h"

#include <gtest/gtest.h>

namespace shipshape::cli {
namespace {

TEST(TextTable, AlignsColumnsWithThreeSpacesAndNoTrailingBlanks) {
  TextTable t({"ID", "NAME", "STATE"});
  t.addRow({"abc", "web-1", "running"});
  t.addRow({"d", "db", ""});
  EXPECT_EQ(t.render(),
            "ID    NAME    STATE\n"
            "abc   web-1   running\n"
            "d     db\n");
}

TEST(TextTable, HeaderOnlyWhenEmpty) {
  TextTable t({"A", "B"});
  EXPECT_EQ(t.render(), "A   B\n");
}

}  // namespace
}  // namespace shipshape::cli
