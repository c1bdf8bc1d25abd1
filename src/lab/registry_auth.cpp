// Scenario 6, registry auth failure in CI: a loopback registry (Debian's docker-registry) behind a token server
// of the lab's, and a CI job whose registry token — a short-lived JWT the pipeline was given — expired before
// its push stage ran. First the push as pipelines run it (`docker push`, the token in config.json) and how the
// CLI reports it; then shipshape: `registry check` names the cause, the secrets manager's fresh token goes into
// a file that `registry login --secret-file` points docker-credential-shipshape at, `shipshape push` pushes and
// verifies the manifest, and a second rotation needs no new login: plain `docker push` works through the helper.
// Every step is the shipshape binary (or the docker CLI) as a child with its own DOCKER_CONFIG.
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/file.h"
#include "common/format.h"
#include "common/process.h"
#include "lab/loopback_registry.h"
#include "lab/scenarios.h"
#include "lab/token_server.h"

namespace shipshape::lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kDockerCli = "/usr/bin/docker";

struct Ran {
  int exit_code = -1;
  std::string out, err;
  std::int64_t ms = 0;
  std::string lastLine() const {
    std::string text = err.empty() ? out : err;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  }
};

class RegistryAuth {
 public:
  explicit RegistryAuth(LabContext& ctx) : ctx_(ctx) {}

  ScenarioResult run() {
    r_.situation =
        "A CI pipeline pushes with a registry token it was handed at the start (a JWT valid for "
        "minutes); a long build means the token has expired when the push stage runs.";
    r_.task =
        "Say exactly why the push fails, get the push through with a fresh credential, and make the next "
        "rotation need no pipeline change.";
    if (::access(kRegistryBinary, X_OK) != 0) return skipped("no registry: apt-get install docker-registry");
    if (::access(kDockerCli, X_OK) != 0) return skipped("no docker CLI: apt-get install docker.io");
    if (auto ok = stage(); !ok) {
      r_.status = ScenarioResult::Status::kFailed;
      r_.result = "stopped: " + ok.error().describe();
    }
    return r_;
  }

 private:
  ScenarioResult skipped(const std::string& why) {
    r_.status = ScenarioResult::Status::kSkipped;
    r_.skipped_because = why;
    return r_;
  }

  void act(const std::string& what) {
    r_.actions.push_back({nowMs(), what});
    ctx_.say("registry-auth: " + what);
  }

  // A child with the job's docker configuration, its helpers first on PATH; never a shell.
  Ran run(const std::vector<std::string>& argv) {
    std::map<std::string, std::string> env = {{"DOCKER_CONFIG", config_dir_},
                                              {"SHIPSHAPE_CREDENTIALS_DIR", config_dir_ + "/credentials"},
                                              {"PATH", config_dir_ + "/bin:" + minimalCommandEnvironment()["PATH"]}};
    if (!ctx_.options().docker_host.empty()) env["DOCKER_HOST"] = ctx_.options().docker_host;
    Ran ran;
    std::int64_t t0 = nowMs();
    auto child = PipedProcess::spawn(argv, env, {});
    if (!child) {
      ran.err = child.error().describe();
      return ran;
    }
    auto code = (*child)->waitFor(std::chrono::seconds(120));
    ran.exit_code = code.value_or(-1);
    ran.out = (*child)->collectedStdout();
    ran.err = (*child)->collectedStderr();
    ran.ms = nowMs() - t0;
    return ran;
  }

  Result<void> rotate(TokenServer& tokens, std::chrono::seconds lifetime) {
    std::string fresh = tokens.signer().makeJwt(lifetime, "ci-job");
    tokens.setUser("ci", fresh);
    return writeFileAtomic(secret_file_, fresh + "\n", 0600);
  }

  Result<void> stage() {
    std::string self(4096, '\0');
    ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size() - 1);
    if (n <= 0) return fail(ErrorCode::kIo, std::string("readlink /proc/self/exe: ") + std::strerror(errno));
    self.resize(static_cast<std::size_t>(n));

    auto tokens = TokenServer::start("shipshape-lab-registry", std::chrono::seconds(300));
    if (!tokens) return fail(tokens.error());
    std::string dir = ctx_.workDir() + "/registry";
    auto auth = (*tokens)->registryAuthYaml(ctx_.workDir() + "/registry-issuer.pem");
    if (!auth) return fail(auth.error());
    auto registry = LoopbackRegistry::start({.dir = dir, .auth_yaml = *auth});
    if (!registry) return fail(registry.error());
    std::string image = (*registry)->address() + "/lab/app:1";
    if (auto tagged = ctx_.client().tagImage(ctx_.options().workload_image, (*registry)->address() + "/lab/app", "1");
        !tagged) {
      return fail(tagged.error());
    }
    ctx_.trackImage(image);
    act("registry at " + (*registry)->address() + " with token auth (realm " + (*tokens)->realm() + ")");

    // The job's configuration as `docker login` left it: the token it was given, now an hour old.
    config_dir_ = ctx_.workDir() + "/docker-config";
    fs::create_directories(config_dir_ + "/bin");
    secret_file_ = config_dir_ + "/registry-token";
    std::error_code ec;
    fs::create_symlink(self, config_dir_ + "/bin/docker-credential-shipshape", ec);
    if (ec) return fail(ErrorCode::kIo, "linking docker-credential-shipshape: " + ec.message());
    std::string stale = (*tokens)->signer().makeJwt(std::chrono::seconds(-3600), "ci-job");
    (*tokens)->setUser("ci", stale);
    json config = {{"auths", {{(*registry)->address(), {{"auth", base64Encode("ci:" + stale)}}}}}};
    if (auto w = writeFileAtomic(config_dir_ + "/config.json", config.dump(), 0600); !w) return fail(w.error());

    // Without shipshape.
    Ran plain = run({kDockerCli, "push", image});
    if (plain.exit_code == 0) return fail(ErrorCode::kApi, "docker push with the expired token succeeded");
    std::int64_t failed_at = nowMs();
    act("without shipshape: docker push gave up after " + formatDurationMs(plain.ms) + " of retries, exit " +
        std::to_string(plain.exit_code) + ": \"" + plain.lastLine() + "\"");
    r_.measurements.push_back({"docker push says", plain.lastLine()});
    r_.measurements.push_back({"docker push ran for", formatDurationMs(plain.ms)});

    // The diagnosis.
    Ran checked = run({self, "registry", "check", "--json", "--image", image});
    json verdicts = json::parse(checked.out, nullptr, false);
    std::string cause = verdicts.is_array() && !verdicts.empty() ? verdicts[0].value("status", "") : "";
    std::string detail = verdicts.is_array() && !verdicts.empty() ? verdicts[0].value("detail", "") : checked.err;
    if (cause != "token-expired") {
      act("registry check said " + (cause.empty() ? checked.lastLine() : cause + ": " + detail));
      r_.result = "Not diagnosed as an expired token.";
      return {};
    }
    r_.detected = true;
    r_.detect_ms = nowMs() - failed_at;
    act("detected: shipshape registry check: " + cause + ": " + detail);
    r_.measurements.push_back({"diagnosis", cause + " (" + formatDurationMs(checked.ms) + ")"});

    // The repair: a fresh token from the secrets manager into a file; the helper reads it at every use.
    if (auto ok = rotate(**tokens, std::chrono::seconds(600)); !ok) return fail(ok.error());
    act("the secrets manager wrote a fresh 10-minute token to " + secret_file_);
    Ran login = run({self, "registry", "login", (*registry)->address(), "-u", "ci", "--secret-file", secret_file_});
    if (login.exit_code != 0) return fail(ErrorCode::kApi, "registry login: " + login.lastLine());
    act("shipshape registry login --secret-file: config.json names docker-credential-shipshape, holds no secret");
    Ran pushed = run({self, "push", image, "--json"});
    json result = json::parse(pushed.out, nullptr, false);
    bool verified = pushed.exit_code == 0 && result.is_object() && result.value("outcome", "") == "pushed" &&
                    result.contains("registry_digest") && result["registry_digest"] == result["digest"];
    std::int64_t pushed_at = nowMs();
    act(verified ? "shipshape push: pushed in " + formatDurationMs(pushed.ms) + ", " +
                       std::to_string(result["attempts"].size()) + " attempt(s), manifest digest " +
                       result["registry_digest"].get<std::string>().substr(0, 19) + "… verified"
                 : "shipshape push failed: " + pushed.lastLine());

    // The next rotation: no new login, plain docker push.
    bool rotated_ok = false;
    if (verified) {
      if (auto ok = rotate(**tokens, std::chrono::seconds(600)); !ok) return fail(ok.error());
      Ran again = run({kDockerCli, "push", image});
      rotated_ok = again.exit_code == 0;
      act(rotated_ok ? "rotated again (the old token revoked): plain docker push succeeded through the helper, no "
                       "new login"
                     : "after the second rotation docker push failed: " + again.lastLine());
    }
    std::string config_text = readFile(config_dir_ + "/config.json").value_or("");
    bool no_secret_stored =
        config_text.find(stale) == std::string::npos && config_text.find("\"auth\"") == std::string::npos;
    r_.repaired = verified && rotated_ok && no_secret_stored;
    r_.recover_ms = pushed_at - failed_at - *r_.detect_ms;
    r_.measurements.push_back({"diagnosis to verified push", formatDurationMs(*r_.recover_ms)});
    r_.measurements.push_back({"secret in config.json", no_secret_stored ? "none" : "still there"});
    r_.status = r_.repaired ? ScenarioResult::Status::kRepaired : ScenarioResult::Status::kFailed;
    r_.result = r_.repaired ? "docker push failed with \"" + plain.lastLine() + "\"; shipshape named the cause (" +
                                  cause + ") " + formatDurationMs(*r_.detect_ms) +
                                  " later, and the push went through "
                                  "with a fresh credential and a verified digest " +
                                  formatDurationMs(*r_.recover_ms) + " after that; the next rotation needed no change."
                            : "Not repaired.";
    return {};
  }

  LabContext& ctx_;
  ScenarioResult r_;
  std::string config_dir_, secret_file_;
};

}  // namespace

ScenarioResult runRegistryAuth(LabContext& ctx) { return RegistryAuth(ctx).run(); }

}  // namespace shipshape::lab
