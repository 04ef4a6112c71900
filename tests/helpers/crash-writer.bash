#!/usr/bin/env bash
# A writer and reader in crash-check's protocol (ack-writer's, src/rocksdb/), for
# crash-check's own tests without RocksDB: one thread appends "ROUND 0 SEQ" lines
# to DB/log and acknowledges each on descriptor 3.
#   crash-writer.bash --db=DIR sync|nosync|detach|skip     write until killed
#   crash-writer.bash --check --db=DIR < "R T N" lines    read back: "R T N FOUND FIRST KEY"
# sync: each line fsync'd before it is acknowledged; nosync: not; detach: also
# starts a process in a session of its own that writes DIR/../detached.pid and
# lives on; skip: acknowledges 1 first (write 0 never acknowledged).
set -u
if [ "$1" = --check ]; then
  db=${2#--db=}
  while read -r r t n; do
    awk -v r="$r" -v t="$t" -v n="$n" '$1 == r && $2 == t && $3 < n { seen[$3] = 1 }
      END { f = 0; first = -1; for (s = 0; s < n; s++) if (s in seen) f++; else if (first < 0) first = s
            print r, t, n, f, first, (first < 0 ? "-" : r "/" t "/" first) }' "$db/log" 2>/dev/null || echo "$r $t $n 0 0 $r/$t/0"
  done
  exit 0
fi
db=${1#--db=} how=$2
r=$(( $(cat "$db/round" 2>/dev/null || echo -1) + 1 ))
echo "$r" > "$db/round"; sync "$db/round"
echo "round $r" >&3
if [ "$how" = detach ]; then
  setsid bash -c 'echo $$ > "$1/../detached.pid"; exec 3>&-; while :; do sleep 0.05; done' _ "$db" < /dev/null > /dev/null 2>&1 &
fi
s=0
[ "$how" != skip ] || s=1
while :; do
  echo "$r 0 $s" >> "$db/log"
  [ "$how" = nosync ] || sync "$db/log"
  echo "0 $s" >&3
  s=$((s + 1))
done
