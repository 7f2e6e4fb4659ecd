#!/usr/bin/env bash
# Cluster mode against single-node mode on this machine (issue: the clustered event bus).
#   single:   java -jar target/ws-echo.jar, defaults (roles echo,logger: it prints its own lines)
#   cluster:  the same jar with ROLES=echo, clustered (Hazelcast, TCP-IP over loopback) with a
#             ROLES=logger node that prints the lines
# Both with message logging on as shipped (log.maxLinesPerSecond 1000), INSTANCES=1, the echo
# server on CPU 0 under a CPU quota (QUOTA, default 50% of the core, as bench/run.sh: the server,
# not the load generator, is then what limits the throughput), the load generator on CPU 1. The
# logger node stands for one on another machine: it runs on CPU 1 at nice 19, so that it takes what
# the load generator leaves rather than slowing the load (LOGGER_NICE=0 to see it compete). Throughput: 64 B text x100 connections in both load
# shapes (one TCP write per message, and writes shared), 4 KiB binary x50 one write per message.
# Both echo servers run at once (own port, own cgroup and quota, both on CPU 0), each first runs
# every load for WARM (20 s) unmeasured, and then the rounds take turns (each round starting with
# the other one): at half a core a JVM's JIT compilers took 16-31% of its quota in the first 20 s
# of a load, so a server restarted per round with a short warm-up measured its compiler (the
# earlier version of this script: 0.90x and 1.52x in one run). Median of RUNS (5) rounds of 8 s.
# Then, with the quota lifted, the echo server's own CPU per message at a fixed 20,000 msg/s (64 B, 100 connections, one
# write per message, 10 s; from /proc/PID/stat), the cleanest measure of what clustering costs it.
# Start: JVM start to listening, from the start line, median of 5 (the clustered one joins the
# running logger). Idle: RSS 5 s after start with no client, and CPU over the next 5 s.
# Prints a Markdown table, each round's figures, and the per-round ratios of the two (same round).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=target/ws-echo.jar
port=18700; logger_http=18701; echo_member=18710; logger_member=18720
runs=${RUNS:-5}
QUOTA=${QUOTA:-50}
. bench/cgroup.sh
. bench/stats.sh
setup_cgroup
[ -f target/cluster/hazelcast.jar ] || { echo "bench/cluster.sh: run mvn package first (target/cluster/)" >&2; exit 1; }
for p in $port $logger_http $((port + 2)) $echo_member $((echo_member+1)) $logger_member $((logger_member+1)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "bench/cluster.sh: port $p is taken" >&2; exit 1; fi
done
members="127.0.0.1:$logger_member,127.0.0.1:$echo_member"
cluster_env=(CLUSTER_ENABLED=true CLUSTER_HOST=127.0.0.1 CLUSTER_MEMBERS=$members)

load() { # warm-up, extra bench arguments (a later --duration wins): prints msg/s
  taskset -c 1 java -jar "$jar" bench --url "ws://127.0.0.1:$port/ws/echo" --duration 8s --warmup "$1" --quiet "${@:2}" 2>/dev/null \
    | grep '^RESULT' | sed 's/.*msgs_per_s=\([0-9]*\).*/\1/'
}
wait_line() { for _ in $(seq 1 600); do grep -q "started in" "$1" && return 0; sleep 0.05; done; cat "$1" >&2; return 1; }

pid=; logger_pid=
start_server() { # single | cluster; $port, and $server_log (default /tmp/bench-cluster-server.log)
  local out=${server_log:-/tmp/bench-cluster-server.log}
  if [ "$1" = single ]; then
    taskset -c 0 env HTTP_PORT=$port INSTANCES=1 java -Xmx384m -jar "$jar" > "$out" 2>&1 & pid=$!
  else
    taskset -c 0 env HTTP_PORT=$port INSTANCES=1 ROLES=echo "${cluster_env[@]}" CLUSTER_PORT=$echo_member \
      CLUSTER_EVENT_BUS_PORT=$((echo_member+1)) java -Xmx384m -jar "$jar" > "$out" 2>&1 & pid=$!
  fi
  wait_line "$out"
  if [ -n "$cgroup" ]; then echo "$pid" > "$cgroup/cgroup.procs"; fi
}
stop_server() { kill "$pid"; wait "$pid" || true; pid=; }
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$logger_pid" ]; then kill "$logger_pid" 2>/dev/null || true; wait "$logger_pid" 2>/dev/null || true; fi
  if [ -n "$cgroup" ]; then rmdir "$cgroup" 2>/dev/null || true; fi
}
trap cleanup EXIT

taskset -c 1 nice -n "${LOGGER_NICE:-19}" env HTTP_PORT=$logger_http ROLES=logger "${cluster_env[@]}" CLUSTER_PORT=$logger_member \
  CLUSTER_EVENT_BUS_PORT=$((logger_member+1)) java -Xmx256m -jar "$jar" > /tmp/bench-cluster-logger.log 2>&1 & logger_pid=$!
wait_line /tmp/bench-cluster-logger.log

servers=(single cluster)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in 1/100 s
declare -A start rss idle text coalesced binary cpu
for server in "${servers[@]}"; do
  starts=(); rsss=(); idles=()
  for i in $(seq 1 5); do
    start_server "$server"
    starts+=($(grep -aoE 'started in [0-9]+' /tmp/bench-cluster-server.log | grep -oE '[0-9]+'))
    sleep 5
    rsss+=($(( $(ps -o rss= -p "$pid") / 1024 )))
    t0=$(ticks "$pid"); sleep 5; idles+=($(( $(ticks "$pid") - t0 ))) # 1/100 s in 5 s: /5 = % of a core
    stop_server
  done
  start[$server]=$(printf '%s\n' "${starts[@]}" | median)
  rss[$server]=$(printf '%s\n' "${rsss[@]}" | median)
  idle[$server]=$(printf '%s\n' "${idles[@]}" | median | awk '{printf "%.1f", $1 / 5}')
done

# Throughput and CPU per message: both servers at once, each in its own cgroup, taking turns.
default_group=$cgroup
declare -A port_of=([single]=$port [cluster]=$((port + 2))) pid_of group_of
for server in "${servers[@]}"; do
  port=${port_of[$server]} server_log=/tmp/bench-cluster-$server.log start_server "$server"
  pid_of[$server]=$pid; pid=
  setup_cgroup "wsecho-cluster-$server"
  group_of[$server]=$cgroup
  if [ -n "$cgroup" ]; then echo "${pid_of[$server]}" > "$cgroup/cgroup.procs"; fi
  set_quota "$QUOTA" "$cgroup"
done
cgroup=$default_group
cleanup_both() {
  for server in "${servers[@]}"; do
    if [ -n "${pid_of[$server]:-}" ]; then kill "${pid_of[$server]}" 2>/dev/null || true; wait "${pid_of[$server]}" 2>/dev/null || true; fi
    if [ -n "${group_of[$server]:-}" ]; then rmdir "${group_of[$server]}" 2>/dev/null || true; fi
  done
  cleanup
}
trap cleanup_both EXIT
loads=("--connections 100 --size 64 --window 16 --write-per-message" "--connections 100 --size 64 --window 16"
  "--connections 50 --size 4096 --window 8 --binary --write-per-message")
for server in "${servers[@]}"; do
  for l in "${loads[@]}"; do port=${port_of[$server]} load 0s --duration "${WARM:-20}s" $l > /dev/null; done
done
declare -A texts coalesceds binaries cpus jit_ticks all_ticks
before=$(grep -c ' sent: ' /tmp/bench-cluster-logger.log || true)
for r in $(seq 1 $runs); do
  order=("${servers[@]}"); [ $((r % 2)) = 0 ] && order=(cluster single)
  for server in "${order[@]}"; do
    p=${port_of[$server]} id=${pid_of[$server]}
    j0=$(compiler_ticks "$id") a0=$(ticks "$id")
    texts[$server]+="$(port=$p load 2s ${loads[0]}) "
    coalesceds[$server]+="$(port=$p load 2s ${loads[1]}) "
    binaries[$server]+="$(port=$p load 2s ${loads[2]}) "
    jit_ticks[$server]=$(( ${jit_ticks[$server]:-0} + $(compiler_ticks "$id") - j0 ))
    all_ticks[$server]=$(( ${all_ticks[$server]:-0} + $(ticks "$id") - a0 ))
  done
done
# The fixed-rate CPU runs after all the throughput rounds, taking turns too: inside the rounds, the
# server starting the next round met its load straight after one (the 15:30 run's lowest ratios).
for r in $(seq 1 $runs); do
  order=("${servers[@]}"); [ $((r % 2)) = 0 ] && order=(cluster single)
  for server in "${order[@]}"; do
    id=${pid_of[$server]}
    set_quota none "${group_of[$server]}"
    t0=$(ticks "$id")
    done_msgs=$(taskset -c 1 java -jar "$jar" bench --url "ws://127.0.0.1:${port_of[$server]}/ws/echo" --connections 100 --size 64 --rate 20000 \
      --write-per-message --duration 10s --warmup 0s --quiet 2>/dev/null | grep '^RESULT' | sed 's/.* messages=\([0-9]*\).*/\1/')
    cpus[$server]+="$(awk -v t=$(( $(ticks "$id") - t0 )) -v n="$done_msgs" 'BEGIN {printf "%.1f", t * 10000 / n}') "
    set_quota "$QUOTA" "${group_of[$server]}"
  done
done
printed=$(( $(grep -c ' sent: ' /tmp/bench-cluster-logger.log || true) - before ))
for server in "${servers[@]}"; do
  text[$server]=$(printf '%s\n' ${texts[$server]} | median)
  coalesced[$server]=$(printf '%s\n' ${coalesceds[$server]} | median)
  binary[$server]=$(printf '%s\n' ${binaries[$server]} | median)
  cpu[$server]=$(printf '%s\n' ${cpus[$server]} | median)
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
echo "| mode | JVM start to listening (ms) | idle RSS (MiB) | idle CPU (% of a core) | 64 B text, one write per message | 64 B text, writes shared | 4 KiB binary, one write per message | server CPU per message at 20k msg/s (us) |"
echo "|---|---|---|---|---|---|---|---|"
echo "| single node (java -jar, defaults) | ${start[single]} | ${rss[single]} | ${idle[single]} | ${text[single]} | ${coalesced[single]} | ${binary[single]} | ${cpu[single]} |"
echo "| echo-only node, remote logger | ${start[cluster]} | ${rss[cluster]} | ${idle[cluster]} | ${text[cluster]} | ${coalesced[cluster]} | ${binary[cluster]} | ${cpu[cluster]} |"
echo "| cluster / single | | | | $(ratio "${text[cluster]}" "${text[single]}") | $(ratio "${coalesced[cluster]}" "${coalesced[single]}") | $(ratio "${binary[cluster]}" "${binary[single]}") | $(ratio "${cpu[cluster]}" "${cpu[single]}") |"
echo
share() { awk -v j="${jit_ticks[$1]}" -v a="${all_ticks[$1]}" 'BEGIN { if (a > 0) printf "%.1f%%", 100 * j / a; else print "n/a" }'; }
echo "msg/s, median of $runs rounds taking turns after ${WARM:-20} s of every load, both echo servers at $QUOTA% of CPU 0 (logger node at nice ${LOGGER_NICE:-19}). JIT compilers' share of the server's CPU in the measured runs: single $(share single), cluster $(share cluster). The logger node printed $printed lines during the cluster runs (log.maxLinesPerSecond caps them)."
echo
echo "Each run, in round order (msg/s; us per message):"
for server in "${servers[@]}"; do
  echo "- $server: 64 B per message ${texts[$server]}/ 64 B shared ${coalesceds[$server]}/ 4 KiB per message ${binaries[$server]}/ CPU ${cpus[$server]}"
done
# The same round's figures side by side (paired(), bench/stats.sh): the machine's drift moves both alike.
echo
echo "Paired per-round ratios (cluster / single, same round): 64 B per message $(paired "${texts[cluster]}" "${texts[single]}");" \
  "64 B shared $(paired "${coalesceds[cluster]}" "${coalesceds[single]}"); 4 KiB $(paired "${binaries[cluster]}" "${binaries[single]}");" \
  "CPU per message $(paired "${cpus[cluster]}" "${cpus[single]}")."
