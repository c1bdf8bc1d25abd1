#include "daemonwatch/journal_follower.h"

#include <systemd/sd-journal.h>

#include <cstring>

#include "daemonwatch/log_follower.h"

namespace shipshape::daemonwatch {

Result<std::unique_ptr<JournalFollower>> JournalFollower::open(const std::string& unit, const std::string& directory,
                                                               int backlog) {
  sd_journal* j = nullptr;
  int rc = directory.empty() ? sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM)
                             : sd_journal_open_directory(&j, directory.c_str(), 0);
  if (rc < 0) {
    return fail(ErrorCode::kIo, "cannot open the journal" + (directory.empty() ? std::string() : " in " + directory) +
                                    ": " + std::strerror(-rc));
  }
  std::unique_ptr<JournalFollower> f(new JournalFollower(j, unit, directory));
  std::string match = "_SYSTEMD_UNIT=" + unit;
  if ((rc = sd_journal_add_match(j, match.data(), match.size())) < 0) {
    return fail(ErrorCode::kIo, "journal match " + match + ": " + std::strerror(-rc));
  }
  // Sets up inotify on the journal files, so that sd_journal_process() sees appends and new files.
  if ((rc = sd_journal_get_fd(j)) < 0) return fail(ErrorCode::kIo, std::string("journal watch: ") + std::strerror(-rc));
  // Position just before the last `backlog` entries: the first poll reads them.
  // With fewer entries than that, start from the head (stepping back past the first entry would leave the
  // cursor on it, and the first next() would skip it).
  sd_journal_seek_tail(j);
  auto want = static_cast<std::uint64_t>(backlog) + 1;
  if (sd_journal_previous_skip(j, want) < static_cast<int>(want)) sd_journal_seek_head(j);
  return f;
}

JournalFollower::JournalFollower(sd_journal* journal, std::string unit, std::string directory)
    : journal_(journal), unit_(std::move(unit)), directory_(std::move(directory)) {}

JournalFollower::~JournalFollower() { sd_journal_close(journal_); }

std::vector<std::string> JournalFollower::poll() {
  std::vector<std::string> lines;
  // Picks up appended entries and rotated or new journal files.
  sd_journal_process(journal_);
  while (sd_journal_next(journal_) > 0) {
    const void* data = nullptr;
    std::size_t length = 0;
    if (sd_journal_get_data(journal_, "MESSAGE", &data, &length) < 0) continue;
    std::string_view field(static_cast<const char*>(data), length);
    constexpr std::string_view kPrefix = "MESSAGE=";
    if (field.starts_with(kPrefix)) field.remove_prefix(kPrefix.size());
    lines.emplace_back(field);
    if (lines.size() >= 10000) break;  // a flood: the rest next poll
  }
  return lines;
}

std::string JournalFollower::describe() const {
  return "journald:" + unit_ + (directory_.empty() ? "" : "@" + directory_);
}

Result<std::unique_ptr<LogSource>> openLogSource(const std::string& spec) {
  if (spec == "journald" || spec.starts_with("journald:")) {
    std::string rest = spec.size() > 9 ? spec.substr(9) : "";
    std::string unit = "docker.service", directory;
    if (auto at = rest.find('@'); at != std::string::npos) {
      directory = rest.substr(at + 1);
      rest = rest.substr(0, at);
    }
    if (!rest.empty()) unit = rest;
    auto j = JournalFollower::open(unit, directory);
    if (!j) return fail(j.error());
    return std::unique_ptr<LogSource>(std::move(*j));
  }
  return std::unique_ptr<LogSource>(std::make_unique<LogFollower>(spec));
}

}  // namespace shipshape::daemonwatch
