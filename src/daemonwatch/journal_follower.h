// Follows one systemd unit's messages in the journal through libsystemd (sd-journal): starts with the last
// `backlog` entries (the state the daemon is in when we start), then returns what was appended at each poll,
// across journal file rotation. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "daemonwatch/log_source.h"

struct sd_journal;

namespace shipshape::daemonwatch {

class JournalFollower : public LogSource {
 public:
  // `directory` empty: this machine's system journal.
  static Result<std::unique_ptr<JournalFollower>> open(const std::string& unit, const std::string& directory = "",
                                                       int backlog = 200);
  ~JournalFollower() override;

  std::vector<std::string> poll() override;
  std::string describe() const override;

 private:
  JournalFollower(sd_journal* journal, std::string unit, std::string directory);
  sd_journal* journal_;
  std::string unit_, directory_;
};

}  // namespace shipshape::daemonwatch
