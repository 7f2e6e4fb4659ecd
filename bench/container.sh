#!/usr/bin/env bash
# The container image against the plain jar on this machine: start time (JVM start to listening,
# from the start line, median of 5; and podman run to the first 200 from /health/ready) and echo
# throughput (64 B text and 4 KiB binary, one TCP write per message, median of 3 rounds in which
# the servers take turns, each run 8 s after a 15 s warm-up), each server on CPU 0, the load generator on CPU 1, INSTANCES=1, -Xmx from a
# 512 MiB limit (the jar gets -Xmx384m to match). The image is the one ContainerImageIT builds
# (localhost/ws-echo:it); the container runs once with its port published and once with the host's
# network. Prints a Markdown table. Needs root and podman (see scripts/podman/).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/stats.sh
image="${IMAGE:-localhost/ws-echo:it}"
podman_() { scripts/podman/run "$@"; }
jar=target/ws-echo.jar
port=18600
runs=3
load() { # url, extra bench arguments: prints msg/s
  taskset -c 1 java -jar "$jar" bench --url "$1" --duration 8s --warmup "${2}" --quiet "${@:3}" 2>/dev/null \
    | grep '^RESULT' | sed 's/.*msgs_per_s=\([0-9]*\).*/\1/'
}
wait_ready() { for _ in $(seq 1 500); do curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" && return 0; sleep 0.02; done; return 1; }

start_jar() { taskset -c 0 env HTTP_PORT=$port INSTANCES=1 java -Xmx384m -jar "$jar" > /tmp/bench-container-jar.log 2>&1 & pid=$!; }
start_container() { # network mode
  local net=(--publish "127.0.0.1:$port:8000")
  [ "$1" = host ] && net=(--network host --env HTTP_PORT=$port)
  podman_ run -d --name bench-container --cpuset-cpus 0 --memory 512m --read-only --tmpfs /tmp --env INSTANCES=1 \
    "${net[@]}" "$image" > /dev/null
}
stop_container() { podman_ rm -f -t 10 bench-container > /dev/null 2>&1 || true; }
pid=
cleanup() { stop_container; if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "bench/container.sh: port $port is taken" >&2; exit 1; fi

start_server() { if [ "$1" = jar ]; then start_jar; else start_container "${1#container-}"; fi; }
stop_server() { if [ "$1" = jar ]; then kill "$pid"; wait "$pid" || true; pid=; else stop_container; fi; }
servers=(jar container container-host)
declare -A start ready text binary
for server in "${servers[@]}"; do
  starts=(); readies=()
  for i in $(seq 1 5); do
    t0=$(date +%s%N)
    start_server "$server"
    wait_ready
    readies+=($(( ($(date +%s%N) - t0) / 1000000 )))
    if [ "$server" = jar ]; then
      starts+=($(grep -aoE 'started in [0-9]+' /tmp/bench-container-jar.log | grep -oE '[0-9]+'))
    else
      starts+=($(podman_ logs bench-container 2>&1 | grep -aoE 'started in [0-9]+' | grep -oE '[0-9]+'))
    fi
    stop_server "$server"
  done
  start[$server]=$(printf '%s\n' "${starts[@]}" | median)
  ready[$server]=$(printf '%s\n' "${readies[@]}" | median)
done
# Throughput in rounds, the servers taking turns in each, so a slow spell of the machine does not
# land on one of them: a fresh server per round, 15 s of warm-up, then one run of each load.
declare -A texts binaries
for r in $(seq 1 $runs); do
  for server in "${servers[@]}"; do
    start_server "$server"
    wait_ready
    texts[$server]+="$(load "ws://127.0.0.1:$port/ws/echo" 15s --connections 100 --size 64 --window 16 --write-per-message) "
    binaries[$server]+="$(load "ws://127.0.0.1:$port/ws/echo" 2s --connections 50 --size 4096 --window 8 --binary --write-per-message) "
    stop_server "$server"
  done
done
for server in "${servers[@]}"; do
  text[$server]=$(printf '%s\n' ${texts[$server]} | median)
  binary[$server]=$(printf '%s\n' ${binaries[$server]} | median)
done

echo "| server | JVM start to listening (ms) | run to first 200 from /health/ready (ms) | 64 B text msg/s | 4 KiB binary msg/s |"
echo "|---|---|---|---|---|"
for server in jar container container-host; do
  name=$server
  [ "$server" = jar ] && name="java -jar target/ws-echo.jar"
  [ "$server" = container ] && name="container, port published"
  [ "$server" = container-host ] && name="container, host network"
  echo "| $name | ${start[$server]} | ${ready[$server]} | ${text[$server]} | ${binary[$server]} |"
done
