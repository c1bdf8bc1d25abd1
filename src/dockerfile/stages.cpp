#include <cctype>

#include "dockerfile/dockerfile.h"

namespace shipshape::dockerfile {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ENV key=value key2="v 2"   or the legacy   ENV key value with spaces
void applyEnv(const Instruction& ins, Variables& env, char escape) {
  auto words = splitWords(ins.rest, env, escape);
  if (words.empty()) return;
  if (words[0].text.find('=') == std::string::npos) {
    std::string value;
    for (std::size_t k = 1; k < words.size(); ++k) value += (k > 1 ? " " : "") + words[k].text;
    env[words[0].text] = value;
    return;
  }
  for (const auto& w : words) {
    auto eq = w.text.find('=');
    if (eq != std::string::npos) env[w.text.substr(0, eq)] = w.text.substr(eq + 1);
  }
}

void applyArg(const Instruction& ins, Variables& env, const Variables& global, char escape) {
  for (const auto& w : splitWords(ins.rest, env, escape)) {
    auto eq = w.text.find('=');
    std::string name = w.text.substr(0, eq);
    if (eq != std::string::npos) {
      env[name] = w.text.substr(eq + 1);
    } else if (auto it = global.find(name); it != global.end()) {
      env[name] = it->second;  // re-declaring a global ARG brings its default into the stage
    } else {
      env.emplace(name, "");
    }
  }
}

}  // namespace

std::vector<Stage> buildStages(const Dockerfile& file) {
  std::vector<Stage> stages;
  for (const auto& ins : file.instructions) {
    if (ins.keyword == "FROM") {
      Stage s;
      s.index = static_cast<int>(stages.size());
      s.from = &ins;
      auto words = splitWords(ins.rest, file.global_args, file.escape);
      if (!words.empty()) s.base = words[0].text;
      if (words.size() >= 3 && lower(words[1].text) == "as") s.name = lower(words[2].text);
      std::string base_lower = lower(s.base);
      for (const auto& earlier : stages) {
        if ((!earlier.name.empty() && earlier.name == base_lower) || std::to_string(earlier.index) == s.base) {
          s.parent_stage = earlier.index;
        }
      }
      if (s.parent_stage >= 0) {
        const Stage& parent = stages[static_cast<std::size_t>(s.parent_stage)];
        s.user = parent.user;
        s.user_instruction = parent.user_instruction;
        s.healthcheck = parent.healthcheck;
        s.env = parent.env;
      }
      stages.push_back(std::move(s));
      continue;
    }
    if (stages.empty()) continue;  // global ARGs
    Stage& s = stages.back();
    s.instructions.push_back(&ins);
    if (ins.keyword == "ENV") {
      applyEnv(ins, s.env, file.escape);
    } else if (ins.keyword == "ARG") {
      applyArg(ins, s.env, file.global_args, file.escape);
    } else if (ins.keyword == "USER") {
      s.user = expandWord(ins.rest, s.env, file.escape).text;
      s.user_instruction = &ins;
    } else if (ins.keyword == "HEALTHCHECK") {
      s.healthcheck = &ins;
    }
  }
  return stages;
}

}  // namespace shipshape::dockerfile
