#!/usr/bin/env bash
# node.sh DIR — the fingerprint of the machine a run measures on, as one JSON
# object: host, cpu_model, cpus (those this process may run on: a Slurm job's
# allocation, not the node's), kernel, governor (cpufreq's; null where the kernel
# shows none, as in most VMs), memory_gib, filesystem (DIR's: where the databases
# live), and kind: a hash of all of them but the host.  Two machines of one kind
# should measure alike, so tracks whose runs ran on different kinds are compared
# together with their machines (the report says so).  The device's measured sync
# rate is not in it: a measurement, not a fingerprint (pristine's device.json).
# Reads /proc and /sys only: milliseconds, for every bench record.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPT=node
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
[ $# -eq 1 ] || usage_error "usage: node.sh DIR (--help)"
dir=$1
# The filesystem of DIR, or of its nearest parent that exists (a scratch not made yet).
while [ ! -e "$dir" ] && [ "$dir" != / ]; do dir=$(dirname "$dir"); done
cpu_model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
[ -n "$cpu_model" ] || cpu_model=$(sed -n 's/^\(cpu\|Processor\)[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
governor=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null || true)
fields=$(jq -cn --arg cpu "$cpu_model" --argjson cpus "$(nproc)" --arg kernel "$(uname -r)" \
  --arg governor "$governor" --argjson mem_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" \
  --arg fs "$(stat -f -c %T "$dir")" '
  {cpu_model: (if $cpu == "" then null else $cpu end), cpus: $cpus, kernel: $kernel,
   governor: (if $governor == "" then null else $governor end),
   memory_gib: ($mem_kb / 1048576 * 10 | round / 10), filesystem: $fs}')
# the kind: the first 12 hex digits of the fields' sha256, short enough for a table
kind=$(printf '%s' "$fields" | sha256sum | cut -c1-12)
jq -c --arg host "$(hostname)" --arg kind "$kind" '{host: $host} + . + {kind: $kind}' <<<"$fields"
