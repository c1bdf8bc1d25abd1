#include "scan/osv.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/file.h"
#include "scan/version_order.h"

namespace shipshape::scan {
namespace {

using nlohmann::json;

int compareIn(std::string_view ecosystem, std::string_view a, std::string_view b) {
  if (ecosystem.starts_with("Alpine")) return compareApkVersions(a, b);
  return compareDpkgVersions(a, b);  // Debian, Ubuntu
}

std::string stringAt(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string severityIn(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return "";
  return stringAt(*it, "severity");
}

// "HIGH", "moderate", "unimportant", "not yet assigned" ... -> a severity, when it names one.
std::optional<rules::Severity> severityOfWord(std::string word) {
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
  if (word == "critical") return rules::Severity::kCritical;
  if (word == "high" || word == "important") return rules::Severity::kHigh;
  if (word == "medium" || word == "moderate") return rules::Severity::kMedium;
  if (word == "low" || word == "negligible" || word == "unimportant") return rules::Severity::kLow;
  return std::nullopt;
}

double roundUp(double x) {
  auto i = static_cast<long long>(std::llround(x * 100000.0));
  if (i % 10000 == 0) return static_cast<double>(i) / 100000.0;
  return (std::floor(static_cast<double>(i) / 10000.0) + 1.0) / 10.0;
}

}  // namespace

Result<OsvRecord> parseOsvRecord(std::string_view text, const std::string& file) {
  try {
    json j = json::parse(text);
    if (!j.is_object()) return fail(ErrorCode::kInvalidArgument, file + ": not an OSV record (not a JSON object)");
    OsvRecord r;
    r.file = file;
    r.id = stringAt(j, "id");
    if (r.id.empty()) return fail(ErrorCode::kInvalidArgument, file + ": not an OSV record (no \"id\")");
    r.summary = stringAt(j, "summary");
    if (r.summary.empty()) r.summary = stringAt(j, "details").substr(0, 200);
    if (auto a = j.find("aliases"); a != j.end() && a->is_array())
      for (const auto& alias : *a)
        if (alias.is_string()) r.aliases.push_back(alias.get<std::string>());
    if (auto s = j.find("severity"); s != j.end() && s->is_array())
      for (const auto& entry : *s)
        if (entry.is_object() && stringAt(entry, "type") == "CVSS_V3") r.cvss_vector = stringAt(entry, "score");
    r.severity = severityIn(j, "database_specific");
    if (auto aff = j.find("affected"); aff != j.end() && aff->is_array()) {
      for (const auto& a : *aff) {
        if (!a.is_object()) continue;
        OsvAffected out;
        if (auto p = a.find("package"); p != a.end() && p->is_object()) {
          out.ecosystem = stringAt(*p, "ecosystem");
          out.package = stringAt(*p, "name");
        }
        out.severity = severityIn(a, "ecosystem_specific");
        if (out.severity.empty()) out.severity = severityIn(a, "database_specific");
        if (auto ranges = a.find("ranges"); ranges != a.end() && ranges->is_array()) {
          for (const auto& range : *ranges) {
            if (!range.is_object() || stringAt(range, "type") != "ECOSYSTEM") continue;
            std::vector<OsvEvent> events;
            if (auto ev = range.find("events"); ev != range.end() && ev->is_array()) {
              for (const auto& e : *ev) {
                if (!e.is_object()) continue;
                if (e.contains("introduced")) events.push_back({OsvEvent::kIntroduced, stringAt(e, "introduced")});
                if (e.contains("fixed")) events.push_back({OsvEvent::kFixed, stringAt(e, "fixed")});
                if (e.contains("last_affected"))
                  events.push_back({OsvEvent::kLastAffected, stringAt(e, "last_affected")});
                if (e.contains("limit")) events.push_back({OsvEvent::kLimit, stringAt(e, "limit")});
              }
            }
            out.ranges.push_back(std::move(events));
          }
        }
        if (auto v = a.find("versions"); v != a.end() && v->is_array())
          for (const auto& version : *v)
            if (version.is_string()) out.versions.push_back(version.get<std::string>());
        r.affected.push_back(std::move(out));
      }
    }
    return r;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidArgument, file + ": " + e.what());
  }
}

std::optional<double> cvss3BaseScore(std::string_view vector) {
  if (!vector.starts_with("CVSS:3.")) return std::nullopt;
  std::map<std::string, std::string, std::less<>> m;
  std::size_t pos = vector.find('/');
  while (pos != std::string_view::npos) {
    auto next = vector.find('/', pos + 1);
    auto part = vector.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
    if (auto colon = part.find(':'); colon != std::string_view::npos)
      m[std::string(part.substr(0, colon))] = std::string(part.substr(colon + 1));
    pos = next;
  }
  auto get = [&](const char* k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };
  std::string av = get("AV"), ac = get("AC"), pr = get("PR"), ui = get("UI"), s = get("S"), c = get("C"), i = get("I"),
              a = get("A");
  // Each metric's weight; -1 when the vector does not give a valid value.
  auto pick = [](const std::string& v, std::initializer_list<std::pair<const char*, double>> table) {
    for (const auto& [key, weight] : table)
      if (v == key) return weight;
    return -1.0;
  };
  bool changed = s == "C";
  if (s != "U" && s != "C") return std::nullopt;
  double avw = pick(av, {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  double acw = pick(ac, {{"L", 0.77}, {"H", 0.44}});
  double prw = pick(pr, {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
  double uiw = pick(ui, {{"N", 0.85}, {"R", 0.62}});
  double cw = pick(c, {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  double iw = pick(i, {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  double aw = pick(a, {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}});
  if (avw < 0 || acw < 0 || prw < 0 || uiw < 0 || cw < 0 || iw < 0 || aw < 0) return std::nullopt;
  double iss = 1 - (1 - cw) * (1 - iw) * (1 - aw);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double exploitability = 8.22 * avw * acw * prw * uiw;
  if (impact <= 0) return 0.0;
  return changed ? roundUp(std::min(1.08 * (impact + exploitability), 10.0))
                 : roundUp(std::min(impact + exploitability, 10.0));
}

rules::Severity severityOfScore(double score) {
  if (score >= 9.0) return rules::Severity::kCritical;
  if (score >= 7.0) return rules::Severity::kHigh;
  if (score >= 4.0) return rules::Severity::kMedium;
  if (score > 0.0) return rules::Severity::kLow;
  return rules::Severity::kInfo;
}

bool isAffected(const OsvAffected& affected, std::string_view version, std::string* fixed) {
  for (const auto& v : affected.versions)
    if (compareIn(affected.ecosystem, v, version) == 0) return true;
  for (auto events : affected.ranges) {
    // The OSV evaluation: events in version order ("0" first); each one at or below the version flips the state.
    auto below = [&](const OsvEvent& x, const OsvEvent& y) {
      if (x.version == y.version) return false;
      if (x.kind == OsvEvent::kIntroduced && x.version == "0") return true;
      if (y.kind == OsvEvent::kIntroduced && y.version == "0") return false;
      return compareIn(affected.ecosystem, x.version, y.version) < 0;
    };
    std::stable_sort(events.begin(), events.end(), below);
    bool vulnerable = false;
    std::string fix;
    for (const auto& e : events) {
      bool zero = e.kind == OsvEvent::kIntroduced && e.version == "0";
      int cmp = zero ? 1 : compareIn(affected.ecosystem, version, e.version);  // version vs event
      switch (e.kind) {
        case OsvEvent::kIntroduced:
          if (cmp >= 0) vulnerable = true;
          break;
        case OsvEvent::kFixed:
          if (cmp >= 0)
            vulnerable = false;
          else if (vulnerable && fix.empty())
            fix = e.version;
          break;
        case OsvEvent::kLastAffected:
          if (cmp > 0) vulnerable = false;
          break;
        case OsvEvent::kLimit:
          if (cmp >= 0) vulnerable = false;
          break;
      }
      if (cmp < 0 && e.kind == OsvEvent::kIntroduced) break;  // every later event is above the version too
    }
    if (vulnerable) {
      if (fixed) *fixed = fix;
      return true;
    }
  }
  return false;
}

Result<VulnerabilityDb> VulnerabilityDb::load(const std::string& dir, const std::vector<std::string>& ecosystems) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail(ErrorCode::kNotFound, "vulnerability database " + dir + ": not a directory" +
                                          (ec ? " (" + ec.message() + ")" : std::string()));
  VulnerabilityDb db;
  std::set<std::string, std::less<>> wanted(ecosystems.begin(), ecosystems.end());
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) return fail(ErrorCode::kIo, "vulnerability database " + dir + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return fail(ErrorCode::kIo, "vulnerability database " + dir + ": " + ec.message());
    if (!it->is_regular_file(ec) || it->path().extension() != ".json") continue;
    std::string file = it->path().string();
    auto text = readFile(file);
    if (!text) {
      db.skipped_.push_back(file + ": " + text.error().message);
      continue;
    }
    // Most records are for other ecosystems (or other releases): skip those before parsing.
    bool relevant = false;
    for (const auto& e : wanted) relevant = relevant || text->find("\"" + e + "\"") != std::string::npos;
    if (!relevant) continue;
    auto record = parseOsvRecord(*text, file);
    if (!record) {
      db.skipped_.push_back(record.error().message);
      continue;
    }
    std::size_t index = db.records_list_.size();
    for (const auto& a : record->affected)
      if (wanted.count(a.ecosystem)) db.index_[{a.ecosystem, a.package}].push_back(index);
    db.records_list_.push_back(std::move(*record));
    ++db.records_;
  }
  return db;
}

std::vector<Vulnerability> VulnerabilityDb::match(const std::vector<Package>& packages,
                                                  const std::string& ecosystem) const {
  std::vector<Vulnerability> out;
  for (std::size_t p = 0; p < packages.size(); ++p) {
    const Package& pkg = packages[p];
    auto it = index_.find({ecosystem, pkg.source});
    if (it == index_.end()) continue;
    std::set<std::size_t> seen;
    for (std::size_t r : it->second) {
      if (!seen.insert(r).second) continue;
      const OsvRecord& rec = records_list_[r];
      for (const auto& a : rec.affected) {
        std::string fixed;
        if (a.ecosystem != ecosystem || a.package != pkg.source || !isAffected(a, pkg.source_version, &fixed)) continue;
        Vulnerability v;
        v.id = rec.id;
        v.aliases = rec.aliases;
        v.summary = rec.summary;
        v.package = pkg.name;
        v.installed = pkg.version;
        v.fixed = fixed;
        v.ecosystem = ecosystem;
        v.file = rec.file;
        v.package_index = static_cast<int>(p);
        if (auto score = cvss3BaseScore(rec.cvss_vector)) {
          v.score = *score;
          v.severity = severityOfScore(*score);
          v.severity_known = true;
          v.severity_source = rec.cvss_vector;
        } else {
          std::string word = !a.severity.empty() ? a.severity : rec.severity;
          if (auto s = severityOfWord(word)) {
            v.severity = *s;
            v.severity_known = true;
            v.severity_source = "database: " + word;
          }
        }
        out.push_back(std::move(v));
        break;
      }
    }
  }
  return out;
}

}  // namespace shipshape::scan
