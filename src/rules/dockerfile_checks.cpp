#include "rules/dockerfile_checks.h"

#include <regex>

#include "rules/catalog.h"
#include "rules/image_ref.h"
#include "rules/policy.h"
#include "rules/secrets.h"

namespace shipshape::rules {
namespace {

using dockerfile::Dockerfile;
using dockerfile::Instruction;
using dockerfile::Stage;

class Checker {
 public:
  explicit Checker(const Dockerfile& file) : file_(file), stages_(dockerfile::buildStages(file)) {}

  std::vector<Finding> run() {
    for (const auto& stage : stages_) checkBaseImage(stage);
    if (!stages_.empty()) {
      checkFinalUser(stages_.back());
      checkHealthcheck(stages_.back());
    }
    for (const auto& ins : file_.instructions) {
      if (ins.keyword == "ENV" || ins.keyword == "ARG" || ins.keyword == "LABEL") checkSecrets(ins);
      if (ins.keyword == "ADD") checkRemoteAdd(ins);
      if (ins.keyword == "RUN") checkPipeToShell(ins);
    }
    return std::move(findings_);
  }

 private:
  void report(const char* rule_id, std::string message, const Instruction& ins, std::string_view needle = {}) {
    Finding f = makeFinding(rule_id, std::move(message), Location::inFile(file_.path, ins.line, ins.column));
    f.location.anchor_line = ins.line;
    // Point at the exact physical line and column of `needle` when it is in the instruction.
    if (!needle.empty()) {
      for (int l = ins.line; l <= ins.end_line && l <= static_cast<int>(file_.lines.size()); ++l) {
        auto pos = file_.lines[static_cast<std::size_t>(l - 1)].find(needle);
        if (pos != std::string::npos) {
          f.location.line = l;
          f.location.column = static_cast<int>(pos) + 1;
          break;
        }
      }
    }
    findings_.push_back(std::move(f));
  }

  void checkBaseImage(const Stage& stage) {
    if (stage.parent_stage >= 0 || stage.base.empty()) return;
    if (stage.base == "scratch") return;
    if (stage.base.find('$') != std::string::npos) return;  // unresolved variable: nothing to judge
    if (hasEmbeddedCredentials(stage.base)) {
      report("SS604", "FROM reference carries credentials (" + redact(stage.base) + ")", *stage.from);
      return;
    }
    ImageRef ref = parseImageRef(stage.base);
    if (ref.mutableTag()) {
      report("SS501",
             "base image " + stage.base + (ref.tag.empty() ? " has no tag (means :latest)" : " uses :latest") +
                 ": a rebuild can silently change it",
             *stage.from, stage.base);
    } else if (ref.digest.empty()) {
      report("SS503", "base image " + stage.base + " is not pinned by digest", *stage.from, stage.base);
    }
  }

  void checkFinalUser(const Stage& stage) {
    std::string where = stage.name.empty() ? "the final stage" : "the final stage '" + stage.name + "'";
    if (!stage.user) {
      std::string why = stage.base == "scratch" ? "an image FROM scratch runs as uid 0"
                                                 : "it runs as root unless the base image " + stage.base +
                                                       " sets a non-root USER";
      report("SS401", where + " has no USER instruction: " + why, *stage.from);
      return;
    }
    if (isRootUser(*stage.user)) {
      report("SS401", where + " switches to USER " + *stage.user + " (root)", *stage.user_instruction);
    }
  }

  void checkHealthcheck(const Stage& stage) {
    if (stage.healthcheck == nullptr) {
      report("SS502", "the final image has no HEALTHCHECK", *stage.from);
      return;
    }
    std::string rest = stage.healthcheck->rest;
    for (char& c : rest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (rest == "NONE") report("SS502", "HEALTHCHECK NONE disables the base image's health check", *stage.healthcheck);
  }

  void checkSecrets(const Instruction& ins) {
    // Expansion is not applied: a value that comes from a variable is not a literal in this file.
    auto words = dockerfile::splitWords(ins.rest, {}, file_.escape);
    if (words.empty()) return;
    std::vector<std::pair<std::string, dockerfile::Word>> pairs;
    bool legacy_env = ins.keyword == "ENV" && words[0].text.find('=') == std::string::npos;
    if (legacy_env) {
      dockerfile::Word value;
      for (std::size_t k = 1; k < words.size(); ++k) {
        value.text += (k > 1 ? " " : "") + words[k].text;
        value.had_variable |= words[k].had_variable;
      }
      pairs.emplace_back(words[0].text, value);
    } else {
      for (const auto& w : words) {
        auto eq = w.text.find('=');
        dockerfile::Word value{eq == std::string::npos ? "" : w.text.substr(eq + 1), w.had_variable};
        pairs.emplace_back(w.text.substr(0, eq), value);
        if (eq == std::string::npos) pairs.back().second.had_variable = false;
      }
    }
    for (const auto& [name, value] : pairs) {
      bool literal = !value.text.empty() && !value.had_variable;
      bool secret = literal && isSecretAssignment(name, value.text);
      if (secret && isSecretName(name)) {
        report("SS409", ins.keyword + " " + name + " holds a literal secret " + redact(value.text) +
                            ": it is stored in the image for anyone who can pull it",
               ins, name);
      } else if (secret) {
        report("SS409", ins.keyword + " " + name + " holds a value that looks like a credential " +
                            redact(value.text),
               ins, name);
      } else if (ins.keyword == "ARG" && isSecretName(name) && !(literal && !isSecretAssignment(name, value.text))) {
        report("SS604", "build argument " + name +
                            " carries a credential: build arguments are recorded in the image history",
               ins, name);
      }
    }
  }

  void checkRemoteAdd(const Instruction& ins) {
    if (ins.flag("checksum")) return;
    for (const auto& w : dockerfile::splitWords(ins.rest, {}, file_.escape)) {
      const std::string& src = w.text;
      if (src.rfind("http://", 0) == 0 || src.rfind("https://", 0) == 0) {
        if (hasEmbeddedCredentials(src)) {
          report("SS604", "ADD URL carries credentials (" + redact(src) + ")", ins);
        }
        report("SS411", "ADD downloads " + src.substr(0, src.find('?')) + " without --checksum", ins);
        return;
      }
    }
  }

  void checkPipeToShell(const Instruction& ins) {
    static const std::regex kPipe(
        R"((curl|wget)\b[^|;&\n]*\|\s*(sudo\s+(-\S+\s+)*)?(env\s+)?(ba|z|da|k|a)?sh\b|(ba)?sh\s+(-\w+\s+)*<\(\s*(curl|wget)\b)",
        std::regex::optimize);
    std::string text = ins.json_form ? "" : ins.rest;
    for (const auto& doc : ins.heredocs) text += "\n" + doc.content;
    if (std::regex_search(text, kPipe)) {
      report("SS411", "RUN pipes a download straight into a shell: the script is neither pinned nor verified", ins);
    }
  }

  const Dockerfile& file_;
  std::vector<Stage> stages_;
  std::vector<Finding> findings_;
};

}  // namespace

std::vector<Finding> checkDockerfile(const Dockerfile& file) { return Checker(file).run(); }

}  // namespace shipshape::rules
