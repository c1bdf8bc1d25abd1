// shipshape top: a live view like `docker stats`, sorted by CPU, flagging containers without limits. It
// reads the cgroup files (one pread per counter) instead of holding an Engine API stats stream open per
// container, so it costs a small fraction of what docker stats does. ncurses on a terminal; with
// --no-stream (or when stdout is not a terminal) one table and exit.
#include <curses.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "cli/top_view.h"
#include "resources/sampler.h"

namespace shipshape::cli {
namespace {

std::atomic<bool> g_resized{false};
void onResize(int) { g_resized = true; }

void draw(const TopView& view, TopSort sort, double interval_s) {
  erase();
  int width = COLS;
  mvprintw(0, 0, "%.*s", width, view.header.c_str());
  const char* sort_name = sort == TopSort::kCpu ? "CPU" : sort == TopSort::kMemory ? "memory" : "name";
  mvprintw(1, 0, "%.*s", width,
           ("sorted by " + std::string(sort_name) + ", every " + std::to_string(interval_s).substr(0, 4) +
            " s   keys: c cpu  m memory  n name  q quit")
               .c_str());
  // Column widths from the content, as the text table does.
  std::vector<std::size_t> widths(view.columns.size());
  for (std::size_t i = 0; i < view.columns.size(); ++i) widths[i] = view.columns[i].size();
  auto cells = [](const TopRow& r) {
    return std::vector<std::string>{r.id, r.name, r.cpu, r.memory, r.memory_percent, r.net, r.block, r.pids, r.limits};
  };
  for (const auto& r : view.rows) {
    auto c = cells(r);
    for (std::size_t i = 0; i < c.size(); ++i) widths[i] = std::max(widths[i], c[i].size());
  }
  auto line = [&](int y, const std::vector<std::string>& c) {
    std::string text;
    for (std::size_t i = 0; i < c.size(); ++i) {
      text += c[i];
      if (i + 1 < c.size()) text += std::string(widths[i] - c[i].size() + 3, ' ');
    }
    mvprintw(y, 0, "%.*s", width, text.c_str());
  };
  attron(A_REVERSE);
  line(3, view.columns);
  attroff(A_REVERSE);
  int y = 4;
  for (const auto& r : view.rows) {
    if (y >= LINES) break;
    if (r.unlimited && has_colors()) attron(COLOR_PAIR(1));
    line(y++, cells(r));
    if (r.unlimited && has_colors()) attroff(COLOR_PAIR(1));
  }
  refresh();
}

}  // namespace

ExitCode runTop(const GlobalOptions& global, const TopOptions& options) {
  auto client = makeClient(global);
  if (!client) {
    printError(client.error());
    return ExitCode::kError;
  }
  if (auto v = (*client)->apiVersion(); !v) {
    printError(v.error());
    return ExitCode::kError;
  }
  bool local = (*client)->endpoint().kind == docker::Endpoint::Kind::kUnix;
  resources::Sampler sampler(**client, {.host = resources::HostPaths::detect(options.host_root), .host_is_engine = local});
  TopSort sort = options.sort == "memory" ? TopSort::kMemory : options.sort == "name" ? TopSort::kName : TopSort::kCpu;
  auto interval = std::chrono::milliseconds(static_cast<long long>(options.interval_s * 1000));

  if (options.no_stream || !::isatty(STDOUT_FILENO)) {
    // Rates need two readings; half a second apart is enough for a snapshot.
    sampler.sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::fputs(renderTopText(buildTopView(sampler.sample(), sort)).c_str(), stdout);
    return ExitCode::kOk;
  }

  initscr();
  cbreak();
  noecho();
  curs_set(0);
  keypad(stdscr, TRUE);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(1, COLOR_RED, -1);
  }
  struct sigaction sa {};
  sa.sa_handler = onResize;
  ::sigaction(SIGWINCH, &sa, nullptr);
  timeout(static_cast<int>(interval.count()));
  auto snapshot = sampler.sample();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  while (true) {
    snapshot = sampler.sample();
    draw(buildTopView(snapshot, sort), sort, options.interval_s);
    int key = getch();  // waits up to the interval
    if (key == 'q' || key == 'Q' || key == 27) break;
    if (key == 'c') sort = TopSort::kCpu;
    if (key == 'm') sort = TopSort::kMemory;
    if (key == 'n') sort = TopSort::kName;
    if (g_resized.exchange(false)) {
      endwin();
      refresh();
    }
  }
  endwin();
  return ExitCode::kOk;
}

}  // namespace shipshape::cli
