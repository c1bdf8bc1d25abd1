#include "scan/version_order.h"

#include <cctype>
#include <cstdint>
#include <string>

namespace shipshape::scan {
namespace {

// dpkg's lexical weight: '~' sorts before the end of a part, the end before letters, letters before other
// symbols.
int dpkgOrder(char c) {
  if (std::isdigit(static_cast<unsigned char>(c))) return 0;
  if (std::isalpha(static_cast<unsigned char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

// dpkg's verrevcmp: alternating non-digit and digit runs.
int dpkgPartCompare(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !digit(a[i])) || (j < b.size() && !digit(b[j]))) {
      int ac = dpkgOrder(at(a, i)), bc = dpkgOrder(at(b, j));
      if (ac != bc) return ac - bc;
      ++i, ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (digit(at(a, i)) && digit(at(b, j))) {
      if (!first_diff) first_diff = at(a, i) - at(b, j);
      ++i, ++j;
    }
    if (digit(at(a, i))) return 1;
    if (digit(at(b, j))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct DpkgVersion {
  std::uint64_t epoch = 0;
  std::string_view upstream, revision;
};

DpkgVersion splitDpkg(std::string_view v) {
  DpkgVersion out;
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    for (char c : v.substr(0, colon))
      if (std::isdigit(static_cast<unsigned char>(c))) out.epoch = out.epoch * 10 + static_cast<unsigned>(c - '0');
    v.remove_prefix(colon + 1);
  }
  if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
    out.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  out.upstream = v;
  return out;
}

// apk: a version is tokens — digit groups separated by '.', one optional letter, suffixes (_alpha, _beta,
// _pre, _rc sort before the bare version; _cvs, _svn, _git, _hg, _p after), an optional ~hash, and -rN.
enum class ApkToken { kDigit, kLetter, kSuffix, kRevision, kEnd };

struct ApkCursor {
  std::string_view s;
  std::size_t pos = 0;
  bool first_digit = true;
};

int apkSuffixRank(std::string_view name) {
  static constexpr std::string_view kBefore[] = {"alpha", "beta", "pre", "rc"};
  static constexpr std::string_view kAfter[] = {"cvs", "svn", "git", "hg", "p"};
  for (int i = 0; i < 4; ++i)
    if (name == kBefore[i]) return i - 4;  // -4..-1: before the plain version (0)
  for (int i = 0; i < 5; ++i)
    if (name == kAfter[i]) return i + 1;
  return 0;
}

// Reads the next token; `value` is its numeric value (digits, suffix number, revision) and `rank` the
// suffix's or letter's place.
ApkToken apkNext(ApkCursor& c, std::uint64_t* value, int* rank, std::string_view* digits) {
  auto digit = [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; };
  std::string_view s = c.s;
  auto readNumber = [&]() {
    std::size_t start = c.pos;
    *value = 0;
    while (c.pos < s.size() && digit(s[c.pos])) *value = *value * 10 + static_cast<unsigned>(s[c.pos++] - '0');
    *digits = s.substr(start, c.pos - start);
  };
  if (c.pos < s.size() && s[c.pos] == '.') ++c.pos;
  if (c.pos >= s.size()) return ApkToken::kEnd;
  if (digit(s[c.pos])) {
    readNumber();
    return ApkToken::kDigit;
  }
  if (c.pos < s.size() && std::isalpha(static_cast<unsigned char>(s[c.pos]))) {
    *rank = s[c.pos++];
    return ApkToken::kLetter;
  }
  if (c.pos < s.size() && s[c.pos] == '_') {
    std::size_t start = ++c.pos;
    while (c.pos < s.size() && std::isalpha(static_cast<unsigned char>(s[c.pos]))) ++c.pos;
    *rank = apkSuffixRank(s.substr(start, c.pos - start));
    readNumber();
    return ApkToken::kSuffix;
  }
  if (c.pos < s.size() && s[c.pos] == '~') {  // a commit hash: not ordered, skipped
    while (c.pos < s.size() && s[c.pos] != '-') ++c.pos;
    return apkNext(c, value, rank, digits);
  }
  if (s.substr(c.pos).starts_with("-r")) {
    c.pos += 2;
    readNumber();
    return ApkToken::kRevision;
  }
  c.pos = s.size();  // anything else ends the comparable part
  return ApkToken::kEnd;
}

// Where a token kind sorts when the other version has something else at that place: a suffix before the end
// ranks by its own order ("1.0_rc1" < "1.0" < "1.0_p1"); more digits make a version newer.
int apkKindWeight(ApkToken t, int rank) {
  switch (t) {
    case ApkToken::kSuffix: return rank < 0 ? -1 : 2;
    case ApkToken::kEnd: return 0;
    case ApkToken::kRevision: return 1;
    case ApkToken::kLetter: return 3;
    case ApkToken::kDigit: return 4;
  }
  return 0;
}

}  // namespace

int compareDpkgVersions(std::string_view a, std::string_view b) {
  DpkgVersion va = splitDpkg(a), vb = splitDpkg(b);
  if (va.epoch != vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  if (int c = dpkgPartCompare(va.upstream, vb.upstream)) return c < 0 ? -1 : 1;
  int c = dpkgPartCompare(va.revision, vb.revision);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int compareApkVersions(std::string_view a, std::string_view b) {
  ApkCursor ca{a}, cb{b};
  bool first = true;
  for (;;) {
    std::uint64_t va = 0, vb = 0;
    int ra = 0, rb = 0;
    std::string_view da, db;
    ApkToken ta = apkNext(ca, &va, &ra, &da), tb = apkNext(cb, &vb, &rb, &db);
    if (ta == ApkToken::kEnd && tb == ApkToken::kEnd) return 0;
    if (ta != tb) {
      int wa = apkKindWeight(ta, ra), wb = apkKindWeight(tb, rb);
      return wa < wb ? -1 : wa > wb ? 1 : 0;
    }
    switch (ta) {
      case ApkToken::kDigit:
        // After the first group, a leading zero makes apk compare the groups as strings ("1.01" < "1.1").
        if (!first && ((!da.empty() && da[0] == '0') || (!db.empty() && db[0] == '0'))) {
          if (int c = da.compare(db)) return c < 0 ? -1 : 1;
        } else if (va != vb) {
          return va < vb ? -1 : 1;
        }
        first = false;
        break;
      case ApkToken::kLetter:
        if (ra != rb) return ra < rb ? -1 : 1;
        break;
      case ApkToken::kSuffix:
        if (ra != rb) return ra < rb ? -1 : 1;
        if (va != vb) return va < vb ? -1 : 1;
        break;
      case ApkToken::kRevision:
        if (va != vb) return va < vb ? -1 : 1;
        break;
      case ApkToken::kEnd: return 0;
    }
  }
}

}  // namespace shipshape::scan
