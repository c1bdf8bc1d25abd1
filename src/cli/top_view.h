// What `shipshape top` shows, as plain rows: containers sorted (CPU by default), each with docker stats'
// columns plus the limits it lacks. Pure, so that the ncurses screen and --no-stream print the same thing.
#pragma once

#include <string>
#include <vector>

#include "resources/sampler.h"

namespace shipshape::cli {

enum class TopSort { kCpu, kMemory, kName };

struct TopRow {
  std::string id, name;
  std::string cpu, memory, memory_percent, net, block, pids, limits;
  bool unlimited = false;  // no CPU or no memory limit: flagged
};

struct TopView {
  std::string header;  // host CPU, memory, container count, sample cost
  std::vector<std::string> columns;
  std::vector<TopRow> rows;
};

TopView buildTopView(const resources::Snapshot& snapshot, TopSort sort);
// The view as a fixed-width text table (what --no-stream prints).
std::string renderTopText(const TopView& view);

}  // namespace shipshape::cli
