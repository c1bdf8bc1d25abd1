#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "dockerfile/dockerfile.h"

namespace shipshape::dockerfile {
namespace {

const char* const kKnownInstructions[] = {"ADD",  "ARG",     "CMD",    "COPY",       "ENTRYPOINT", "ENV",
                                          "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
                                          "RUN",  "SHELL",   "STOPSIGNAL", "USER", "VOLUME",     "WORKDIR"};

bool isKnown(const std::string& keyword) {
  return std::any_of(std::begin(kKnownInstructions), std::end(kKnownInstructions),
                     [&](const char* k) { return keyword == k; });
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}
std::string_view trimRight(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  return lines;
}

bool isComment(std::string_view line) {
  line = trimLeft(line);
  return !line.empty() && line.front() == '#';
}

// `# key=value` at the top of the file.
bool parseDirective(std::string_view line, std::string* key, std::string* value) {
  line = trimLeft(line);
  if (line.empty() || line.front() != '#') return false;
  line = trimLeft(line.substr(1));
  auto eq = line.find('=');
  if (eq == std::string_view::npos) return false;
  std::string k;
  for (char c : trimRight(line.substr(0, eq))) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
    k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  *key = k;
  *value = std::string(trimRight(trimLeft(line.substr(eq + 1))));
  return !k.empty();
}

// Heredoc markers on an instruction line: <<EOF, <<-EOF, <<"EOF", <<'EOF'.
std::vector<Heredoc> findHeredocs(std::string_view args) {
  std::vector<Heredoc> docs;
  std::size_t pos = 0;
  while ((pos = args.find("<<", pos)) != std::string_view::npos) {
    std::size_t i = pos + 2;
    Heredoc h;
    if (i < args.size() && args[i] == '-') {
      h.strip_tabs = true;
      ++i;
    }
    char quote = 0;
    if (i < args.size() && (args[i] == '"' || args[i] == '\'')) {
      quote = args[i];
      h.expand = false;
      ++i;
    }
    std::size_t start = i;
    while (i < args.size() && (std::isalnum(static_cast<unsigned char>(args[i])) || args[i] == '_')) ++i;
    if (i > start && (quote == 0 || (i < args.size() && args[i] == quote))) {
      h.name = std::string(args.substr(start, i - start));
      docs.push_back(h);
    }
    pos = i;
  }
  return docs;
}

Error errorAt(const std::string& path, int line, int column, const std::string& message) {
  return Error{ErrorCode::kInvalidArgument,
               path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message, {}, 0};
}

void splitFlags(Instruction& ins) {
  std::string_view rest = trimLeft(ins.args);
  while (rest.substr(0, 2) == "--") {
    std::size_t end = 0;
    bool in_quote = false;
    while (end < rest.size() && (in_quote || !std::isspace(static_cast<unsigned char>(rest[end])))) {
      if (rest[end] == '"') in_quote = !in_quote;
      ++end;
    }
    ins.flags.emplace_back(rest.substr(0, end));
    rest = trimLeft(rest.substr(end));
  }
  ins.rest = std::string(trimRight(rest));
}

void detectJsonForm(Instruction& ins) {
  static const char* const kExecForm[] = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK"};
  if (std::none_of(std::begin(kExecForm), std::end(kExecForm), [&](const char* k) { return ins.keyword == k; })) return;
  std::string_view rest = ins.rest;
  if (ins.keyword == "HEALTHCHECK") {
    // HEALTHCHECK [options] CMD ["exe", "arg"]
    auto cmd = upper(rest.substr(0, 3));
    if (cmd != "CMD") return;
    rest = trimLeft(rest.substr(3));
  }
  if (rest.empty() || rest.front() != '[') return;
  try {
    auto j = nlohmann::json::parse(rest);
    if (!j.is_array()) return;
    std::vector<std::string> args;
    for (const auto& e : j) {
      if (!e.is_string()) return;
      args.push_back(e.get<std::string>());
    }
    ins.json_form = true;
    ins.json_args = std::move(args);
  } catch (const nlohmann::json::exception&) {
    // Not valid JSON: BuildKit then treats it as shell form, and so do we.
  }
}

// What BuildKit refuses to build, in its words; "" when the instruction is acceptable.
std::string rejectAsBuildKitDoes(const Instruction& ins, char escape) {
  std::string_view rest = ins.rest;
  if (ins.keyword == "ENV") {
    // `ENV NAME value` (legacy) or `ENV A=1 B=2`; a lone name, or a name without '=' in the second form, fails.
    auto first_end = rest.find_first_of(" \t");
    std::string_view first = rest.substr(0, first_end);
    if (first.find('=') == std::string_view::npos) {
      if (first_end == std::string_view::npos || trimLeft(rest.substr(first_end)).empty()) {
        return "ENV " + std::string(first) + " has no value (ENV requires NAME=VALUE or NAME VALUE)";
      }
      return "";
    }
    for (const auto& w : splitWords(rest, {}, escape)) {
      if (w.text.find('=') == std::string::npos) {
        return "ENV: cannot find = in \"" + w.text + "\" (must be of the form NAME=VALUE)";
      }
    }
    return "";
  }
  if (ins.keyword == "HEALTHCHECK") {
    auto type_end = rest.find_first_of(" \t");
    std::string type = upper(rest.substr(0, type_end));
    std::string_view after = type_end == std::string_view::npos ? std::string_view{} : trimLeft(rest.substr(type_end));
    if (type == "NONE") return after.empty() ? "" : "HEALTHCHECK NONE takes no arguments";
    if (type != "CMD") return "unknown type \"" + std::string(rest.substr(0, type_end)) + "\" in HEALTHCHECK (try CMD)";
    if (after.empty() || (ins.json_form && ins.json_args.empty())) return "missing command after HEALTHCHECK CMD";
  }
  return "";
}

}  // namespace

std::optional<std::string> Instruction::flag(std::string_view name) const {
  std::string prefix = "--" + std::string(name) + "=";
  for (const auto& f : flags) {
    if (f.rfind(prefix, 0) == 0) return f.substr(prefix.size());
    if (f == "--" + std::string(name)) return std::string();
  }
  return std::nullopt;
}

Result<Dockerfile> parseDockerfile(std::string_view text, const std::string& path) {
  Dockerfile file;
  file.path = path;
  auto lines = splitLines(text);
  file.lines.assign(lines.begin(), lines.end());
  std::size_t i = 0;

  // Parser directives: only at the very top, before any other comment, blank line or instruction.
  for (; i < lines.size(); ++i) {
    std::string key, value;
    if (!parseDirective(lines[i], &key, &value)) break;
    if (key == "escape") {
      if (value != "\\" && value != "`") {
        return fail(errorAt(path, static_cast<int>(i + 1), 1, "invalid escape character '" + value + "'"));
      }
      file.escape = value[0];
    } else if (key == "syntax") {
      file.syntax = value;
    }
  }

  bool seen_from = false;
  while (i < lines.size()) {
    std::string_view raw = lines[i];
    std::string_view trimmed = trimLeft(raw);
    if (trimmed.empty() || trimmed.front() == '#') {
      ++i;
      continue;
    }
    Instruction ins;
    ins.line = static_cast<int>(i + 1);
    ins.column = static_cast<int>(raw.size() - trimmed.size() + 1);

    // Join continuation lines: a line ending (after trailing blanks) in the escape character continues;
    // comment lines and blank lines inside a continuation are dropped, as BuildKit does.
    std::string logical;
    std::size_t j = i;
    std::string_view current = trimmed;
    while (true) {
      std::string_view body = trimRight(current);
      bool continues = !body.empty() && body.back() == file.escape;
      if (continues) body.remove_suffix(1);
      logical.append(body);
      ++j;
      if (!continues) break;
      while (j < lines.size() && (isComment(lines[j]) || trimLeft(lines[j]).empty())) ++j;
      if (j >= lines.size()) break;  // a trailing continuation at EOF ends the instruction
      current = lines[j];
    }
    ins.end_line = static_cast<int>(j);

    std::string_view lv = logical;
    std::size_t kw_end = 0;
    while (kw_end < lv.size() && !std::isspace(static_cast<unsigned char>(lv[kw_end]))) ++kw_end;
    ins.keyword = upper(lv.substr(0, kw_end));
    ins.args = std::string(trimRight(trimLeft(lv.substr(kw_end))));
    if (!isKnown(ins.keyword)) {
      return fail(errorAt(path, ins.line, ins.column, "unknown instruction: " + std::string(lv.substr(0, kw_end))));
    }
    if (ins.args.empty()) {
      return fail(errorAt(path, ins.line, ins.column, ins.keyword + " requires at least one argument"));
    }
    if (!seen_from && ins.keyword != "ARG" && ins.keyword != "FROM") {
      return fail(errorAt(path, ins.line, ins.column,
                          ins.keyword + " before the first FROM (only ARG may come before FROM)"));
    }
    seen_from = seen_from || ins.keyword == "FROM";

    if (ins.keyword == "RUN" || ins.keyword == "COPY" || ins.keyword == "ADD") {
      ins.heredocs = findHeredocs(ins.args);
      for (auto& doc : ins.heredocs) {
        bool terminated = false;
        while (j < lines.size()) {
          std::string_view l = lines[j++];
          std::string_view check = doc.strip_tabs ? std::string_view(l).substr(std::min(l.find_first_not_of('\t'), l.size())) : l;
          if (check == doc.name) {
            terminated = true;
            break;
          }
          doc.content.append(doc.strip_tabs ? check : l);
          doc.content += '\n';
        }
        if (!terminated) {
          return fail(errorAt(path, ins.line, ins.column, "heredoc <<" + doc.name + " is not terminated"));
        }
      }
      ins.end_line = static_cast<int>(j);
    }
    splitFlags(ins);
    detectJsonForm(ins);
    if (auto invalid = rejectAsBuildKitDoes(ins, file.escape); !invalid.empty()) {
      return fail(errorAt(path, ins.line, ins.column, invalid));
    }
    file.instructions.push_back(std::move(ins));
    i = j;
  }
  if (!seen_from) {
    return fail(errorAt(path, 1, 1, "no FROM instruction: the file has no build stage"));
  }

  // ARGs before the first FROM are usable in FROM lines.
  for (const auto& ins : file.instructions) {
    if (ins.keyword == "FROM") break;
    for (const auto& w : splitWords(ins.rest, file.global_args, file.escape)) {
      auto eq = w.text.find('=');
      if (eq == std::string::npos) {
        file.global_args.emplace(w.text, "");
      } else {
        file.global_args[w.text.substr(0, eq)] = w.text.substr(eq + 1);
      }
    }
  }
  return file;
}

}  // namespace shipshape::dockerfile
