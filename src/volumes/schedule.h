// When a labelled volume is backed up: `shipshape.backup.schedule` holds cron's shorthands (@hourly, @daily,
// @midnight, @weekly, @monthly, @yearly), `@every DURATION` (robfig/cron's, as offen/docker-volume-backup
// takes it: "@every 6h"), or a 5-field cron expression in UTC (minute hour day-of-month month day-of-week;
// `*`, lists, ranges and steps; when both day fields are restricted either one matching is enough, as in cron).
// `shipshape.backup.keep` holds the retention: "last=7,daily=7,weekly=4,monthly=6".
#pragma once

#include <bitset>
#include <cstdint>
#include <ctime>
#include <string>

#include "common/result.h"
#include "volumes/backup_catalog.h"

namespace shipshape::volumes {

class Schedule {
 public:
  // Errors say what part of `text` is wrong.
  static Result<Schedule> parse(const std::string& text);

  // The first run strictly after `t` (seconds since the epoch); for @every, t + the period.
  std::time_t nextAfter(std::time_t t) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::int64_t every_s_ = 0;  // > 0: @every
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool days_restricted_ = false, weekdays_restricted_ = false;
};

// "last=7,daily=7,weekly=4,monthly=6" (any subset).
Result<KeepPolicy> parseKeepPolicy(const std::string& text);

}  // namespace shipshape::volumes
