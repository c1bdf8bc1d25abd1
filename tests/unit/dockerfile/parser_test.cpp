#include "dockerfile/dockerfile.h"

#include <gtest/gtest.h>

namespace shipshape::dockerfile {
namespace {

Dockerfile parse(const std::string& text) {
  auto r = parseDockerfile(text, "Dockerfile");
  EXPECT_TRUE(r) << r.error().describe();
  return r ? *r : Dockerfile{};
}

TEST(DockerfileParser, ContinuationsDropCommentsAndBlankLines) {
  auto f = parse(
      "FROM alpine:3.19\n"
      "RUN apk add \\\n"
      "  # a comment inside the continuation\n"
      "\n"
      "  curl \\\n"
      "  jq\n"
      "USER app\n");
  ASSERT_EQ(f.instructions.size(), 3u);
  const auto& run = f.instructions[1];
  EXPECT_EQ(run.keyword, "RUN");
  EXPECT_EQ(run.line, 2);
  EXPECT_EQ(run.end_line, 6);
  EXPECT_EQ(run.rest, "apk add   curl   jq");
  EXPECT_EQ(f.instructions[2].line, 7);
}

TEST(DockerfileParser, EscapeDirectiveChangesTheContinuationCharacter) {
  auto f = parse("# escape=`\nFROM windows\nRUN dir `\n  C:\\\\\nUSER x\n");
  EXPECT_EQ(f.escape, '`');
  ASSERT_EQ(f.instructions.size(), 3u);
  EXPECT_EQ(f.instructions[1].rest, "dir   C:\\\\");
}

TEST(DockerfileParser, DirectivesOnlyAtTheTop) {
  auto f = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n# escape=\\\nRUN x\n");
  EXPECT_EQ(f.syntax, "docker/dockerfile:1");
  EXPECT_EQ(f.escape, '`') << "a directive after the first instruction is a comment";
}

TEST(DockerfileParser, HeredocsAreConsumedAndKept) {
  auto f = parse(
      "FROM debian\n"
      "RUN <<EOF bash\n"
      "set -e\n"
      "USER root\n"
      "EOF\n"
      "COPY <<-'CONF' /etc/app.conf\n"
      "\tkey=value\n"
      "\tCONF\n"
      "USER app\n");
  ASSERT_EQ(f.instructions.size(), 4u);
  const auto& run = f.instructions[1];
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "set -e\nUSER root\n") << "the heredoc body is not parsed as instructions";
  const auto& copy = f.instructions[2];
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_FALSE(copy.heredocs[0].expand);
  EXPECT_TRUE(copy.heredocs[0].strip_tabs);
  EXPECT_EQ(copy.heredocs[0].content, "key=value\n");
  EXPECT_EQ(f.instructions[3].keyword, "USER");
  EXPECT_EQ(f.instructions[3].line, 9);
}

TEST(DockerfileParser, JsonAndShellForms) {
  auto f = parse("FROM a\nCMD [\"/app\", \"--port\", \"80\"]\nENTRYPOINT /bin/sh -c x\nRUN [not json\n"
                 "HEALTHCHECK --interval=5s CMD [\"/app\", \"probe\"]\n");
  EXPECT_TRUE(f.instructions[1].json_form);
  EXPECT_EQ(f.instructions[1].json_args, (std::vector<std::string>{"/app", "--port", "80"}));
  EXPECT_FALSE(f.instructions[2].json_form);
  EXPECT_FALSE(f.instructions[3].json_form) << "invalid JSON falls back to shell form";
  EXPECT_TRUE(f.instructions[4].json_form);
  EXPECT_EQ(f.instructions[4].flag("interval"), "5s");
}

TEST(DockerfileParser, FlagsAreSplitFromArguments) {
  auto f = parse("FROM a AS b\nCOPY --from=b --chown=1000:1000 /src /dst\nRUN --mount=type=cache,target=/root/.cache make\n");
  const auto& copy = f.instructions[1];
  EXPECT_EQ(copy.flag("from"), "b");
  EXPECT_EQ(copy.flag("chown"), "1000:1000");
  EXPECT_EQ(copy.rest, "/src /dst");
  EXPECT_EQ(f.instructions[2].flag("mount"), "type=cache,target=/root/.cache");
  EXPECT_FALSE(copy.flag("link"));
}

TEST(DockerfileParser, ErrorsCarryLineAndColumn) {
  auto unknown = parseDockerfile("FROM a\n  FROBNICATE x\n", "dir/Dockerfile");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "dir/Dockerfile:2:3: unknown instruction: FROBNICATE");
  auto no_args = parseDockerfile("FROM a\nUSER\n", "Dockerfile");
  ASSERT_FALSE(no_args);
  EXPECT_NE(no_args.error().message.find("Dockerfile:2:1: USER requires at least one argument"), std::string::npos);
  auto heredoc = parseDockerfile("FROM a\nRUN <<EOF\necho\n", "Dockerfile");
  ASSERT_FALSE(heredoc);
  EXPECT_NE(heredoc.error().message.find("not terminated"), std::string::npos);
  auto before_from = parseDockerfile("RUN x\nFROM a\n", "Dockerfile");
  ASSERT_FALSE(before_from);
  EXPECT_FALSE(parseDockerfile("# only a comment\n", "Dockerfile"));
}

TEST(DockerfileStages, UserOfTheFinalStageWithInheritance) {
  auto f = parse(
      "ARG BASE=alpine:3.19\n"
      "FROM ${BASE} AS builder\n"
      "USER root\n"
      "FROM builder AS runtime\n"
      "ENV APP_USER=app\n"
      "USER ${APP_USER}\n"
      "FROM runtime\n");
  auto stages = buildStages(f);
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[0].base, "alpine:3.19") << "global ARG defaults apply to FROM";
  EXPECT_EQ(stages[0].name, "builder");
  EXPECT_EQ(stages[1].parent_stage, 0);
  EXPECT_EQ(stages[1].user, "app") << "ENV substitution in USER";
  EXPECT_EQ(stages[2].parent_stage, 1);
  EXPECT_EQ(stages[2].user, "app") << "a stage built on another inherits its USER";
}

TEST(DockerfileStages, ArgRedeclaredInsideAStageGetsTheGlobalDefault) {
  auto f = parse("ARG UID=10001\nFROM a\nARG UID\nUSER ${UID}\n");
  auto stages = buildStages(f);
  EXPECT_EQ(stages[0].user, "10001");
}

}  // namespace
}  // namespace shipshape::dockerfile
