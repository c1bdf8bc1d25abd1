#include "compose/interpolation.h"

#include <cctype>

namespace shipshape::compose {
namespace {

bool nameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

Result<Interpolated> interpolate(std::string_view s, const Environment& env) {
  Interpolated out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '$') {
      out.text += s[i++];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '$') {
      out.text += '$';
      i += 2;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      // Find the matching brace; defaults may contain nested ${...}.
      std::size_t j = i + 2;
      int depth = 1;
      while (j < s.size() && depth > 0) {
        if (s[j] == '{') ++depth;
        if (s[j] == '}') --depth;
        if (depth > 0) ++j;
      }
      if (j >= s.size()) return fail(ErrorCode::kInvalidArgument, "unterminated ${ in \"" + std::string(s) + "\"");
      std::string_view inner = s.substr(i + 2, j - i - 2);
      std::size_t n = 0;
      while (n < inner.size() && nameChar(inner[n])) ++n;
      if (n == 0) return fail(ErrorCode::kInvalidArgument, "invalid interpolation format \"${" + std::string(inner) + "}\"");
      std::string name(inner.substr(0, n));
      std::string_view op = inner.substr(n);
      auto it = env.find(name);
      const std::string* value = it == env.end() ? nullptr : &it->second;
      bool colon = !op.empty() && op[0] == ':';
      if (colon) op.remove_prefix(1);
      bool set = value != nullptr && (!colon || !value->empty());
      char kind = op.empty() ? 0 : op[0];
      std::string_view operand = op.empty() ? op : op.substr(1);
      out.used_variable = true;
      if (kind == 0) {
        if (!op.empty()) return fail(ErrorCode::kInvalidArgument, "invalid interpolation format \"${" + std::string(inner) + "}\"");
        if (value) {
          out.text += *value;
        } else {
          out.unset.push_back(name);
        }
      } else if (kind == '-' || kind == '+') {
        bool use_operand = kind == '-' ? !set : set;
        if (use_operand) {
          auto nested = interpolate(operand, env);
          if (!nested) return nested;
          out.text += nested->text;
          out.unset.insert(out.unset.end(), nested->unset.begin(), nested->unset.end());
        } else if (kind == '-') {
          out.text += *value;
        }
      } else if (kind == '?') {
        if (!set) {
          std::string message = operand.empty() ? "required variable " + name + " is missing a value"
                                                : "required variable " + name + " is missing a value: " + std::string(operand);
          return fail(ErrorCode::kInvalidArgument, message);
        }
        out.text += *value;
      } else {
        return fail(ErrorCode::kInvalidArgument, "invalid interpolation format \"${" + std::string(inner) + "}\"");
      }
      i = j + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < s.size() && nameChar(s[j])) ++j;
    if (j == i + 1) {
      out.text += '$';
      ++i;
      continue;
    }
    out.used_variable = true;
    std::string name(s.substr(i + 1, j - i - 1));
    if (auto it = env.find(name); it != env.end()) {
      out.text += it->second;
    } else {
      out.unset.push_back(std::move(name));
    }
    i = j;
  }
  return out;
}

Environment parseDotEnv(std::string_view text) {
  Environment env;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export ") line.remove_prefix(7);
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(line.substr(0, eq));
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    std::string_view value = line.substr(eq + 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      char q = value.front();
      auto close = value.find(q, 1);
      value = value.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    } else if (auto hash = value.find(" #"); hash != std::string_view::npos) {
      value = value.substr(0, hash);  // inline comment after an unquoted value
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    }
    env[key] = std::string(value);
  }
  return env;
}

}  // namespace shipshape::compose
