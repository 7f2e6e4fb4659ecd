#!/usr/bin/env bash
# Sourced by the bench scripts: the median they report, and ratios paired run by run.

median() { # numbers, one per line or space-separated: the middle one (the lower of two), n/a for none
  tr ' ' '\n' | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print v[int((NR + 1) / 2)] }'
}

# Two servers measured in the same runs, taking turns: the ratio of run i to run i, and their median.
# Both share whatever the machine did during that run, which a ratio of the two medians does not.
paired() { # "a1 a2 ...", "b1 b2 ..."
  local ratios
  ratios=$(paired_ratios "$1" "$2")
  echo "$(echo $ratios) (median $(echo "$ratios" | median))"
}
paired_ratios() { # "a1 a2 ...", "b1 b2 ...": one ratio per line
  awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
    for (i = 1; i <= n; i++) if (x[i] + 0 > 0 && y[i] + 0 > 0) printf "%.2f\n", x[i] / y[i] }'
}
paired_median() { paired_ratios "$1" "$2" | median; }
