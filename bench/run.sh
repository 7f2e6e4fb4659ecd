#!/usr/bin/env bash
# Side-by-side benchmark on this machine: ws-echo (message logging on, standard output to a file)
# and a bare Vert.x echo baseline, each pinned to CPU 0 under a CPU quota, the load generator
# (java -jar target/ws-echo.jar bench) pinned to CPU 1. Prints a markdown table and writes it
# under bench/results/. A script that prints figures: it asserts nothing about speed.
#
#   bench/run.sh                      20 s per load, quota 50% of one core
#   DURATION=5s QUOTA=100 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-3s}
QUOTA=${QUOTA:-50}             # percent of one core for the server
IDLE=${IDLE:-8000}
ONLY_THROUGHPUT=${ONLY_THROUGHPUT:-}   # set to measure message throughput only
ONLY_IDLE=${ONLY_IDLE:-}               # set to measure idle connections only
REPEAT=${REPEAT:-1}                    # runs per throughput cell; the table shows their median
LONG=${LONG:-}                         # e.g. 120s: then run the 64 B load that long and report peak RSS again
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT=${PORT:-18000}
OUT=bench/results
mkdir -p "$OUT" target/bench
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
log="$OUT/$stamp.txt"

SERVERS=${SERVERS:-"ws-echo bare-vertx go-gorilla node-ws"}

[ -f target/ws-echo.jar ] || mvn -B -q -DskipTests package
javac -d target/bench -cp target/ws-echo.jar bench/BareVertxEcho.java
# The other servers are built from Debian's and npm's packages, offline; one that cannot be built
# is left out of the table with a line saying why.
available=""
for server in $SERVERS; do
  case "$server" in
    go-gorilla)
      if ! command -v go > /dev/null || [ ! -d /usr/share/gocode/src/github.com/gorilla/websocket ]; then
        echo "go-gorilla left out: needs Debian's golang-go and golang-github-gorilla-websocket-dev" >&2; continue
      fi
      GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$PWD/target/bench/gocache" \
        go build -o target/bench/gorilla-echo ./bench/gorilla-echo ;;
    node-ws)
      if [ ! -d target/bench/node/node_modules/ws ] \
          && ! npm install --silent --no-audit --no-fund --prefix target/bench/node ws@8 > /dev/null 2>&1; then
        echo "node-ws left out: npm install ws failed" >&2; continue
      fi ;;
  esac
  available="$available $server"
done

# A CPU quota through the cgroup cpu controller (v2, or v1 as on this machine).
cgroup=""
setup_cgroup() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    cgroup=/sys/fs/cgroup/wsecho-bench
    mkdir -p "$cgroup" 2>/dev/null && echo "$((QUOTA * 1000)) 100000" > "$cgroup/cpu.max" 2>/dev/null || cgroup=""
  elif [ -d /sys/fs/cgroup/cpu ]; then
    cgroup=/sys/fs/cgroup/cpu/wsecho-bench
    mkdir -p "$cgroup" 2>/dev/null && echo 100000 > "$cgroup/cpu.cfs_period_us" \
      && echo "$((QUOTA * 1000))" > "$cgroup/cpu.cfs_quota_us" || cgroup=""
  fi
  [ -n "$cgroup" ] || echo "warning: no writable cgroup cpu controller: the servers run without a CPU quota" >&2
}
setup_cgroup

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  [ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null || true
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server did not listen on $PORT" >&2
  exit 1
}

start_server() { # name
  case "$1" in
    ws-echo)
      HTTP_PORT=$PORT INSTANCES=1 LOG_MESSAGES=true taskset -c "$SERVER_CPU" \
        java -jar target/ws-echo.jar > "target/bench/ws-echo.out" 2>&1 &
      ;;
    bare-vertx)
      taskset -c "$SERVER_CPU" java -cp target/ws-echo.jar:target/bench BareVertxEcho "$PORT" \
        > "target/bench/bare-vertx.out" 2>&1 &
      ;;
    go-gorilla)
      taskset -c "$SERVER_CPU" target/bench/gorilla-echo -addr "127.0.0.1:$PORT" > "target/bench/go-gorilla.out" 2>&1 &
      ;;
    node-ws)
      NODE_PATH=target/bench/node/node_modules taskset -c "$SERVER_CPU" node bench/node-ws-echo.js "$PORT" \
        > "target/bench/node-ws.out" 2>&1 &
      ;;
  esac
  server_pid=$!
  [ -n "$cgroup" ] && echo "$server_pid" > "$cgroup/cgroup.procs"
  wait_port
}

# A full GC before reading RSS, for the JVM servers (jcmd's signal would stop a Go or Node process).
gc() { case "$1" in ws-echo|bare-vertx) jcmd "$server_pid" GC.run > /dev/null 2>&1 || true ;; esac; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status"; }

bench() { # args...
  taskset -c "$LOAD_CPU" java -jar target/ws-echo.jar bench --url "ws://127.0.0.1:$PORT/ws/echo" \
    --duration "$DURATION" --warmup "$WARMUP" --quiet "$@" | tee -a "$log" | awk '/^RESULT/'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
# The median of REPEAT runs of one load.
median_rate() {
  local runs=()
  for _ in $(seq 1 "$REPEAT"); do runs+=("$(bench "$@" | field msgs_per_s)"); done
  printf '%s\n' "${runs[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A R
for server in $available; do
  echo "== $server" | tee -a "$log"
  start_server "$server"
  if [ -z "${ONLY_IDLE:-}" ]; then
    R[$server,text64]=$(median_rate --connections 100 --size 64 --window 16)
    R[$server,bin4k]=$(median_rate --connections 50 --size 4096 --window 8 --binary)
    R[$server,bin256k]=$(median_rate --connections 8 --size 262144 --window 2 --binary)
    R[$server,peak]=$(( $(peak_kib) / 1024 ))
    if [ -n "$LONG" ]; then
      taskset -c "$LOAD_CPU" java -jar target/ws-echo.jar bench --url "ws://127.0.0.1:$PORT/ws/echo" \
        --duration "$LONG" --warmup 1s --quiet --connections 100 --size 64 --window 16 >> "$log"
      R[$server,long]=$(( $(peak_kib) / 1024 ))
    fi
  fi
  if [ -n "${ONLY_IDLE:-}" ]; then
    R[$server,text64]=skipped R[$server,bin4k]=skipped R[$server,bin256k]=skipped R[$server,peak]=0 R[$server,hs]=skipped
  elif [ -n "$ONLY_THROUGHPUT" ]; then
    stop_server
    R[$server,hs]=skipped R[$server,idle]=skipped R[$server,idleopen]=0
    continue
  else
    R[$server,hs]=$(bench --handshakes --connections 50 | field handshakes_per_s)
  fi
  stop_server

  start_server "$server"
  idle() { # count hold
    taskset -c "$LOAD_CPU" java -jar target/ws-echo.jar bench --url "ws://127.0.0.1:$PORT/ws/echo" \
      --idle "$1" --duration "$2" --quiet > target/bench/idle.out 2>&1 &
    idle_pid=$!
  }
  # Warm-up: a round of as many handshakes first (JIT, and every heap page those handshakes
  # touch), so the figure below is what open connections keep, not what their handshakes touched.
  idle "$IDLE" 1s; wait "$idle_pid" || true
  gc "$server"
  sleep 1
  before=$(rss_kib)
  idle "$IDLE" 15s
  # Sample the server's RSS once every connection is open and has echoed once.
  for _ in $(seq 1 900); do grep -q "RESULT mode=idle " target/bench/idle.out && break; sleep 0.1; done
  gc "$server"
  sleep 2
  after=$(rss_kib)
  wait "$idle_pid" || true
  cat target/bench/idle.out >> "$log"
  opened=$(awk '/^RESULT mode=idle / {print}' target/bench/idle.out | field opened)
  R[$server,idle]=$(awk -v a="$after" -v b="$before" -v n="${opened:-0}" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "n/a" }')
  R[$server,idleopen]=${opened:-0}
  stop_server
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a > 0) printf "%.2fx", a / b; else print "n/a" }'; }
label() {
  case "$1" in
    ws-echo) echo "ws-echo (message log on, to a file)" ;;
    bare-vertx) echo "bare Vert.x 5.0.7 echo, no logging" ;;
    go-gorilla) echo "Go gorilla/websocket, original design (logs each message, to a file)" ;;
    node-ws) echo "Node ws 8, no logging" ;;
  esac
}
{
  echo "### Side by side $(date -u +%Y-%m-%d): $(nproc) cores, each server on CPU $SERVER_CPU at ${QUOTA}% quota, load generator on CPU $LOAD_CPU, ${DURATION} per load"
  echo
  echo "| server | 64 B text msg/s | 4 KiB binary msg/s | 256 KiB binary msg/s | peak RSS | RSS per idle connection ($IDLE open) | handshakes/s |"
  echo "|---|---|---|---|---|---|---|"
  for server in $available; do
    echo "| $(label "$server") | ${R[$server,text64]} | ${R[$server,bin4k]} | ${R[$server,bin256k]} | ${R[$server,peak]} MiB | ${R[$server,idle]} KiB (${R[$server,idleopen]} open) | ${R[$server,hs]} |"
  done
  for base in $available; do
    [[ " $available " == *" ws-echo "* ]] || break
    [ "$base" = ws-echo ] && continue
    echo "| ws-echo / $base | $(ratio "${R[ws-echo,text64]}" "${R[$base,text64]}") | $(ratio "${R[ws-echo,bin4k]}" "${R[$base,bin4k]}") | $(ratio "${R[ws-echo,bin256k]}" "${R[$base,bin256k]}") | $(ratio "${R[ws-echo,peak]}" "${R[$base,peak]}") | $(ratio "${R[ws-echo,idle]}" "${R[$base,idle]}") | $(ratio "${R[ws-echo,hs]}" "${R[$base,hs]}") |"
  done
  echo
  echo "Loads: 100 connections x 16 in flight (64 B), 50 x 8 (4 KiB), 8 x 2 (256 KiB); every echo verified byte for byte"
  echo "by the load generator (java -jar target/ws-echo.jar bench). Idle: RSS growth per open connection, measured"
  echo "after a warm-up round of as many connections and a GC (Go and Node: no GC request). Handshakes: connect,"
  echo "one echo, close, 50 at a time."
  if [ -n "$LONG" ]; then
    echo
    echo "Peak RSS after the three loads, then after a further $LONG of the 64 B load:"
    for server in $available; do
      [ -n "${R[$server,long]:-}" ] && echo "- $(label "$server"): ${R[$server,peak]} MiB, then ${R[$server,long]} MiB"
    done
  fi
  [ "$REPEAT" -gt 1 ] && echo "Throughput cells: the median of $REPEAT runs each."
  echo "Command: DURATION=$DURATION QUOTA=$QUOTA${LONG:+ LONG=$LONG}$( [ "$REPEAT" -gt 1 ] && echo " REPEAT=$REPEAT") bench/run.sh"
} | tee "$OUT/$stamp.md"
