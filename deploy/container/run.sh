#!/usr/bin/env bash
# Runs the guardian as a container, the way cAdvisor and docker-autoheal are run: the Docker socket, the host's
# cgroups and /proc read-only, its state in a named volume. Serving /metrics off loopback needs a token: it is
# read from the file below (created once, mode 600) and passed as SHIPSHAPE_LISTEN_TOKEN; the port is published
# on the host's loopback only. usage: deploy/container/run.sh [IMAGE]
set -euo pipefail
image=${1:-shipshape:dev}
token_file=/etc/shipshape/listen-token
if [[ ! -s $token_file ]]; then
  install -d -m 700 /etc/shipshape
  (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '=+/' >"$token_file")
fi
exec docker run -d --name shipshape --restart unless-stopped \
  --read-only --cap-drop ALL --security-opt no-new-privileges \
  --memory 128m --cpus 0.5 --pids-limit 64 \
  -v /var/run/docker.sock:/var/run/docker.sock \
  -v /sys/fs/cgroup:/host/sys/fs/cgroup:ro \
  -v /proc:/host/proc:ro \
  -v shipshape-state:/var/lib/shipshape \
  --env-file <(echo "SHIPSHAPE_LISTEN_TOKEN=$(cat "$token_file")") \
  -p 127.0.0.1:9323:9323 \
  --label shipshape.protect=true \
  "$image"
