#include "volumes/schedule.h"

#include <sstream>
#include <vector>

#include "common/format.h"

namespace shipshape::volumes {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

bool toInt(const std::string& s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  *out = std::stoi(s);
  return true;
}

// One cron field ("*", "5", "1-5", "*/15", "0-30/10", "1,15") into `bits`, values in [lo, hi].
template <std::size_t N>
Result<bool> readField(const std::string& field, int lo, int hi, const char* what, std::bitset<N>* bits) {
  auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument, std::string("cron ") + what + " field '" + field + "': expected *, N, " +
                                                 "N-M, */S or a list of them, with values " + std::to_string(lo) + "-" +
                                                 std::to_string(hi));
  };
  bool restricted = field != "*";
  for (const auto& item : split(field, ',')) {
    std::string range = item;
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      if (!toInt(item.substr(slash + 1), &step) || step == 0) return bad();
    }
    int from = lo, to = hi;
    if (range != "*") {
      if (auto dash = range.find('-'); dash != std::string::npos) {
        if (!toInt(range.substr(0, dash), &from) || !toInt(range.substr(dash + 1), &to)) return bad();
      } else {
        if (!toInt(range, &from)) return bad();
        to = item.find('/') != std::string::npos ? hi : from;  // "5/15" = from 5 every 15
      }
    }
    if (from < lo || to > hi || from > to) return bad();
    for (int v = from; v <= to; v += step) bits->set(static_cast<std::size_t>(v));
  }
  return restricted;
}

}  // namespace

Result<Schedule> Schedule::parse(const std::string& text) {
  Schedule s;
  s.text_ = text;
  std::string cron = text;
  if (text == "@hourly") cron = "0 * * * *";
  if (text == "@daily" || text == "@midnight") cron = "0 0 * * *";
  if (text == "@weekly") cron = "0 0 * * 0";
  if (text == "@monthly") cron = "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") cron = "0 0 1 1 *";
  if (text.rfind("@every ", 0) == 0) {
    std::int64_t ms = parseDurationMs(text.substr(7));
    if (ms < 1000) {
      return fail(ErrorCode::kInvalidArgument,
                  "schedule '" + text + "': @every takes a duration of at least 1s, like 6h or 30m");
    }
    s.every_s_ = ms / 1000;
    return s;
  }
  std::istringstream in(cron);
  std::vector<std::string> f;
  for (std::string field; in >> field;) f.push_back(field);
  if (f.size() != 5) {
    return fail(ErrorCode::kInvalidArgument, "schedule '" + text +
                                                 "': expected @hourly, @daily, @weekly, @monthly, @every DURATION "
                                                 "or 5 cron fields (minute hour day month weekday, UTC)");
  }
  auto wrap = [&](Result<bool> r) -> Result<bool> {
    if (!r) return fail(r.error().wrap("schedule '" + text + "'"));
    return r;
  };
  if (auto r = wrap(readField(f[0], 0, 59, "minute", &s.minutes_)); !r) return fail(r.error());
  if (auto r = wrap(readField(f[1], 0, 23, "hour", &s.hours_)); !r) return fail(r.error());
  auto days = wrap(readField(f[2], 1, 31, "day-of-month", &s.days_));
  if (!days) return fail(days.error());
  if (auto r = wrap(readField(f[3], 1, 12, "month", &s.months_)); !r) return fail(r.error());
  std::bitset<8> weekdays;  // 7 is Sunday too
  auto wd = wrap(readField(f[4], 0, 7, "day-of-week", &weekdays));
  if (!wd) return fail(wd.error());
  for (std::size_t d = 0; d < 7; ++d) s.weekdays_[d] = weekdays[d] || (d == 0 && weekdays[7]);
  s.days_restricted_ = *days;
  s.weekdays_restricted_ = *wd;
  return s;
}

std::time_t Schedule::nextAfter(std::time_t t) const {
  if (every_s_ > 0) return t + every_s_;
  std::time_t candidate = (t / 60 + 1) * 60;  // the next whole minute
  // Day by day, then hour by hour, then minute by minute: at most ~5 years of days for "0 0 29 2 *".
  for (int guard = 0; guard < 5 * 366 * 24 * 60; ++guard) {
    std::tm tm{};
    gmtime_r(&candidate, &tm);
    bool day_of_month = days_[static_cast<std::size_t>(tm.tm_mday)];
    bool day_of_week = weekdays_[static_cast<std::size_t>(tm.tm_wday)];
    bool day = days_restricted_ && weekdays_restricted_ ? (day_of_month || day_of_week) : (day_of_month && day_of_week);
    if (!months_[static_cast<std::size_t>(tm.tm_mon + 1)] || !day) {
      candidate += (24 * 60 - tm.tm_hour * 60 - tm.tm_min) * 60;  // next midnight
      continue;
    }
    if (!hours_[static_cast<std::size_t>(tm.tm_hour)]) {
      candidate += (60 - tm.tm_min) * 60;  // next hour
      continue;
    }
    if (!minutes_[static_cast<std::size_t>(tm.tm_min)]) {
      candidate += 60;
      continue;
    }
    return candidate;
  }
  return t + 366 * 86400;  // unreachable for a parsed expression; a year out is a safe answer
}

Result<KeepPolicy> parseKeepPolicy(const std::string& text) {
  KeepPolicy keep;
  for (const auto& item : split(text, ',')) {
    auto eq = item.find('=');
    int n = 0;
    std::string key = eq == std::string::npos ? item : item.substr(0, eq);
    if (eq == std::string::npos || !toInt(item.substr(eq + 1), &n)) {
      return fail(ErrorCode::kInvalidArgument,
                  "keep policy '" + text + "': expected last=N,daily=N,weekly=N,monthly=N (any of them)");
    }
    if (key == "last") {
      keep.last = n;
    } else if (key == "daily") {
      keep.daily = n;
    } else if (key == "weekly") {
      keep.weekly = n;
    } else if (key == "monthly") {
      keep.monthly = n;
    } else {
      return fail(ErrorCode::kInvalidArgument,
                  "keep policy '" + text + "': unknown rule '" + key + "' (last, daily, weekly, monthly)");
    }
  }
  return keep;
}

}  // namespace shipshape::volumes
