#!/usr/bin/env bash
# Sourced by bench/run.sh and bench/cluster.sh: a CPU quota for the server under test, and what
# its JIT compilers took of it.
# A CPU quota through the cgroup cpu controller (v2, or v1 as on this machine).
cgroup=""
setup_cgroup() { # [name]: sets $cgroup (empty when there is no writable cpu controller)
  local name=${1:-wsecho-bench}
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    cgroup=/sys/fs/cgroup/$name
    mkdir -p "$cgroup" 2>/dev/null || cgroup=""
  elif [ -d /sys/fs/cgroup/cpu ]; then
    cgroup=/sys/fs/cgroup/cpu/$name
    mkdir -p "$cgroup" 2>/dev/null && echo 100000 > "$cgroup/cpu.cfs_period_us" || cgroup=""
  fi
  [ -n "$cgroup" ] || echo "warning: no writable cgroup cpu controller: the servers run without a CPU quota" >&2
}
set_quota() { # percent, or "none"; [cgroup], default $cgroup
  local group=${2:-$cgroup}
  [ -n "$group" ] || return 0
  if [ -f "$group/cpu.max" ]; then
    if [ "$1" = none ]; then echo "max 100000" > "$group/cpu.max"; else echo "$(($1 * 1000)) 100000" > "$group/cpu.max"; fi
  else
    if [ "$1" = none ]; then echo -1 > "$group/cpu.cfs_quota_us"; else echo "$(($1 * 1000))" > "$group/cpu.cfs_quota_us"; fi
  fi
}
# The JIT compiler threads' user + system ticks of process PID (0 for a process without them): at
# half a core the compilers take their CPU from the same quota as the event loop, so a run that
# meets them measures compilation too.
compiler_ticks() { # pid
  local sum=0 task
  for task in /proc/"$1"/task/*; do
    case "$(cat "$task/comm" 2>/dev/null)" in
      *CompilerThre*) sum=$((sum + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0))) ;;
    esac
  done
  echo "$sum"
}
