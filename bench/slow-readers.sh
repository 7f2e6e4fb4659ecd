#!/usr/bin/env bash
# Many slow readers of large echoes: the fat jar with the heap the Kubernetes manifests give
# (-Xmx384m, so websocket.maxBufferedBytes is 25% of it), READERS clients (default 200) each sending
# 1 MiB binary messages and reading the echoes at 10 KiB/s through a 16 KiB receive buffer, and
# meanwhile an ordinary client load (20 connections, 64 B text, 1,000 msg/s) whose latency is
# measured. Samples the bytes held for clients and the heap every 2 s; prints the worst of each,
# the budget, and both loads' results. A script that prints figures: it asserts nothing.
#
#   bench/slow-readers.sh [duration]      default 120s; READERS=200 PORT=18200 IDLE_MS=600000
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-120s}
READERS=${READERS:-200}
PORT=${PORT:-18200}
[ -f target/ws-echo.jar ] || mvn -B -q -DskipTests package
out=target/slow-readers
mkdir -p "$out"
cp target/ws-echo.jar "$out/ws-echo.jar"
JAR="$out/ws-echo.jar"
# A 1 MiB echo read at 10 KiB/s takes 100 s, and the server cannot see a client reading what the
# kernel holds: past websocket.idleTimeoutMs (75 s) it would close it as idle. Hence 10 minutes here.
HTTP_PORT=$PORT WEBSOCKET_IDLE_TIMEOUT_MS=${IDLE_MS:-600000} java -Xmx384m -jar "$JAR" > "$out/server.out" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" > /dev/null 2>&1 && break
  sleep 0.2
done
java -Xmx1g -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/ws/echo" --slow-read 10240 --connections "$READERS" \
  --size 1048576 --duration "$DURATION" --quiet > "$out/slow.out" 2>&1 &
slow=$!
sleep 5 # the slow readers' first messages are in
java -Xmx256m -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/ws/echo" --connections 20 --size 64 --window 1 --rate 1000 \
  --write-per-message --warmup 2s --duration "$(( ${DURATION%s} - 15 ))s" --quiet > "$out/ordinary.out" 2>&1 &
ordinary=$!
metric() { curl -fs "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
max_held=0 max_heap=0 max_paused=0
while kill -0 "$ordinary" 2> /dev/null; do
  held=$(metric wsecho_buffered_bytes | awk '{ printf "%.0f", $1 }')
  paused=$(metric wsecho_connections_paused_budget | awk '{ printf "%.0f", $1 }')
  heap=$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ { s += $NF } END { printf "%.0f", s }')
  [ "${held:-0}" -gt "$max_held" ] && max_held=$held
  [ "${heap:-0}" -gt "$max_heap" ] && max_heap=$heap
  [ "${paused:-0}" -gt "$max_paused" ] && max_paused=$paused
  sleep 2
done
wait "$ordinary" || true
wait "$slow" || true
budget=$(metric wsecho_buffered_limit_bytes | awk '{ printf "%.0f", $1 }')
oom=$(grep -c OutOfMemoryError "$out/server.out" || true)
echo "$READERS slow readers of 1 MiB at 10 KiB/s for $DURATION, -Xmx384m:"
echo "  held for clients at most $((max_held >> 10)) KiB of a $((budget >> 20)) MiB budget; at most $max_paused connections paused by it"
echo "  heap used at most $((max_heap >> 20)) MiB (before GC); OutOfMemoryError lines: $oom"
echo "  slow readers:    $(grep RESULT "$out/slow.out" || echo 'no result')"
echo "  ordinary client: $(grep RESULT "$out/ordinary.out" || echo 'no result')"
