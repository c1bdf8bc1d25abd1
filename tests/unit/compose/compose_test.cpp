#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "compose/interpolation.h"
#include "compose/project.h"

namespace shipshape::compose {
namespace {

TEST(Interpolation, AllForms) {
  Environment env{{"SET", "v"}, {"EMPTY", ""}};
  EXPECT_EQ(interpolate("${SET}", env)->text, "v");
  EXPECT_EQ(interpolate("$SET-x", env)->text, "v-x");
  EXPECT_EQ(interpolate("${UNSET:-def}", env)->text, "def");
  EXPECT_EQ(interpolate("${EMPTY:-def}", env)->text, "def");
  EXPECT_EQ(interpolate("${EMPTY-def}", env)->text, "");
  EXPECT_EQ(interpolate("${SET:+alt}", env)->text, "alt");
  EXPECT_EQ(interpolate("${UNSET:-${SET}}", env)->text, "v");
  EXPECT_EQ(interpolate("$$HOME", env)->text, "$HOME");
  EXPECT_FALSE(interpolate("literal", env)->used_variable);
  EXPECT_TRUE(interpolate("${SET}", env)->used_variable);
  auto required = interpolate("${TAG?TAG must be set}", env);
  ASSERT_FALSE(required);
  EXPECT_NE(required.error().message.find("TAG must be set"), std::string::npos);
  EXPECT_FALSE(interpolate("${UNCLOSED", env));
}

TEST(DotEnv, ParsesQuotesCommentsAndExport) {
  auto env = parseDotEnv("# comment\nA=1\nexport B=two\nC=\"quoted # not a comment\"\nD='single'\nE=x # trailing\n\n");
  EXPECT_EQ(env["A"], "1");
  EXPECT_EQ(env["B"], "two");
  EXPECT_EQ(env["C"], "quoted # not a comment");
  EXPECT_EQ(env["D"], "single");
  EXPECT_EQ(env["E"], "x");
}

TEST(ComposeLoad, AnchorsMergeKeysAndPositions) {
  auto node = loadFile("c.yml",
                       "x-base: &base\n"
                       "  restart: always\n"
                       "  user: root\n"
                       "services:\n"
                       "  web:\n"
                       "    <<: *base\n"
                       "    user: app\n"
                       "    environment:\n"
                       "      - A=1\n"
                       "      - B\n",
                       {});
  ASSERT_TRUE(node) << node.error().describe();
  const Node* web = node->get("services")->get("web");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->get("restart")->text(), "always") << "merged from the anchor";
  EXPECT_EQ(web->get("user")->text(), "app") << "explicit keys win over merged ones";
  EXPECT_EQ(web->key_line, 5);
  EXPECT_EQ(web->key_column, 3);
  const Node* env = web->get("environment");
  ASSERT_TRUE(env->isMap()) << "list form is normalised to a map";
  EXPECT_EQ(env->get("A")->text(), "1");
  EXPECT_EQ(env->get("A")->line, 9);
  EXPECT_EQ(env->get("B")->kind, Node::Kind::kNull);
}

TEST(ComposeLoad, ErrorsCarryFileLineColumn) {
  auto bad = loadFile("bad.yml", "services:\n  web:\n    image: [a, b\n  db: x\n", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("bad.yml:4:", 0), 0u) << bad.error().message;
  auto dup = loadFile("dup.yml", "services:\n  web: {}\n  web: {}\n", {});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("duplicate key web"), std::string::npos);
  auto req = loadFile("r.yml", "services:\n  w:\n    image: a:${T?set T}\n", {});
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().message.rfind("r.yml:3:12:", 0), 0u) << req.error().message;
}

TEST(ComposeProject, MergesFilesLikeDockerCompose) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ss-compose-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << "services:\n"
                                         "  web:\n"
                                         "    image: app:${TAG}\n"
                                         "    command: [serve, --fast]\n"
                                         "    environment: {A: base, B: base}\n"
                                         "    volumes: [data:/data, ./conf:/conf]\n"
                                         "    ports: ['80:80']\n";
  std::ofstream(dir / "compose.override.yaml") << "services:\n"
                                                  "  web:\n"
                                                  "    command: [debug]\n"
                                                  "    environment: [B=override, C=new]\n"
                                                  "    volumes: ['other:/data']\n"
                                                  "    ports: ['443:443']\n";
  std::ofstream(dir / ".env") << "TAG=1.2.3\n";
  auto project = loadProject({(dir / "compose.yaml").string(), (dir / "compose.override.yaml").string()}, {});
  ASSERT_TRUE(project) << project.error().describe();
  const Node* web = project->root.get("services")->get("web");
  EXPECT_EQ(web->get("image")->text(), "app:1.2.3") << ".env beside the first file";
  ASSERT_EQ(web->get("command")->seq.size(), 1u) << "command is replaced";
  EXPECT_EQ(web->get("environment")->get("A")->text(), "base");
  EXPECT_EQ(web->get("environment")->get("B")->text(), "override");
  EXPECT_EQ(web->get("environment")->get("C")->text(), "new");
  const Node* vols = web->get("volumes");
  ASSERT_EQ(vols->seq.size(), 2u) << "volumes merge by target";
  EXPECT_EQ(vols->seq[0].text(), "other:/data");
  EXPECT_EQ(vols->seq[0].file, (dir / "compose.override.yaml").string()) << "positions keep their file";
  EXPECT_EQ(web->get("ports")->seq.size(), 2u) << "ports are appended";
  auto from_env = loadProject({(dir / "compose.yaml").string()}, {{"TAG", "9.9"}});
  EXPECT_EQ(from_env->root.get("services")->get("web")->get("image")->text(), "app:9.9")
      << "the process environment wins over .env";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace shipshape::compose
