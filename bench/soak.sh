#!/usr/bin/env bash
# A soak with a picture: the fat jar under mixed traffic for DURATION (default 10m), all at once:
#   small text (50 conns, one write per message, 4,000 msg/s), large text (64 KiB), binary (16 KiB),
#   compressed text (permessage-deflate), handshake churn, 2,000 idle connections pinged every 5 s,
#   and 20 slow readers of 1 MiB binary echoes at 10 KiB/s.
# Every 10 s it samples the server's RSS, heap after GC (old generation and survivors), open files, threads, echoes/s, bytes held
# for clients, and the small-text clients' p99, into target/soak/<stamp>.csv and a PNG chart
# (gnuplot, installed from Debian if missing). It ends with one line: RSS drift after the warm-up,
# file descriptors against the start, errors. A script that prints figures: it asserts nothing.
#
#   bench/soak.sh [duration]          e.g. bench/soak.sh 10m, bench/soak.sh 90s
#   JAVA_OPTS=-Xmx384m (default: the heap the Kubernetes manifests give), PORT=18100
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10m}
PORT=${PORT:-18100}
JAVA_OPTS=${JAVA_OPTS:--Xmx384m}
WARM=${WARM:-120}  # seconds before the RSS baseline: G1 gave back ~150 MiB of its start-up heap at ~90 s here
case "$DURATION" in
  *m) seconds=$(( ${DURATION%m} * 60 )) ;;
  *s) seconds=${DURATION%s} ;;
  *) seconds=$DURATION ;;
esac
if [ "$seconds" -le $((WARM + 20)) ]; then WARM=$((seconds / 4)); fi
if ! command -v gnuplot > /dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q gnuplot-nox || (apt-get update -q && apt-get install -y -q gnuplot-nox)) > /dev/null 2>&1 || true
  fi
fi
[ -f target/ws-echo.jar ] || mvn -B -q -DskipTests package
out=target/soak
mkdir -p "$out"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
csv="$out/$stamp.csv" png="$out/$stamp.png" log="$out/$stamp.log"
: > "$log"
cp target/ws-echo.jar "$out/ws-echo.jar"
JAR="$out/ws-echo.jar"

# Pings every 5 s for the idle connections. The slow readers take 100 s per 1 MiB echo, and the
# server cannot see a client reading what the kernel holds: the idle timeout is 10 minutes here.
HTTP_PORT=$PORT WEBSOCKET_PING_INTERVAL_MS=5000 WEBSOCKET_IDLE_TIMEOUT_MS=600000 java $JAVA_OPTS -jar "$JAR" \
  > "$out/server.out" 2>&1 &
server=$!
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  kill "$server" 2> /dev/null || true
  wait "$server" 2> /dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" > /dev/null 2>&1 && break
  sleep 0.2
done
fds_at_start=$(ls /proc/$server/fd | wc -l)

load() { # name, then bench arguments
  local name=$1
  shift
  java -Xmx512m -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/ws/echo" --duration "${seconds}s" --warmup 0s "$@" \
    > "$out/load-$name.out" 2>&1 &
  pids+=($!)
}
load small-text --connections 50 --size 64 --window 2 --rate 4000 --write-per-message
load large-text --connections 4 --size 65536 --window 1 --rate 40 --quiet
load binary --connections 8 --size 16384 --binary --window 2 --rate 400 --quiet
load deflate --connections 8 --size 4096 --window 2 --rate 400 --deflate --quiet
load churn --handshakes --connections 2 --quiet
load idle --idle 2000 --quiet
load slow --slow-read 10240 --connections 20 --size 1048576 --quiet

# The sampler: one row every 10 s while the loads run.
python3 - "$server" "$PORT" "$seconds" "$csv" "$out/load-small-text.out" <<'EOF' &
import re, sys, time, urllib.request, os
pid, port, seconds, csv, small = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
def metrics():
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith('#'):
            continue
        name, _, value = line.rpartition(' ')
        try:
            values[name] = float(value)
        except ValueError:
            pass
    return values
def total(values, prefix):
    return sum(v for k, v in values.items() if k == prefix or k.startswith(prefix + '{'))
def status(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ':'):
            return int(line.split()[1])
    return 0
def p99_last(window):
    try:
        lines = open(small).read().splitlines()[-window:]
    except OSError:
        return float('nan')
    values = [float(m.group(1)) for l in lines for m in [re.search(r'p99 +([0-9.]+) ms', l)] if m]
    return max(values) if values else float('nan')
start = time.time()
last = None
with open(csv, 'w') as f:
    f.write('t_s,rss_mib,heap_old_and_survivor_mib,open_files,threads,echoes_per_s,buffered_kib,connections,small_text_p99_ms\n')
    while time.time() - start < seconds:
        time.sleep(10)
        try:
            m = metrics()
        except Exception:
            continue
        echoed = total(m, 'wsecho_messages_echoed_total')
        now = time.time()
        rate = (echoed - last[1]) / (now - last[0]) if last else float('nan')
        last = (now, echoed)
        # What survives collection: old generation and survivor space (eden is empty after each GC).
        heap = sum(v for k, v in m.items() if k.startswith('jvm_memory_used_bytes{')
                   and 'area="heap"' in k and ('Old Gen' in k or 'Survivor' in k)) / 2**20
        f.write('%.0f,%.1f,%.1f,%d,%d,%.0f,%.0f,%d,%.2f\n' % (now - start, status('VmRSS') / 1024, heap,
                len(os.listdir(f'/proc/{pid}/fd')), status('Threads'), rate,
                total(m, 'wsecho_buffered_bytes') / 1024, total(m, 'wsecho_connections_open'), p99_last(10)))
        f.flush()
EOF
sampler=$!
wait "$sampler" || true
for pid in "${pids[@]}"; do wait "$pid" || true; done
pids=()
sleep 5   # connections closed by the loads' ends are gone, and TIME_WAIT is the kernel's, not the server's
fds_at_end=$(ls /proc/$server/fd | wc -l)
for f in "$out"/load-*.out; do echo "== $f"; grep RESULT "$f" || echo "(no result)"; done >> "$log"

errors=$(cat "$out"/load-*.out | grep -h '^RESULT' | grep -oE '(errors|mismatches|failed)=[0-9]+' | awk -F= '{ s += $2 } END { print s + 0 }')
missing=$(grep -L '^RESULT' "$out"/load-*.out | wc -l)
server_errors=$(grep -cE ' ERROR |Exception|OutOfMemoryError' "$out/server.out" || true)
read -r rss0 rss1 < <(awk -F, -v w="$WARM" 'NR > 1 && $1 >= w && !a { a = $2 } NR > 1 { b = $2 } END { print a, b }' "$csv")
drift=$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { if (a > 0) printf "%+.1f%%", (b - a) * 100 / a; else print "n/a" }')

if command -v gnuplot > /dev/null; then
  gnuplot <<EOF
set terminal png size 1200,900 font ",10" noenhanced
set output "$png"
set datafile separator ","
set key autotitle columnhead left top
set multiplot layout 2,2 title "ws-echo soak $stamp: $DURATION mixed traffic, $JAVA_OPTS"
set xlabel "s"
set title "memory (MiB)"
plot "$csv" using 1:2 with lines lw 2, "" using 1:3 with lines lw 2, "" using 1:(\$7/1024) with lines lw 2 title "held for clients"
set title "echoes per second (all loads)"
plot "$csv" using 1:6 with lines lw 2
set title "small-text clients' p99 (ms, worst second of each 10 s)"
plot "$csv" using 1:9 with lines lw 2
set title "open files, threads, connections / 100"
plot "$csv" using 1:4 with lines lw 2, "" using 1:5 with lines lw 2, "" using 1:(\$8/100) with lines lw 2 title "connections / 100"
unset multiplot
EOF
  echo "chart: $png"
fi
echo "csv: $csv"
cat "$log"
echo "soak $DURATION: RSS drift after ${WARM}s warm-up $drift (${rss0} -> ${rss1} MiB); open files $fds_at_start at start, $fds_at_end at end; errors $errors in the loads, $missing loads without a result, $server_errors error lines in the server log" | tee -a "$log"
