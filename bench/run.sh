#!/usr/bin/env bash
# Side-by-side benchmark on this machine: ws-echo with its defaults (message log on, standard output
# to a file), ws-echo with message logging off, ws-echo on the vertx engine (Vert.x's ServerWebSocket), a bare Vert.x echo, the Go gorilla original and Node
# ws. Each server runs pinned to CPU 0 under a CPU quota, the load generator
# (java -jar ws-echo.jar bench) pinned to CPU 1. Prints a markdown table and writes it, with the
# full output of every run, under bench/results/. A script that prints figures: it asserts nothing.
#
# Every throughput load runs in both shapes:
#   coalesced    the next messages are written while echoes are read, so frames share TCP segments
#   per-message  every message is its own TCP write, flushed on its own (--write-per-message), as a
#                browser's WebSocket.send or most client libraries send
# Then handshakes/s (connect, one echo, close), and an open-loop run at a fixed rate with the quota
# lifted (latency p99/p99.9, and the server's CPU time per message from /proc), and idle memory.
#
#   bench/run.sh                      8 s per load, median of 3, quota 50% of one core
#   DURATION=20s REPEAT=1 QUOTA=100 SERVERS="ws-echo bare-vertx" bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}            # per run, before measuring
SERVER_WARMUP=${SERVER_WARMUP:-105s} # per server, once: JIT, pools (every load in both shapes and handshakes, split evenly)
QUOTA=${QUOTA:-50}             # percent of one core for the server
REPEAT=${REPEAT:-3}            # runs per cell; the table shows their median
RATE=${RATE:-20000}            # open-loop rate for the latency and CPU-per-message runs
LOG_COST_DURATION=${LOG_COST_DURATION:-20s} # per run of ws-echo and ws-echo-nolog loaded at once
HS_WARMUP=${HS_WARMUP:-15s}    # per handshake run: the load generator's own JIT takes ~13 s to reach full speed
IDLE=${IDLE:-8000}
ONLY_THROUGHPUT=${ONLY_THROUGHPUT:-}   # set to measure message throughput only
ONLY_IDLE=${ONLY_IDLE:-}               # set to measure idle connections only
LONG=${LONG:-}                         # e.g. 600s: then run the 64 B per-message load that long and report RSS drift
LONG_SERVERS=${LONG_SERVERS:-ws-echo}  # the servers the long run loads, one after the other
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT=${PORT:-18000}              # the first server's port; the next ones count up from it
OUT=${OUT:-bench/results}
SERVERS=${SERVERS:-"ws-echo ws-echo-nolog ws-echo-vertx bare-vertx go-gorilla node-ws"}
# A name the script does not know would start nothing and measure whatever ran before it.
known=" ws-echo ws-echo-nolog ws-echo-vertx bare-vertx go-gorilla node-ws "
for server in $SERVERS; do
  [[ "$known" == *" $server "* ]] || { echo "bench/run.sh: SERVERS: unknown server \"$server\" (known:${known% })" >&2; exit 2; }
done
for server in ${LONG:+$LONG_SERVERS}; do
  [[ " $SERVERS " == *" $server "* ]] || { echo "bench/run.sh: LONG_SERVERS: \"$server\" is not in SERVERS (\"$SERVERS\")" >&2; exit 2; }
done

mkdir -p "$OUT" target/bench
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
log="$OUT/$stamp.txt"
: > "$log"
failures=$(mktemp)

[ -f target/ws-echo.jar ] || mvn -B -q -DskipTests package
# The jar under test is a copy: a rebuild during a run does not change what is measured.
cp target/ws-echo.jar target/bench/ws-echo.jar
JAR=target/bench/ws-echo.jar
javac -d target/bench -cp "$JAR" bench/BareVertxEcho.java
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
has() { local s; for s in "$@"; do [[ " $available " == *" $s "* ]] || return 1; done; }

# Every server runs at once, each on its own port and in its own cgroup with its own CPU quota, all
# pinned to CPU 0, and the runs take turns: run 1 of a load against every server, then run 2, and so
# on. The machine's state drifts over the hour a run takes (here a cell moved 20-40% between runs
# minutes apart); taking turns spreads that drift over every server alike instead of charging it to
# whichever server happened to run at the time. An idle server uses next to no CPU, and the one
# under load is held to its quota whatever the others do.
. bench/cgroup.sh
. bench/stats.sh

declare -A PID PORT_OF CGROUP
index=0
for server in $available; do
  PORT_OF[$server]=$((PORT + index))
  index=$((index + 1))
  setup_cgroup "wsecho-bench-$server"
  CGROUP[$server]=$cgroup
done

stop_server() { # name
  local pid=${PID[$1]:-}
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    PID[$1]=""
  fi
}
# Connection tracking: with the netfilter conntrack module loaded (a firewall, podman), every
# loopback connection is tracked too, and a closed one stays in the table for 120 s
# (nf_conntrack_tcp_timeout_time_wait). A handshake loop at 3,000-4,000/s fills the default table
# (262,144 here) within about a minute; the kernel then drops new SYNs ("nf_conntrack: table full,
# dropping packet") and the load generator's connects time out after 20 s: the host's limit, not
# the server's. The run raises the table's size to CONNTRACK_MAX for its duration and puts it back.
CONNTRACK_MAX=${CONNTRACK_MAX:-1048576}
conntrack_max_file=/proc/sys/net/netfilter/nf_conntrack_max
conntrack_was=""
if [ -w "$conntrack_max_file" ] && [ "$(cat "$conntrack_max_file")" -lt "$CONNTRACK_MAX" ]; then
  conntrack_was=$(cat "$conntrack_max_file")
  echo "$CONNTRACK_MAX" > "$conntrack_max_file"
  echo "nf_conntrack_max raised from $conntrack_was to $CONNTRACK_MAX for this run" >&2
fi
# Packets the conntrack table refused (its "drop" column, per CPU, in hex); 0 without conntrack.
conntrack_drops() {
  [ -r /proc/net/stat/nf_conntrack ] || { echo 0; return; }
  # mawk has no strtonum: the hex is read digit by digit.
  awk 'NR > 1 { n = 0; h = tolower($11); for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; sum += n }
       END { print sum + 0 }' /proc/net/stat/nf_conntrack
}

cleanup() {
  rm -f "$failures"
  for server in $available; do
    stop_server "$server"
    [ -n "${CGROUP[$server]}" ] && rmdir "${CGROUP[$server]}" 2>/dev/null || true
  done
  if [ -n "$conntrack_was" ]; then echo "$conntrack_was" > "$conntrack_max_file" || true; fi
}
trap cleanup EXIT

wait_port() { # port
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server did not listen on $1" >&2
  exit 1
}

start_server() { # name
  local port=${PORT_OF[$1]} out="target/bench/$1.out"
  set_quota "$QUOTA" "${CGROUP[$1]}"
  case "$1" in
    ws-echo)
      HTTP_PORT=$port INSTANCES=1 taskset -c "$SERVER_CPU" java -jar "$JAR" > "$out" 2>&1 &
      ;;
    ws-echo-nolog)
      HTTP_PORT=$port INSTANCES=1 LOG_MESSAGES=false taskset -c "$SERVER_CPU" java -jar "$JAR" > "$out" 2>&1 &
      ;;
    ws-echo-vertx)
      HTTP_PORT=$port INSTANCES=1 WEBSOCKET_ENGINE=vertx taskset -c "$SERVER_CPU" java -jar "$JAR" > "$out" 2>&1 &
      ;;
    bare-vertx)
      taskset -c "$SERVER_CPU" java -cp "$JAR:target/bench" BareVertxEcho "$port" > "$out" 2>&1 &
      ;;
    go-gorilla)
      taskset -c "$SERVER_CPU" target/bench/gorilla-echo -addr "127.0.0.1:$port" > "$out" 2>&1 &
      ;;
    node-ws)
      NODE_PATH=target/bench/node/node_modules taskset -c "$SERVER_CPU" node bench/node-ws-echo.js "$port" > "$out" 2>&1 &
      ;;
  esac
  PID[$1]=$!
  [ -n "${CGROUP[$1]}" ] && echo "${PID[$1]}" > "${CGROUP[$1]}/cgroup.procs"
  wait_port "$port"
}

# A full GC before reading RSS, for the JVM servers (jcmd's signal would stop a Go or Node process).
gc() { case "$1" in ws-echo*|bare-vertx) jcmd "${PID[$1]}" GC.run > /dev/null 2>&1 || true ;; esac; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/${PID[$1]}/status"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/${PID[$1]}/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; }   # user + system, in clock ticks
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# The load generator's own pauses would show as the server's latency: a large young generation keeps
# its collections rare and short.
# BENCH_LOG: where its full output goes (default: the run's log), for benches run at the same time.
bench() { # server args...
  local server=$1 status=0 to=${BENCH_LOG:-$log}
  shift
  echo "# $server: bench $*" >> "$to"
  taskset -c "$LOAD_CPU" java -XX:+UseParallelGC -Xms1g -Xmn600m -jar "$JAR" bench \
    --url "ws://127.0.0.1:${PORT_OF[$server]}/ws/echo" --warmup "$WARMUP" --duration "$DURATION" --quiet "$@" \
    | tee -a "$to" | awk '/^RESULT/' || status=$?
  # A failed handshake or a wrong echo does not stop the run (its figures are still wanted); it is
  # listed under the table and the run exits 1.
  if [ "$status" != 0 ]; then
    echo "$server: bench $* exited $status" >> "$failures"
  fi
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
# Server CPU us per message of an open-loop run: its ticks cover the run's warm-up too, so the
# messages measured are scaled up to the same span at the same rate.
cpu_per_message() { # ticks, messages measured, [the run's duration, default DURATION]
  local duration=${3:-$DURATION}
  awk -v t="$1" -v us="$TICK_US" -v n="$2" -v d="${duration%s}" -v w="${WARMUP%s}" \
    'BEGIN { if (n > 0) printf "%.1f", t * us / (n * (d + w) / d); else print "n/a" }'
}

# The loads: name, then the bench arguments.
LOADS=(
  "text64|--connections 100 --size 64 --window 16"
  "bin4k|--connections 50 --size 4096 --window 8 --binary"
  "bin256k|--connections 8 --size 262144 --window 2 --binary"
)

# R[server,cell] is a cell of the table; V[server,cell] collects its runs, space-separated.
declare -A R V
collect() { V[$1,$2]="${V[$1,$2]:-} $3"; }
# The servers in the order run N takes them: each run starts one further along, so no server is
# always the first to meet a load (after the previous load's last runs) or always the last.
in_turn() { # run
  local list=($available) n i
  n=${#list[@]}
  for ((i = 0; i < n; i++)); do echo "${list[$(( (i + $1 - 1) % n ))]}"; done
}
settle() { for server in $available; do R[$server,$1]=$(echo "${V[$server,$1]:-}" | median); done; }

echo "== starting:$available" | tee -a "$log"
for server in $available; do start_server "$server"; done

if [ -z "$ONLY_IDLE" ]; then
  # Warm-up, not measured, one server after the other: every load in both shapes, so each meets the
  # measured runs compiled. At half a core a JVM's compilers took 16-31% of its quota in the first
  # 20 s of a load and 1-4% after; a warm-up that skipped a shape left that compiling to the
  # measured runs of whichever server met it first.
  part=$(awk -v d="${SERVER_WARMUP%s}" 'BEGIN { printf "%.0fs", d / 7 }')
  for server in $available; do
    echo "== warm-up $server" | tee -a "$log"
    for load in "${LOADS[@]}"; do
      DURATION=$part WARMUP=0s bench "$server" ${load#*|} > /dev/null || true
      DURATION=$part WARMUP=0s bench "$server" ${load#*|} --write-per-message > /dev/null || true
    done
    DURATION=$part WARMUP=0s bench "$server" --handshakes --connections 16 > /dev/null || true
  done

  declare -A JIT_TICKS ALL_TICKS
  for run in $(seq 1 "$REPEAT"); do
    echo "== throughput, run $run of $REPEAT" | tee -a "$log"
    for load in "${LOADS[@]}"; do
      name=${load%%|*} args=${load#*|}
      for shape in c p; do
        extra=""; [ "$shape" = p ] && extra=--write-per-message
        for server in $(in_turn "$run"); do
          jit0=$(compiler_ticks "${PID[$server]}") all0=$(cpu_ticks "$server")
          collect "$server" "$name,$shape" "$(bench "$server" $args $extra | field msgs_per_s)"
          JIT_TICKS[$server]=$(( ${JIT_TICKS[$server]:-0} + $(compiler_ticks "${PID[$server]}") - jit0 ))
          ALL_TICKS[$server]=$(( ${ALL_TICKS[$server]:-0} + $(cpu_ticks "$server") - all0 ))
        done
      done
    done
  done
  for server in $available; do
    R[$server,jit]=$(awk -v j="${JIT_TICKS[$server]}" -v a="${ALL_TICKS[$server]}" 'BEGIN { if (a > 0) printf "%.1f%%", 100 * j / a; else print "n/a" }')
  done
  for load in "${LOADS[@]}"; do settle "${load%%|*},c"; settle "${load%%|*},p"; done
  for server in $available; do R[$server,peak]=$(( $(peak_kib "$server") / 1024 )); done
fi

if [ -n "$ONLY_IDLE" ] || [ -n "$ONLY_THROUGHPUT" ]; then
  for server in $available; do
    R[$server,hs]=skipped R[$server,hs64]=skipped R[$server,hscpu]=skipped R[$server,p99]=skipped R[$server,p999]=skipped R[$server,cpu]=skipped
  done
else
  # Handshakes, 16 and 64 loops. The server's CPU per handshake (64 loops, whole run incl. warm-up)
  # does not depend on how fast the load generator is.
  drops_before=$(conntrack_drops)
  for run in $(seq 1 "$REPEAT"); do
    echo "== handshakes, run $run of $REPEAT" | tee -a "$log"
    for server in $(in_turn "$run"); do
      collect "$server" hs "$(WARMUP=$HS_WARMUP bench "$server" --handshakes --connections 16 | field handshakes_per_s)"
    done
    for server in $(in_turn "$run"); do
      before=$(cpu_ticks "$server")
      result=$(WARMUP=$HS_WARMUP bench "$server" --handshakes --connections 64)
      after=$(cpu_ticks "$server")
      collect "$server" hs64 "$(echo "$result" | field handshakes_per_s)"
      collect "$server" hscpu "$(awk -v t=$((after - before)) -v us="$TICK_US" -v n="$(echo "$result" | field total)" \
        'BEGIN { if (n > 0) printf "%.0f", t * us / n; else print "n/a" }')"
    done
  done
  settle hs; settle hs64; settle hscpu
  hs_conntrack_drops=$(( $(conntrack_drops) - drops_before ))

  # Open loop at a fixed rate, one write per message, the quota lifted: latency and CPU per message.
  for run in $(seq 1 "$REPEAT"); do
    echo "== open loop at $RATE msg/s, run $run of $REPEAT" | tee -a "$log"
    for server in $(in_turn "$run"); do
      set_quota none "${CGROUP[$server]}"
      before=$(cpu_ticks "$server")
      result=$(bench "$server" --connections 100 --size 64 --window 16 --rate "$RATE")
      after=$(cpu_ticks "$server")
      set_quota "$QUOTA" "${CGROUP[$server]}"
      collect "$server" p99 "$(echo "$result" | field p99_ms)"
      collect "$server" p999 "$(echo "$result" | field p999_ms)"
      collect "$server" cpu "$(cpu_per_message $((after - before)) "$(echo "$result" | field messages)")"
    done
  done
  settle p99; settle p999; settle cpu

  # The message log's own CPU: ws-echo and ws-echo-nolog under the same open-loop load at the same
  # time, both on CPU 0 without a quota, each from its own load generator. One server after the
  # other (above), their ratio moved from 0.77 to 1.46 between runs seconds apart, far more than the
  # 2% a profile gives the log; loaded together they meet the same machine, and the ratio is the log's.
  # 8 s runs still spread it 0.89-1.14 (two load generators share CPU 1); 20 s runs, 1.00-1.03.
  if has ws-echo ws-echo-nolog; then
    declare -A ticks0 output load_pid
    for run in $(seq 1 "$REPEAT"); do
      echo "== message log on and off at once, $RATE msg/s each, run $run of $REPEAT" | tee -a "$log"
      for server in ws-echo ws-echo-nolog; do
        set_quota none "${CGROUP[$server]}"
        output[$server]=$(mktemp)
        ticks0[$server]=$(cpu_ticks "$server")
      done
      for server in ws-echo ws-echo-nolog; do
        DURATION=$LOG_COST_DURATION BENCH_LOG=${output[$server]} bench "$server" --connections 100 --size 64 --window 16 --rate "$RATE" > /dev/null &
        load_pid[$server]=$!
      done
      wait "${load_pid[ws-echo]}" "${load_pid[ws-echo-nolog]}" || true
      for server in ws-echo ws-echo-nolog; do
        set_quota "$QUOTA" "${CGROUP[$server]}"
        messages=$(awk '/^RESULT/' "${output[$server]}" | field messages)
        collect "$server" cpuboth "$(cpu_per_message $(( $(cpu_ticks "$server") - ${ticks0[$server]} )) "$messages" "$LOG_COST_DURATION")"
        collect "$server" rateboth "$(awk -v n="$messages" -v d="${LOG_COST_DURATION%s}" 'BEGIN { printf "%.0f", n / d }')"
        cat "${output[$server]}" >> "$log"
        rm -f "${output[$server]}"
      done
    done
    settle cpuboth; settle rateboth
  fi
fi

if [ -n "$LONG" ] && [ -z "$ONLY_IDLE" ]; then
  for server in $available; do
    [[ " $LONG_SERVERS " == *" $server "* ]] || continue
    echo "== $LONG of load: $server" | tee -a "$log"
    gc "$server"
    R[$server,long0]=$(( $(rss_kib "$server") / 1024 ))
    DURATION=$LONG bench "$server" --connections 100 --size 64 --window 16 --write-per-message > /dev/null
    gc "$server"
    R[$server,long1]=$(( $(rss_kib "$server") / 1024 ))
  done
fi
for server in $available; do stop_server "$server"; done

# Idle memory: one freshly started server at a time.
for server in $available; do
  if [ -n "$ONLY_THROUGHPUT" ]; then
    R[$server,idle]=skipped
    continue
  fi
  echo "== idle connections: $server" | tee -a "$log"
  start_server "$server"
  idle() { # count hold
    taskset -c "$LOAD_CPU" java -jar "$JAR" bench --url "ws://127.0.0.1:${PORT_OF[$server]}/ws/echo" \
      --idle "$1" --duration "$2" --quiet > target/bench/idle.out 2>&1 &
    idle_pid=$!
  }
  # Warm-up: a round of as many handshakes first (JIT, and every heap page those handshakes
  # touch), so the figure below is what open connections keep, not what their handshakes touched.
  idle "$IDLE" 1s; wait "$idle_pid" || true
  gc "$server"
  sleep 1
  before=$(rss_kib "$server")
  idle "$IDLE" 15s
  # Sample the server's RSS once every connection is open and has echoed once.
  for _ in $(seq 1 900); do grep -q "RESULT mode=idle " target/bench/idle.out && break; sleep 0.1; done
  gc "$server"
  sleep 2
  after=$(rss_kib "$server")
  wait "$idle_pid" || true
  cat target/bench/idle.out >> "$log"
  opened=$(awk '/^RESULT mode=idle / {print}' target/bench/idle.out | field opened)
  R[$server,idle]=$(awk -v a="$after" -v b="$before" -v n="${opened:-0}" 'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "n/a" }')
  stop_server "$server"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }
# One target: what, the figure (a ratio of medians such as 1.07x, or a value), the paired median or
# "", >= or <=, the mark. Met only when the figure and the paired median both meet it.
verdict() {
  awk -v w="$1" -v r="$2" -v p="$3" -v op="$4" -v m="$5" '
    function meets(x) { return x != "" && x != "n/a" && (op == ">=" ? x + 0 >= m + 0 : x + 0 <= m + 0) }
    BEGIN {
      v = r; sub(/x$/, "", v)
      if (v == "" || v == "n/a") { printf "- %s: not measured\n", w; exit }
      a = meets(v); b = p == "" || meets(p)
      s = a && b ? "met" : a ? "met by the medians, not paired" : b && p != "" ? "met paired, not by the medians" : "not met"
      printf "- %s: %s%s (mark %s %s): %s\n", w, r, p == "" ? "" : ", paired " p, op, m, s }'
}
# A target on one cell, ws-echo against a base server: the ratio of their medians and the paired median.
against() { # what, cell, base, >= or <=, mark
  verdict "$1, ws-echo / $3" "$(ratio "${R[ws-echo,$2]:-}" "${R[$3,$2]:-}")" \
    "$(paired_median "${V[ws-echo,$2]:-}" "${V[$3,$2]:-}")" "$4" "$5"
}
label() {
  case "$1" in
    ws-echo) echo "ws-echo, defaults (message log on, to a file)" ;;
    ws-echo-nolog) echo "ws-echo, LOG_MESSAGES=false" ;;
    ws-echo-vertx) echo "ws-echo, WEBSOCKET_ENGINE=vertx (message log on)" ;;
    bare-vertx) echo "bare Vert.x 5.0.7 echo, no logging" ;;
    go-gorilla) echo "Go gorilla/websocket, original design (logs each message, to a file)" ;;
    node-ws) echo "Node ws 8, no logging" ;;
  esac
}
row() { # server: the cells of one line
  local s=$1
  echo "| $(label "$s") | ${R[$s,text64,c]:-} | ${R[$s,text64,p]:-} | ${R[$s,bin4k,c]:-} | ${R[$s,bin4k,p]:-} | ${R[$s,bin256k,c]:-} | ${R[$s,bin256k,p]:-} | ${R[$s,hs]:-} / ${R[$s,hs64]:-} | ${R[$s,hscpu]:-} | ${R[$s,p99]:-} / ${R[$s,p999]:-} | ${R[$s,cpu]:-} | ${R[$s,peak]:-} MiB | ${R[$s,idle]:-} KiB |"
}
ratio_row() { # server base
  local s=$1 b=$2
  echo "| ws-echo / $b | $(ratio "${R[$s,text64,c]:-}" "${R[$b,text64,c]:-}") | $(ratio "${R[$s,text64,p]:-}" "${R[$b,text64,p]:-}") | $(ratio "${R[$s,bin4k,c]:-}" "${R[$b,bin4k,c]:-}") | $(ratio "${R[$s,bin4k,p]:-}" "${R[$b,bin4k,p]:-}") | $(ratio "${R[$s,bin256k,c]:-}" "${R[$b,bin256k,c]:-}") | $(ratio "${R[$s,bin256k,p]:-}" "${R[$b,bin256k,p]:-}") | $(ratio "${R[$s,hs]:-}" "${R[$b,hs]:-}") / $(ratio "${R[$s,hs64]:-}" "${R[$b,hs64]:-}") | $(ratio "${R[$s,hscpu]:-}" "${R[$b,hscpu]:-}") | $(ratio "${R[$s,p99]:-}" "${R[$b,p99]:-}") | $(ratio "${R[$s,cpu]:-}" "${R[$b,cpu]:-}") | $(ratio "${R[$s,peak]:-}" "${R[$b,peak]:-}") | $(ratio "${R[$s,idle]:-}" "${R[$b,idle]:-}") |"
}
{
  echo "### Side by side $(date -u +%Y-%m-%d): $(nproc) cores, each server on CPU $SERVER_CPU at ${QUOTA}% quota, load generator on CPU $LOAD_CPU"
  echo
  echo "msg/s in two load shapes: **c** = coalesced (frames share TCP writes), **p** = one TCP write per message."
  echo
  echo "| server | 64 B c | 64 B p | 4 KiB c | 4 KiB p | 256 KiB c | 256 KiB p | handshakes/s, 16 / 64 loops | server CPU us/handshake | p99 / p99.9 ms at $RATE msg/s | server CPU us/msg at $RATE msg/s | peak RSS | RSS per idle conn. |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for server in $available; do row "$server"; done
  if has ws-echo; then
    for base in $available; do
      [ "$base" = ws-echo ] || ratio_row ws-echo "$base"
    done
  fi
  echo
  echo "Loads: 100 connections x 16 in flight (64 B text), 50 x 8 (4 KiB binary), 8 x 2 (256 KiB binary); every echo"
  echo "verified byte for byte by the load generator (java -jar ws-echo.jar bench). Each server first ran every load"
  echo "in both shapes and handshakes, $SERVER_WARMUP in all (not measured). Handshakes: connect, one echo, close (the server closes TCP), 16 or 64"
  echo "loops at once from 500 source addresses, after a $HS_WARMUP warm-up; CPU per handshake from /proc over the whole"
  echo "64-loop run. Packets dropped by a full conntrack table during the handshake runs: ${hs_conntrack_drops:-n/a}${conntrack_was:+ (nf_conntrack_max raised from $conntrack_was to $CONNTRACK_MAX for the run)}."
  echo "Latency and CPU: open"
  echo "loop at $RATE msg/s (64 B, 100 connections, one write per message) with the quota lifted; CPU is the"
  echo "server process's user + system time from /proc divided by the messages echoed."
  if [ -n "${R[ws-echo,cpuboth]:-}" ]; then
    echo "The message log's cost: ws-echo and ws-echo-nolog under that load at the same time (CPU 0, no quota, a load"
    echo "generator each), $REPEAT runs of $LOG_COST_DURATION: ws-echo ${R[ws-echo,cpuboth]}, ws-echo-nolog ${R[ws-echo-nolog,cpuboth]} us/msg"
    echo "(at ${R[ws-echo,rateboth]} and ${R[ws-echo-nolog,rateboth]} msg/s: a load generator that cannot keep up lowers its own rate)."
  fi
  echo "Idle: RSS growth per open"
  echo "connection ($IDLE opened) after a warm-up round of as many and a GC (Go and Node: no GC request)."
  echo "Every cell is the median of $REPEAT runs of $DURATION (after $WARMUP each). All servers ran at once, each"
  echo "on its own port and under its own quota, and took turns: run 1 of a load against every server, then run 2..."
  echo "(each run starting one server further along)."
  jit_line=""
  for server in $available; do
    case "$server" in ws-echo*|bare-vertx) jit_line="$jit_line, $server ${R[$server,jit]:-n/a}" ;; esac
  done
  [ -n "$jit_line" ] && echo "JIT compiler threads' share of each JVM server's CPU in the measured throughput runs: ${jit_line#, }."
  # The ratios that the targets are about, run by run: noise that moves the whole machine moves both.
  pairs=""
  if has ws-echo ws-echo-nolog && [ -n "${V[ws-echo,cpu]:-}" ]; then
    pairs="$pairs; CPU per message at $RATE msg/s, ws-echo / ws-echo-nolog: $(paired "${V[ws-echo,cpu]}" "${V[ws-echo-nolog,cpu]}"), loaded at once: $(paired "${V[ws-echo,cpuboth]}" "${V[ws-echo-nolog,cpuboth]}")"
  fi
  # msg/s: within a run the servers take the same load one after the other, seconds apart.
  for other in bare-vertx go-gorilla; do
    if has ws-echo "$other" && [ -n "${V[ws-echo,text64,c]:-}" ]; then
      cells=""
      for load in "${LOADS[@]}"; do
        for shape in c p; do
          cells="$cells, ${load%%|*} $shape $(paired "${V[ws-echo,${load%%|*},$shape]}" "${V[$other,${load%%|*},$shape]}")"
        done
      done
      pairs="$pairs; msg/s, ws-echo / $other: ${cells#, }"
    fi
  done
  if has ws-echo bare-vertx && [ -n "${V[ws-echo,hs]:-}" ]; then
    pairs="$pairs; ws-echo / bare-vertx: handshakes/s, 16 loops $(paired "${V[ws-echo,hs]}" "${V[bare-vertx,hs]}"), 64 loops $(paired "${V[ws-echo,hs64]}" "${V[bare-vertx,hs64]}"), CPU per handshake $(paired "${V[ws-echo,hscpu]}" "${V[bare-vertx,hscpu]}")"
  fi
  [ -n "$pairs" ] && echo "Paired by run (run i of one server over run i of the other; then their median): ${pairs#; }."
  if [ -n "$LONG" ]; then
    echo
    echo "RSS after a GC, before and after a further $LONG of the 64 B per-message load:"
    for server in $available; do
      [ -n "${R[$server,long0]:-}" ] && echo "- $(label "$server"): ${R[$server,long0]} MiB, then ${R[$server,long1]} MiB"
    done
  fi
  if has ws-echo; then
    echo
    echo "Targets (issue 9), from this run: the ratio of the medians above, the paired median beside it; \"met\" when both meet the mark."
    if [ -z "$ONLY_IDLE" ]; then
      for other in bare-vertx go-gorilla; do
        has "$other" || continue
        mark=0.95; [ "$other" = go-gorilla ] && mark=1.3
        for load in "${LOADS[@]}"; do
          for shape in c p; do against "msg/s ${load%%|*} $shape" "${load%%|*},$shape" "$other" ">=" "$mark"; done
        done
      done
      has bare-vertx && verdict "peak RSS, ws-echo / bare-vertx" "$(ratio "${R[ws-echo,peak]:-}" "${R[bare-vertx,peak]:-}")" "" "<=" 1.2
    fi
    if [ -z "$ONLY_IDLE" ] && [ -z "$ONLY_THROUGHPUT" ]; then
      if has bare-vertx; then
        against "handshakes/s 16 loops" hs bare-vertx ">=" 1.0
        against "handshakes/s 64 loops" hs64 bare-vertx ">=" 1.0
      fi
      has go-gorilla && against "p99 at $RATE msg/s" p99 go-gorilla "<=" 1.0
      if has ws-echo-nolog; then
        against "CPU per message at $RATE msg/s, both loaded at once" cpuboth ws-echo-nolog "<=" 1.05
        echo "  (one after the other, in the table: $(ratio "${R[ws-echo,cpu]:-}" "${R[ws-echo-nolog,cpu]:-}"), paired $(paired_median "${V[ws-echo,cpu]:-}" "${V[ws-echo-nolog,cpu]:-}"); there the machine's drift between runs is larger than the mark)"
      fi
    fi
    [ -n "$ONLY_THROUGHPUT" ] || verdict "RSS per idle connection, ws-echo, KiB" "${R[ws-echo,idle]:-}" "" "<=" 10
    [ -n "$LONG" ] && verdict "RSS after $LONG of load over before, ws-echo" "$(ratio "${R[ws-echo,long1]:-}" "${R[ws-echo,long0]:-}")" "" "<=" 1.05
    if [ -s "$failures" ]; then echo "- zero failed handshakes and echo errors: not met (listed below)"
    else echo "- zero failed handshakes and echo errors: met"; fi
  fi
  echo
  echo "Command: DURATION=$DURATION REPEAT=$REPEAT SERVER_WARMUP=$SERVER_WARMUP QUOTA=$QUOTA RATE=$RATE LOG_COST_DURATION=$LOG_COST_DURATION${LONG:+ LONG=$LONG LONG_SERVERS=\"$LONG_SERVERS\"} SERVERS=\"$SERVERS\" bench/run.sh"
  if [ -s "$failures" ]; then
    echo
    echo "**Runs with failed handshakes or echo errors** (details in $log: the failed lines under each bench):"
    sed 's/^/- /' "$failures"
  fi
} | tee "$OUT/$stamp.md"
if [ -s "$failures" ]; then
  rm -f "$failures"
  exit 1
fi
rm -f "$failures"
