#include "cli/lab_command.h"

#include <signal.h>

#include <atomic>
#include <cstdio>

#include "cli/commands.h"
#include "common/file.h"
#include "lab/lab.h"

namespace shipshape::cli {
namespace {

std::atomic<bool> g_lab_stop{false};
void onLabSignal(int) { g_lab_stop.store(true); }

}  // namespace

void LabCommand::add(CLI::App& app) {
  std::string names;
  for (const auto& s : lab::scenarios()) names += (names.empty() ? "" : ", ") + s.name;
  lab_ = app.add_subcommand("lab", "Stage the seed's production failures with disposable resources, let shipshape "
                                   "repair them, and measure (scenarios: " + names + ", or all)");
  std::vector<std::string> allowed = {"all"};
  for (const auto& s : lab::scenarios()) allowed.push_back(s.name);
  lab_->add_option("scenarios", scenarios_, "Scenarios to run (default: all)")->check(CLI::IsMember(allowed));
  lab_->add_flag("--json", json_, "One JSON document on stdout");
  lab_->add_flag("--keep", keep_, "Leave what the lab made in place (names shipshape-lab-RUN-*, label shipshape.lab=RUN)");
  lab_->add_option("--report", report_, "Write the STAR reports as Markdown to FILE");
  lab_->add_option("--image", image_, "The workload image (shipshape's testapp, built by scripts/run)");
  lab_->add_option("--work-dir", work_dir_, "Where backups and scratch files go (default: a temporary directory)");
}

std::optional<ExitCode> LabCommand::run(const GlobalOptions& global) {
  if (!lab_ || !lab_->parsed()) return std::nullopt;
  auto client = makeClient(global);
  if (!client) {
    printError(client.error());
    return ExitCode::kError;
  }
  if (auto image = (*client)->inspectImage(image_); !image) {
    printError(image.error().wrap("the lab's workload image " + image_ +
                                  " (build it with scripts/build-testapp-image, or scripts/run)"));
    return ExitCode::kError;
  }
  struct sigaction sa {};
  sa.sa_handler = onLabSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  lab::LabOptions options{.scenarios = scenarios_.empty() ? std::vector<std::string>{"all"} : scenarios_,
                          .keep = keep_,
                          .workload_image = image_,
                          .docker_host = global.host,
                          .work_dir = work_dir_,
                          .stop = &g_lab_stop,
                          .say = [](const std::string& line) { std::fprintf(stderr, "lab: %s\n", line.c_str()); }};
  lab::LabRun run = lab::runLab(**client, options);
  if (!report_.empty()) {
    if (auto written = writeFileAtomic(report_, lab::labMarkdown(run), 0644); !written) {
      printError(written.error());
      return ExitCode::kError;
    }
  }
  std::fputs(json_ ? (lab::labJson(run) + "\n").c_str() : lab::labTable(run).c_str(), stdout);
  if (g_lab_stop.load()) return ExitCode::kError;
  return run.ok() ? ExitCode::kOk : ExitCode::kFailed;
}

}  // namespace shipshape::cli
