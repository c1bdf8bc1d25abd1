#include "rules/catalog.h"

namespace shipshape::rules {

std::string_view scenarioName(int scenario) {
  switch (scenario) {
    case 1: return "Resource starvation";
    case 2: return "Daemon crash and storage";
    case 3: return "Data loss from anonymous volumes";
    case 4: return "Root and over-privileged containers";
    case 5: return "Failed rolling deployment";
    case 6: return "Registry credentials";
  }
  return "Other";
}

const std::vector<RuleInfo>& catalog() {
  // CIS numbers refer to the CIS Docker Benchmark 1.2.0 (docker-bench-security's check_N_M); KICS entries are
  // query names. Empty means we know of no equivalent.
  static const std::vector<RuleInfo> kRules = {
      {"SS101",
       "no-memory-limit",
       Severity::kHigh,
       1,
       kCompose | kLive,
       "Container has no memory limit",
       "Without a memory limit one leaking or overloaded container can take all of the host's memory; the "
       "kernel's OOM killer then picks victims host-wide, often the dockerd, the database or the service that "
       "did nothing wrong.",
       "Set a limit: `docker update --memory 512m --memory-swap 512m CONTAINER`, or in Compose "
       "`deploy.resources.limits.memory: 512M` (or `mem_limit: 512m`).",
       {"", "", "", "", "Memory Not Limited", "5.10"}},
      {"SS102",
       "no-cpu-limit",
       Severity::kMedium,
       1,
       kCompose | kLive,
       "Container has no CPU limit",
       "A container without a CPU limit can use every core; a busy loop or a traffic spike in one service "
       "starves latency-sensitive neighbours on the same host.",
       "Set a limit: `docker update --cpus 1.5 CONTAINER`, or in Compose `deploy.resources.limits.cpus: '1.5'` "
       "(or `cpus: 1.5`).",
       {"", "", "", "", "CPUs Not Limited", "5.11"}},
      {"SS103",
       "no-pids-limit",
       Severity::kMedium,
       1,
       kCompose | kLive,
       "Container has no PIDs limit",
       "A fork bomb or a thread leak in one container exhausts the host's PID space and nothing new can start, "
       "including the tools you need to recover.",
       "Set a limit: `docker update --pids-limit 512 CONTAINER`, or in Compose `pids_limit: 512` "
       "(`deploy.resources.limits.pids`).",
       {"", "", "", "", "Pids Limit Not Set", "5.28"}},
      {"SS104",
       "log-not-rotated",
       Severity::kMedium,
       1,
       kCompose | kLive,
       "json-file logging without size rotation",
       "The default json-file driver keeps every line forever; a chatty container fills the data-root "
       "filesystem, and then the daemon and every container on the host fail with 'no space left on device'.",
       "Set `--log-opt max-size=10m --log-opt max-file=3` (Compose `logging.options.max-size`), or make it the "
       "daemon default in /etc/docker/daemon.json (`\"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}`).",
       {"", "", "", "", "", ""}},
      {"SS105",
       "memory-reservation-above-limit",
       Severity::kMedium,
       1,
       kCompose | kLive,
       "Memory reservation above the limit, or limit below current use",
       "A reservation above the limit can never be honoured, and a limit below what the container already uses "
       "makes the next allocation an OOM kill: both are limits set by guesswork.",
       "Keep `memory_reservation` below `memory`, and size the limit from observed use with headroom: "
       "`docker update --memory <p99 use x 1.5> CONTAINER`.",
       {"", "", "", "", "", ""}},
      {"SS201",
       "live-restore-disabled",
       Severity::kMedium,
       2,
       kLive,
       "Daemon live-restore is disabled",
       "Without live-restore, a dockerd crash or upgrade stops every container on the host: a daemon problem "
       "becomes a full outage.",
       "Add `\"live-restore\": true` to /etc/docker/daemon.json and reload dockerd (`systemctl reload docker`). "
       "Not available in Swarm mode.",
       {"", "", "", "", "", "2.14"}},
      {"SS202",
       "storage-driver",
       Severity::kHigh,
       2,
       kLive,
       "Storage driver is not overlay2 on a supported backing filesystem",
       "Deprecated drivers (aufs, devicemapper, vfs) and overlay2 on a filesystem without d_type are behind "
       "layer corruption and 'failed to mount overlay' start-up failures.",
       "Use overlay2 on ext4 or xfs with ftype=1: set `\"storage-driver\": \"overlay2\"` and give "
       "/var/lib/docker a proper partition.",
       {"", "", "", "", "", "2.5"}},
      {"SS203",
       "data-root-full",
       Severity::kHigh,
       2,
       kLive,
       "Docker data-root filesystem is over 85% full (space or inodes)",
       "When the data-root fills up, pulls fail, containers cannot write their layers and the daemon itself "
       "starts failing with 'no space left on device'; inodes run out before bytes with many small files.",
       "Free space: `docker system prune`, remove unused images and build cache, rotate logs (SS104); or move "
       "the data-root to a larger filesystem.",
       {"", "", "", "", "", ""}},
      {"SS204",
       "no-restart-policy",
       Severity::kMedium,
       2,
       kCompose | kLive,
       "Long-running container without a restart policy",
       "A container without a restart policy stays down after it crashes or after the daemon or host restarts; "
       "nobody notices until users do.",
       "`docker update --restart unless-stopped CONTAINER`, or Compose `restart: unless-stopped` "
       "(`deploy.restart_policy.condition: any` in Swarm).",
       {"", "", "", "", "", "5.14"}},
      {"SS205",
       "daemon-warning",
       Severity::kMedium,
       2,
       kLive,
       "The daemon reports a warning",
       "dockerd lists configuration problems in `docker info` (no swap limit support, bridge-nf-call disabled, "
       "an unprotected TCP socket, ...); each is a known way for limits or networking to silently not work.",
       "Read the warning and fix the host configuration it names.",
       {"", "", "", "", "", ""}},
      {"SS301",
       "anonymous-volume",
       Severity::kHigh,
       3,
       kCompose | kLive,
       "Declared VOLUME data lives in an anonymous volume",
       "The image declares a VOLUME and the container got an anonymous volume there: `docker rm -v`, `--rm`, "
       "`docker compose down -v` or a recreate by a deploy tool loses or orphans the data.",
       "Mount a named volume on the path: `-v app-data:/data`, or Compose `volumes: [\"app-data:/data\"]` with "
       "`app-data` under the top-level `volumes:`. `shipshape` can migrate the data (backup issue).",
       {"", "", "", "", "", ""}},
      {"SS302",
       "stateful-service-without-volume",
       Severity::kHigh,
       3,
       kCompose,
       "Stateful service keeps its data in the container or an anonymous volume",
       "A database or broker (postgres, mysql, mongo, redis, elasticsearch, rabbitmq, ...) without a named "
       "volume or bind mount on its data path loses everything on `docker compose down -v`, a recreate after "
       "an image update, or a move to another host.",
       "Mount a named volume on the data path, e.g. `volumes: [\"pg-data:/var/lib/postgresql/data\"]`, and "
       "declare `pg-data:` under the top-level `volumes:`.",
       {"", "", "", "", "", ""}},
      {"SS303",
       "autoremove-anonymous-volume",
       Severity::kHigh,
       3,
       kLive,
       "Auto-removed container writes to an anonymous volume",
       "A container started with `--rm` deletes its anonymous volumes when it exits: whatever it wrote to its "
       "declared VOLUME paths is gone at the first crash.",
       "Mount a named volume on the path, or do not use `--rm` for containers that keep state.",
       {"", "", "", "", "", ""}},
      {"SS304",
       "dangling-volume-with-data",
       Severity::kLow,
       3,
       kLive,
       "Dangling anonymous volume still holds data",
       "An anonymous volume no container uses any more but that still holds data is usually the state of a "
       "container that was recreated: the service now runs on an empty volume while its data sits here.",
       "Inspect it (`docker run --rm -v VOLUME:/v busybox ls /v`), migrate what matters to a named volume, "
       "then remove it.",
       {"", "", "", "", "", ""}},
      {"SS401",
       "root-user",
       Severity::kHigh,
       4,
       kDockerfile | kCompose | kLive | kImage,
       "Container runs as root",
       "A process running as root in a container is root on the host as soon as anything breaks isolation (a "
       "kernel bug, a mounted socket, a writable host path).",
       "Add `USER 10001` (a non-root UID) to the final stage of the Dockerfile, or set `user: \"10001:10001\"` "
       "in Compose / `--user` at run time.",
       {"DL3002", "DS002", "CKV_DOCKER_3, CKV_DOCKER_8", "CIS-DI-0001", "Missing User Instruction", "4.1"}},
      {"SS402",
       "writable-rootfs",
       Severity::kMedium,
       4,
       kCompose | kLive,
       "Root filesystem is writable",
       "A writable root filesystem lets an intruder drop binaries and persist; a read-only one also makes "
       "unexpected writes (logs, caches) show up as errors instead of growing layers.",
       "Run with `--read-only` (Compose `read_only: true`) and mount tmpfs or volumes where the app writes.",
       {"", "", "", "", "", "5.12"}},
      {"SS403",
       "privileged",
       Severity::kCritical,
       4,
       kCompose | kLive,
       "Container is privileged",
       "A privileged container has every capability and every device: it is root on the host.",
       "Remove `--privileged` (Compose `privileged: true`); add only the capabilities or devices needed.",
       {"", "", "", "", "Privileged Containers Enabled", "5.4"}},
      {"SS404",
       "unconfined-profile",
       Severity::kHigh,
       4,
       kCompose | kLive,
       "Seccomp or AppArmor disabled",
       "`seccomp=unconfined` or `apparmor=unconfined` removes the kernel-level filters that block most "
       "container escapes.",
       "Drop the `security_opt` entry, or ship a custom profile instead of unconfined.",
       {"", "", "", "", "Seccomp Unconfined", "5.21"}},
      {"SS405",
       "no-new-privileges",
       Severity::kMedium,
       4,
       kCompose | kLive,
       "no-new-privileges is not set",
       "Without no-new-privileges a setuid binary in the image can raise a process's privileges.",
       "Run with `--security-opt no-new-privileges:true` (Compose `security_opt: [\"no-new-privileges:true\"]`), "
       "or set `\"no-new-privileges\": true` in daemon.json.",
       {"", "", "", "", "No New Privileges Not Set", "5.25"}},
      {"SS406",
       "dangerous-capabilities",
       Severity::kHigh,
       4,
       kCompose | kLive,
       "Dangerous capabilities added, or none dropped",
       "SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL give a container near-root powers over the host; "
       "keeping the whole default set leaves NET_RAW and others no service needs.",
       "Remove the `cap_add` entries and add `cap_drop: [ALL]` with only the capabilities the process needs.",
       {"", "", "", "", "", "5.3"}},
      {"SS407",
       "docker-socket",
       Severity::kCritical,
       4,
       kCompose | kLive,
       "Docker socket mounted into the container",
       "Whoever controls a container with the Docker socket controls the host: they can start a privileged "
       "container with / mounted.",
       "Remove the mount; if the container must talk to Docker, put an authorising proxy with a narrow API in "
       "front of it.",
       {"", "", "", "", "Docker Socket Mounted In Container", "5.31"}},
      {"SS408",
       "host-namespace",
       Severity::kHigh,
       4,
       kCompose | kLive,
       "Host network, PID or IPC namespace shared",
       "Sharing the host's network, PID or IPC namespace removes that layer of isolation: the container sees "
       "and can signal host processes, or binds host ports directly.",
       "Remove `network_mode: host` / `pid: host` / `ipc: host` (`--network host`, `--pid host`, `--ipc host`).",
       {"", "", "", "", "Host Namespace is Shared", "5.9, 5.15, 5.16"}},
      {"SS409",
       "secret-in-config",
       Severity::kHigh,
       4,
       kDockerfile | kCompose | kLive | kImage,
       "Secret in ENV, ARG, label or environment",
       "Values in ENV, ARG and labels are stored in the image and shown by `docker inspect` and `docker "
       "history` to anyone with access to the host or the registry.",
       "Use build secrets (`RUN --mount=type=secret`), Docker/Compose secrets or a secret manager; rotate the "
       "exposed value.",
       {"", "", "", "CIS-DI-0010", "", "4.10"}},
      {"SS410",
       "sensitive-host-path",
       Severity::kHigh,
       4,
       kCompose | kLive,
       "Sensitive host path bind-mounted",
       "Mounting /, /etc, /root, /proc, /sys, /var/run or the data-root gives the container the host's "
       "configuration, credentials or control interfaces; read-only still leaks secrets.",
       "Mount only the specific files the container needs, read-only, or use a named volume.",
       {"", "", "", "", "Volume Has Sensitive Host Directory", "5.5"}},
      {"SS411",
       "remote-code-at-build",
       Severity::kMedium,
       4,
       kDockerfile,
       "ADD from a URL or `curl | sh` in RUN",
       "Code fetched at build time without a checksum can change under you or be replaced by an attacker; the "
       "image is no longer reproducible.",
       "Download with `curl -fsSLO`, verify a pinned checksum (`sha256sum -c`), then run; or use "
       "`ADD --checksum=sha256:...`.",
       {"DL3020", "DS005", "CKV_DOCKER_4", "CIS-DI-0009", "", "4.9"}},
      {"SS412",
       "secret-in-image",
       Severity::kCritical,
       4,
       kImage,
       "Secret in a file of an image layer",
       "A private key, cloud key or token copied into any layer is in the image for good: deleting it in a later "
       "layer only hides it from the final filesystem, while `docker save` or a pull of the layer still hands it "
       "to anyone who can read the image.",
       "Rotate the credential now; rebuild without it (`RUN --mount=type=secret`, a multi-stage build that never "
       "copies it into the final stage, or a `.dockerignore` entry) and delete the old image and its tags.",
       {"", "secret scanning", "", "CIS-DI-0010", "", "4.10"}},
      {"SS413",
       "setuid-file",
       Severity::kLow,
       4,
       kImage,
       "setuid or setgid file in the image",
       "A setuid/setgid binary is how a process that got code execution as a non-root user becomes root; "
       "images rarely need any, and each one is attack surface.",
       "Remove the bit in the Dockerfile (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`), and run "
       "with `--security-opt no-new-privileges:true`.",
       {"", "", "", "CIS-DI-0008", "", "4.8"}},
      {"SS414",
       "world-writable-directory",
       Severity::kLow,
       4,
       kImage,
       "World-writable directory without the sticky bit",
       "Any user in the container can replace or delete another user's files in a world-writable directory "
       "without the sticky bit (as /tmp has): a path for tampering with what a service reads or runs.",
       "`chmod o-w DIR`, or `chmod +t DIR` if it must be shared.",
       {"", "", "", "", "", ""}},
      {"SS415",
       "ssh-port-exposed",
       Severity::kMedium,
       4,
       kImage,
       "Image exposes port 22",
       "An SSH server in a container is a second way in that bypasses `docker exec`'s audit trail and needs its "
       "own keys, patches and hardening.",
       "Remove `EXPOSE 22` and the SSH server; use `docker exec` for access.",
       {"DL3011", "DS004", "", "", "", ""}},
      {"SS501",
       "mutable-image-tag",
       Severity::kMedium,
       5,
       kDockerfile | kCompose | kLive,
       "Image without a tag or with :latest",
       "`:latest` (or no tag) names whatever was pushed last: a redeploy or a new node silently runs different "
       "code, and there is nothing to roll back to.",
       "Use a versioned tag (`app:1.4.2`) or a digest (`app@sha256:...`).",
       {"DL3006, DL3007", "DS001", "CKV_DOCKER_7", "DKL-DI-0006", "Image Version Using 'latest'", ""}},
      {"SS502",
       "no-healthcheck",
       Severity::kMedium,
       5,
       kDockerfile | kCompose | kLive | kImage,
       "No health check, or health check disabled",
       "Without a health check, deploys and orchestrators can only see 'running': a container that is up but "
       "not serving gets traffic, and a bad release is promoted.",
       "Add `HEALTHCHECK CMD ...` to the Dockerfile or `healthcheck:` to the Compose service.",
       {"DL3057", "DS026", "CKV_DOCKER_2", "CIS-DI-0006", "Healthcheck Instruction Missing", "4.6"}},
      {"SS503",
       "base-image-not-pinned",
       Severity::kInfo,
       5,
       kDockerfile,
       "Image not pinned by digest",
       "A tag can be moved; only a digest guarantees that a rebuild or a rollback uses the same bytes.",
       "Pin it: `FROM debian:12.5@sha256:...`.",
       {"", "", "", "", "", ""}},
      {"SS504",
       "unsafe-update-config",
       Severity::kMedium,
       5,
       kCompose,
       "Swarm update_config without automatic rollback or start-first",
       "Swarm's defaults (`failure_action: pause`, `order: stop-first`) stop the old task before the new one is "
       "healthy and leave a failed update half-applied: users see errors until someone intervenes.",
       "Set `deploy.update_config: {order: start-first, failure_action: rollback, monitor: 30s}` and a "
       "matching `rollback_config`.",
       {"", "", "", "", "", ""}},
      {"SS505",
       "depends-on-unhealthy-service",
       Severity::kLow,
       5,
       kCompose,
       "depends_on a service that has no health check",
       "Without a health check on the dependency, `depends_on` only waits for its container to start, not to be "
       "ready, and `condition: service_healthy` cannot work: the dependent service starts against a database "
       "that is still booting.",
       "Give the dependency a `healthcheck:` and use `depends_on: {db: {condition: service_healthy}}`.",
       {"", "", "", "", "", ""}},
      {"SS601",
       "plaintext-registry-credentials",
       Severity::kHigh,
       6,
       kLive,
       "Registry credentials stored in plaintext",
       "`docker login` without a credential helper stores a base64 password in ~/.docker/config.json; anyone "
       "who can read the file (or a CI cache) can push as you.",
       "`shipshape registry login REGISTRY -u USER --password-stdin`: it checks the credential, stores it in a "
       "credential helper (shipshape's own by default, or `--helper pass`/`secretservice`) and removes the "
       "plaintext from config.json.",
       {"", "", "", "", "", ""}},
      {"SS602",
       "expiring-registry-token",
       Severity::kMedium,
       6,
       kLive,
       "Stored registry token expired or expiring within 24 h",
       "An expired identity token makes the next push or pull in CI fail with 'unauthorized', usually in the "
       "middle of a release.",
       "Log in again (`shipshape registry login REGISTRY`), or store a `--secret-file` your secrets manager "
       "rotates; `shipshape registry check` shows the time left and `watch` raises it a day ahead.",
       {"", "", "", "", "", ""}},
      {"SS603",
       "insecure-registry",
       Severity::kHigh,
       6,
       kLive,
       "Insecure (plain HTTP) registry configured",
       "Images pulled over plain HTTP can be replaced in transit, and credentials sent to the registry travel "
       "in clear.",
       "Remove the registry from `insecure-registries` in daemon.json and give it a TLS certificate.",
       {"", "", "", "", "", "2.4"}},
      {"SS604",
       "credentials-in-build-or-reference",
       Severity::kHigh,
       6,
       kDockerfile | kCompose,
       "Credentials in an image reference or a build argument",
       "Build arguments are recorded in the image history, and credentials in a reference end up in logs and "
       "shell history.",
       "Pass credentials as build secrets (`RUN --mount=type=secret,id=npm`) and log in with a credential "
       "helper.",
       {"", "", "", "", "", "4.10"}},
  };
  return kRules;
}

std::vector<std::pair<std::string_view, std::string_view>> Equivalents::known() const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (const auto& [tool, ids] : {std::pair{"hadolint", hadolint}, {"trivy", trivy}, {"checkov", checkov},
                                  {"dockle", dockle}, {"kics", kics}, {"cis_docker_1_2_0", cis}}) {
    if (!ids.empty()) out.emplace_back(tool, ids);
  }
  return out;
}

const RuleInfo* findRule(std::string_view id) {
  for (const auto& r : catalog()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace shipshape::rules
