#!/usr/bin/env bash
# sandbox.sh [--rw DIR]... [--ro PATH]... [--program PATH] [--env NAME=VALUE]... [--keep-caps]
#            [--kernel-count BASE] -- CMD [ARG...]
# sandbox.sh --check | --check-count
#
# Runs model-written code (db_bench, RocksDB's tests, db_stress) where it can read
# only what it needs: a private mount namespace whose root is an empty tmpfs holding
# the system's programs and libraries (read-only), /proc, /dev, /sys, and the
# directories named here at their own paths; no network; an empty environment (the
# API key lives in ours); no capabilities unless --keep-caps (perf needs them), so
# the program cannot mount its way back out of the chroot.  Where the machine does
# not allow a mount namespace (not root, a restrictive container) it runs the
# command with the network off only, or as it is, and --check says which.
#
# --program PATH: the candidate's program, mounted read-only at /aiopt/program and run
# under that name (every word of the command equal to PATH becomes it).  The
# benchmark and the gate's tests then look alike by name, path and /proc/self/exe:
# code that skips work only when it is the benchmark cannot tell so from its name.
# --kernel-count BASE: the kernel's account of everything the command did, written
# outside the sandbox where the command can neither read nor forge it: BASE.perf,
# perf stat's count of the sync system calls (where perf may count tracepoints),
# and BASE.io, /proc/PID/io of a process that reaped them all (the kernel adds a
# reaped child's I/O counts to its parent's), so its write calls and bytes, and
# BASE.syncs, perf record's entries to and exits from fsync and fdatasync (where
# perf may record tracepoints): the time its threads spent in them; and BASE.time,
# "WALL USER SYSTEM" seconds of the whole run by the harness's clock.
set -euo pipefail
die() { echo "sandbox: $*" >&2; exit 125; }
# --help: this header.  (The sandbox stands alone: it sources nothing of aiopt's.)
case ${1:-} in -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;; esac

# What the machine allows, as one word: full, nonet or none.
level() {
  if unshare --mount --net --pid --fork --propagation private true 2>/dev/null \
     && unshare --mount --propagation private sh -c 'd=$(mktemp -d) && mount -t tmpfs none "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r' 2>/dev/null; then
    echo full
  elif unshare --net true 2>/dev/null; then echo nonet
  else echo none
  fi
}

# The sync calls the kernel counts (--kernel-count), as perf's event list.
sync_events=fsync,fdatasync,sync,syncfs,sync_file_range,msync
sync_events=syscalls:sys_enter_${sync_events//,/,syscalls:sys_enter_}
perf_counts() { perf stat -x, -o /dev/null -e "$sync_events" -- true 2>/dev/null; }
# The time spent in the durable syncs, the device's share of a run: perf record of
# these tracepoints only, entry and exit, summed per thread afterwards (kernel_account
# in bin/stage/bench.sh).  perf trace -s would sum them itself, but it takes every
# event through its own process: 19 % of the sync workload's throughput on 2 cores,
# and noise; perf record's buffered file costs about 2 % (tests/bench/README.md).
sync_times=syscalls:sys_enter_fsync,syscalls:sys_exit_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_exit_fdatasync
# --no-bpf-event: perf record's BPF side-band thread takes a second to stop, at every
# program (1.2 s against 0.24 s for `perf record … -- true`).
perf_records() { local f; f=$(mktemp) && perf record -q --no-bpf-event -o "$f" -e "$sync_times" -- true 2>/dev/null; local rc=$?; rm -f "$f"; return $rc; }

# --check-count: can the kernel's count include the sync calls here (exit 0), or
# only /proc/PID/io's write counts (exit 1, saying why)?
if [ "${1:-}" = --check-count ]; then
  if perf_counts; then echo "sandbox: the kernel counts candidate programs' sync calls (perf stat, syscalls tracepoints)"; exit 0; fi
  echo "sandbox: perf cannot count system calls here ($(command -v perf > /dev/null && echo "perf stat -e syscalls:sys_enter_fdatasync failed: run as root, or set kernel.perf_event_paranoid=-1" || echo "no perf: apt-get install linux-perf")): the WAL-sync workload's rules need the sync counts"
  exit 1
fi

if [ "${1:-}" = --check ]; then
  case $(level) in
    full)  echo "sandbox: candidate programs run in a private mount and PID namespace (tree and scratch only; nothing they start outlives them), no network, no capabilities" ;;
    nonet) echo "sandbox: no private mount or PID namespace here: candidate programs can read the whole filesystem, and what they start can outlive them (network off)" ;;
    none)  echo "sandbox: neither a mount nor a network namespace here: candidate programs run unconfined, and what they start can outlive them" ;;
  esac
  exit 0
fi

rw=() ro=() envs=() keep_caps=0 program='' kernel_count=''
while [ $# -gt 0 ]; do
  case $1 in
    --rw) rw+=("$2"); shift 2 ;;
    --ro) ro+=("$2"); shift 2 ;;
    --program) program=$2; shift 2 ;;
    --kernel-count) kernel_count=$2; shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --keep-caps) keep_caps=1; shift ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: sandbox.sh [--rw DIR]... [--ro PATH]... [--program PATH] [--env N=V]... [--keep-caps] [--kernel-count BASE] -- CMD...)" ;;
  esac
done
[ $# -gt 0 ] || die "no command"
base_env=(PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME=/nonexistent)

# The kernel's count, around everything below (the sandbox's own set-up is a few
# small writes and no sync, alike for every program).
counted=()
if [ -n "$kernel_count" ]; then
  rm -f "$kernel_count.perf" "$kernel_count.io" "$kernel_count.syncs" "$kernel_count.time"
  if perf_counts; then counted=(perf stat -x, -o "$kernel_count.perf" -e "$sync_events" --); fi
  if perf_records; then counted=(perf record -q --no-bpf-event -o "$kernel_count.syncs" -e "$sync_times" -- ${counted[@]+"${counted[@]}"}); fi
  # BASE.time: the run's wall seconds and its processes' user and system CPU seconds
  # (every one reaped, as the I/O), by this shell's clock, outside the sandbox: the
  # program's own report of its time is written inside the process it judges.
  # shellcheck disable=SC2016  # expanded by the inner bash
  # (times: this shell's line, then its children's "XmY.YYYs XmY.YYYs"; in this shell, not a subshell)
  counted+=(bash -c 't0=$EPOCHREALTIME; "${@:3}"; rc=$?; t1=$EPOCHREALTIME; cat /proc/$$/io > "$1"; times > "$2"
    awk -v t0="${t0/,/.}" -v t1="${t1/,/.}" '"'"'NR == 2 { split($0, c, /[ms ]+/); printf "%.6f %.3f %.3f\n", t1 - t0, c[1] * 60 + c[2], c[3] * 60 + c[4] }'"'"' "$2" > "$2.tmp"
    mv "$2.tmp" "$2"; exit "$rc"' kernel-count "$kernel_count.io" "$kernel_count.time")
fi

sandbox_level=${AIOPT_SANDBOX_LEVEL:-$(level)}
case $sandbox_level in
  none)  exec ${counted[@]+"${counted[@]}"} env -i "${base_env[@]}" ${envs[@]+"${envs[@]}"} "$@" ;;
  nonet) exec ${counted[@]+"${counted[@]}"} unshare --net env -i "${base_env[@]}" ${envs[@]+"${envs[@]}"} "$@" ;;
esac

# Inside the new namespaces: build the root, then chroot into it.  Mounts made
# here vanish with the namespace, so nothing needs undoing on any exit.
setup='
set -e
# One fixed mount point serves every sandbox: each mounts its own tmpfs there,
# in its own namespace, and the host only ever sees the empty directory.
root=/tmp/.aiopt-sandbox-root
mkdir -p -m 0700 "$root"
mount -t tmpfs -o size=16m,mode=0755 aiopt-sandbox "$root"
for d in /usr /etc/alternatives; do mkdir -p "$root$d"; mount --rbind "$d" "$root$d"; mount -o remount,bind,ro "$root$d"; done
for l in /bin /sbin /lib /lib32 /lib64 /libx32; do
  if [ -L "$l" ]; then cp -P "$l" "$root$l"
  elif [ -d "$l" ]; then mkdir -p "$root$l"; mount --rbind "$l" "$root$l"; mount -o remount,bind,ro "$root$l"; fi
done
# Only the files programs need from /etc: no passwords, keys or host configuration.
mkdir -p "$root/etc"
for f in /etc/ld.so.cache /etc/ld.so.conf /etc/localtime /etc/passwd /etc/group /etc/nsswitch.conf; do
  [ -e "$f" ] && cp -L "$f" "$root$f"
done
for d in /dev /sys; do mkdir -p "$root$d"; mount --rbind "$d" "$root$d"; done
# The namespace'"'"'s own /proc: its processes only, by the numbers they know themselves by.
mkdir -p "$root/proc"; mount -t proc proc "$root/proc"
mkdir -p "$root/tmp"; chmod 1777 "$root/tmp"
while [ "$1" != -- ]; do
  mode=$1 path=$2 at=$3; shift 3
  if [ -d "$path" ]; then mkdir -p "$root$at"; else mkdir -p "$root$(dirname "$at")"; : > "$root$at"; fi
  mount --rbind "$path" "$root$at"
  [ "$mode" = ro ] && mount -o remount,bind,ro "$root$at"
done
shift
cwd=$1; shift
exec chroot "$root" "$@"
'
# Each path is mounted where it really is and, when a symbolic link leads there (a
# build directory on node-local scratch, say), also where the caller names it: the
# command and its arguments use the caller's names.
args=()
add_mount() {   # MODE PATH
  local real given; real=$(realpath "$2"); given=$(realpath -s "$2")
  args+=("$1" "$real" "$real")
  [ "$given" = "$real" ] || args+=("$1" "$real" "$given")
}
for d in ${ro[@]+"${ro[@]}"}; do add_mount ro "$d"; done
for d in ${rw[@]+"${rw[@]}"}; do add_mount rw "$d"; done
if [ -n "$program" ]; then
  [ -f "$program" ] || die "--program $program: no such file"
  args+=(ro "$(realpath "$program")" /aiopt/program)
  words=()
  for w in "$@"; do
    if [ "$w" = "$program" ]; then words+=(/aiopt/program); else words+=("$w"); fi
  done
  set -- "${words[@]}"
fi
inner=(env -i "${base_env[@]}" ${envs[@]+"${envs[@]}"})
if [ "$keep_caps" = 0 ]; then inner=(setpriv --inh-caps=-all --bounding-set=-all "${inner[@]}"); fi
# A PID namespace of its own, whose first process is the shell below: it runs the
# command (not exec'ing it, so the command is not the namespace's init, whose signals
# and orphans behave otherwise), then kills every process left (a child that
# detached, double fork and new session included) and waits until each is dead and
# not yet reaped.  Dead, they are reaped as the shell ends and their I/O added to
# the kernel's count above; killed by the namespace's end instead, they would be
# reaped uncounted.  --kill-child: a sandbox killed from outside (its time limit)
# takes the namespace with it.
init='cd "$0" 2>/dev/null || cd /
"$@"; rc=$?
kill -9 -1 2>/dev/null
n=0
while [ $n -lt 1000 ]; do
  live=0
  for f in /proc/[0-9]*/stat; do
    [ "$f" != /proc/1/stat ] && read -r s 2>/dev/null < "$f" || continue
    s=${s##*) }; [ "${s%% *}" = Z ] || live=1
  done
  [ $live = 0 ] && break
  n=$((n + 1)); sleep 0.01
done
exit $rc'
# cd inside the root: the caller's directory when the sandbox holds it, else /.
exec ${counted[@]+"${counted[@]}"} unshare --mount --net --pid --kill-child --propagation private bash -c "$setup" sandbox \
  ${args[@]+"${args[@]}"} -- "$PWD" "${inner[@]}" sh -c "$init" "$PWD" "$@"
