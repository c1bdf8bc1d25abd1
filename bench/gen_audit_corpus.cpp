// Writes a deterministic corpus of varied Dockerfiles and Compose files for the audit benchmark:
//   gen_audit_corpus DIR [COUNT]      (COUNT of each kind, default 2000)
// Files mix what real repositories hold: multi-stage builds, continuations with comments, heredocs, ARG/ENV
// substitution, JSON and shell forms, secrets and pins; Compose files with anchors, merge keys, x- blocks,
// interpolation, several services, long and short volume syntax, deploy sections.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

std::mt19937 rng(20261126);
int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }
template <class T>
const T& any(const std::vector<T>& v) { return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))]; }

const std::vector<std::string> kBases = {"debian:12", "ubuntu:24.04", "alpine:3.19", "node:20-alpine", "node",
                                         "python:3.12-slim", "golang:1.22", "nginx:latest", "redis:7",
                                         "eclipse-temurin:21-jre@sha256:4f3e1b2c9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"};
const std::vector<std::string> kUsers = {"", "root", "app", "10001", "0:0", "nobody", "${APP_UID}"};

std::string dockerfile(int i) {
  std::string d;
  if (pick(4) == 0) d += "# syntax=docker/dockerfile:1.7\n";
  d += "ARG BASE=" + any(kBases) + "\n";
  int stages = 1 + pick(3);
  for (int s = 0; s < stages; ++s) {
    bool last = s == stages - 1;
    d += "FROM " + (s == 0 ? std::string("${BASE}") : (pick(2) ? any(kBases) : "stage0")) + " AS stage" +
         std::to_string(s) + "\n";
    d += "ARG APP_UID=1000" + std::to_string(s) + "\n";
    d += "ENV APP_HOME=/srv/app" + std::to_string(i) + " \\\n    # comment inside a continuation\n    LANG=C.UTF-8\n";
    if (pick(3) == 0) d += "ENV DB_PASSWORD=secret" + std::to_string(i) + "value\n";
    if (pick(4) == 0) d += "ARG NPM_TOKEN\n";
    d += "WORKDIR $APP_HOME\n";
    int runs = 1 + pick(4);
    for (int r = 0; r < runs; ++r) {
      switch (pick(4)) {
        case 0: d += "RUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl ca-certificates && \\\n    rm -rf /var/lib/apt/lists/*\n"; break;
        case 1: d += "RUN <<EOF\nset -eux\necho building " + std::to_string(i) + "\nmake -j4\nEOF\n"; break;
        case 2: d += "RUN curl -fsSL https://get.example.com/" + std::to_string(i) + " | sh\n"; break;
        default: d += "RUN [\"/bin/sh\", \"-c\", \"echo step " + std::to_string(r) + "\"]\n"; break;
      }
    }
    d += pick(2) ? "COPY --chown=1000:1000 . .\n" : "ADD https://example.com/pkg" + std::to_string(i) + ".tgz /opt/\n";
    if (last) {
      std::string user = any(kUsers);
      if (!user.empty()) d += "USER " + user + "\n";
      if (pick(3)) d += "HEALTHCHECK --interval=30s --timeout=3s CMD [\"/bin/true\"]\n";
      d += "EXPOSE 8080\nLABEL org.opencontainers.image.version=\"1." + std::to_string(i) + "\"\n";
      d += "ENTRYPOINT [\"/srv/app\"]\nCMD [\"serve\", \"--port\", \"8080\"]\n";
    }
  }
  return d;
}

std::string compose(int i) {
  std::string c = "x-defaults: &defaults\n  restart: unless-stopped\n  logging:\n    driver: json-file\n";
  if (pick(2)) c += "    options: {max-size: 10m, max-file: \"3\"}\n";
  c += "services:\n";
  int services = 1 + pick(4);
  for (int s = 0; s < services; ++s) {
    std::string name = "svc" + std::to_string(s);
    c += "  " + name + ":\n    <<: *defaults\n";
    static const std::vector<std::string> kImages = {"postgres:16", "redis", "registry.example.com/api:${TAG:-1.0}",
                                                     "nginx:latest", "mysql:8.0", "app@sha256:0123abcd"};
    c += "    image: " + any(kImages) + "\n";
    if (pick(2)) c += "    user: \"" + std::string(pick(3) ? "10001" : "root") + "\"\n";
    if (pick(2)) c += "    read_only: true\n    security_opt: [\"no-new-privileges:true\"]\n    cap_drop: [ALL]\n";
    if (pick(4) == 0) c += "    privileged: true\n";
    if (pick(3) == 0) c += "    network_mode: host\n";
    c += "    environment:\n      - APP_ENV=production\n      - DB_HOST=db" + std::to_string(i) + "\n";
    if (pick(3) == 0) c += "      - DB_PASSWORD=hunter" + std::to_string(i) + "hunter\n";
    c += "    volumes:\n";
    switch (pick(3)) {
      case 0: c += "      - /var/lib/postgresql/data\n"; break;
      case 1: c += "      - data" + std::to_string(s) + ":/data\n"; break;
      default: c += "      - type: bind\n        source: ./conf\n        target: /etc/app\n        read_only: true\n"; break;
    }
    if (pick(5) == 0) c += "      - /var/run/docker.sock:/var/run/docker.sock\n";
    if (pick(2)) {
      c += "    deploy:\n      resources:\n        limits: {cpus: \"0.5\", memory: 256M}\n";
      if (pick(2)) c += "      update_config: {order: start-first, failure_action: rollback}\n";
    }
    if (pick(2)) c += "    healthcheck:\n      test: [\"CMD\", \"/bin/true\"]\n      interval: 10s\n";
    if (s > 0) c += "    depends_on:\n      svc0: {condition: service_started}\n";
  }
  c += "volumes:\n";
  for (int s = 0; s < services; ++s) c += "  data" + std::to_string(s) + ":\n";
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_audit_corpus DIR [COUNT]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  int count = argc > 2 ? std::atoi(argv[2]) : 2000;
  for (int i = 0; i < count; ++i) {
    std::filesystem::path project = dir / ("p" + std::to_string(i / 50)) / ("app" + std::to_string(i));
    std::filesystem::create_directories(project);
    std::ofstream(project / "Dockerfile") << dockerfile(i);
    std::ofstream(project / "compose.yaml") << compose(i);
  }
  std::printf("wrote %d Dockerfiles and %d Compose files under %s\n", count, count, dir.c_str());
  return 0;
}
