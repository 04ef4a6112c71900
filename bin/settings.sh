#!/usr/bin/env bash
# settings.sh [--tsv] [EXPERIMENT] — every AIOPT_* setting the code reads: its name,
# default, range, what reads it and where its default lives (make settings).
#
# Made from the places the defaults are declared, never kept by hand: the
# experiment's experiment.mk (AIOPT_X ?= default, the comment above it saying why),
# each tool's option table (TOOL --settings: default, range), the scripts'
# ${AIOPT_X:-default}, and mk/settings.tsv for the settings none of them gives a
# default (unset: the user's to give or not; or derived from how a run is
# launched, said in words).  Which files read a name is found in the code (bin/,
# src/, mk/).  Exit 1, saying which, when a name the code reads is declared
# nowhere, mk/settings.tsv declares one nothing reads, or two places give one name
# different defaults (tests/conventions.bats runs this: a drift fails the suite).
# --tsv: NAME, DEFAULT, RANGE, READ BY, DEFAULT IN, WHAT, tab-separated.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
SCRIPT=settings
# shellcheck source=bin/common.sh
. "$TOP/bin/common.sh"
help_requested "$0" "$@"
tsv=0
[ "${1:-}" != --tsv ] || { tsv=1; shift; }
case ${1:-} in -*) usage_error "unknown option $1 (--help)" ;; esac
[ $# -le 1 ] || usage_error "usage: settings.sh [--tsv] [EXPERIMENT]"
exp=${1:-${EXP:-experiment_a}}
mkfile=${EXPERIMENTS:-$TOP/experiments}/$exp/experiment.mk
[ -f "$mkfile" ] || usage_error "$mkfile: no such experiment"
BIN=${AIOPT_BIN:-$TOP/bin}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$TOP"

# declarations, one a line: NAME \t DEFAULT \t RANGE \t WHERE \t WHAT
# 1. the experiment's .mk: the default as written, the comment block's first line as what
awk -v where="${mkfile#"$TOP"/}" '
  /^#/ { if (!incomment) { first = ""; incomment = 1 }
         line = $0; sub(/^# ?/, "", line)
         if (first == "" && line !~ /^-+ /) first = line
         next }
  /^(AIOPT_[A-Z0-9_]+) *\?=/ {
    name = $1; val = $0; sub(/^[^?]*\?= ?/, "", val)
    printf "%s\t%s\t\t%s\t%s\n", name, val, where, first
    incomment = 0; next }
  { incomment = 0; first = "" }' "$mkfile" > "$tmp/mk"
# 2. each tool's table
for c in src/*.c; do
  t=$(basename "$c" .c)
  [ -x "$BIN/$t" ] || system_error "$BIN/$t is not built (make all)"
  "$BIN/$t" --settings | awk -F'\t' -v OFS='\t' '{ print $1, $2, $3, "src/" $4 ".c", $5 }'
done | sort -u > "$tmp/tools"
# 3. the scripts' fallbacks: ${AIOPT_X:-default}
grep -rnoE '\$\{AIOPT_[A-Z0-9_]+:-([^{}]|\$\{[^}]*\})*\}' bin/*.sh bin/stage/*.sh mk/*.mk Makefile 2>/dev/null \
  | sed -E 's/^([^:]+):([0-9]+):\$\{(AIOPT_[A-Z0-9_]+):-(.*)\}$/\3\t\4\t\t\1:\2\t/' > "$tmp/scripts"
# 4. the declarations of mk/settings.tsv: what a setting is, and a derived default in words
grep -v '^#' mk/settings.tsv > "$tmp/declared"

# what the code reads: every name in bin/, src/, mk/ (header guards, the
# per-track prefixes AIOPT_MODEL_ and AIOPT_API_BASE_, and the docs' AIOPT_X aside)
grep -rlE "AIOPT_[A-Z0-9_]+" bin/*.sh bin/*.jq bin/stage/*.sh src mk Makefile "$mkfile" 2>/dev/null | grep -vxE 'bin/settings.sh|mk/settings.tsv' > "$tmp/files"
while read -r f; do
  grep -oE 'AIOPT_[A-Z0-9_]*[A-Z0-9]' "$f" | sort -u | sed "s|\$|\t${f#"$TOP"/}|"
done < "$tmp/files" | grep -vE '^AIOPT_([A-Z0-9_]+_H|X)\b' | sort -u > "$tmp/readers"

jq -Rn --rawfile mk "$tmp/mk" --rawfile tools "$tmp/tools" --rawfile scripts "$tmp/scripts" --rawfile readers "$tmp/readers" \
  --rawfile declared "$tmp/declared" \
  --arg mkfile "${mkfile#"$TOP"/}" '
  def rows($t): $t | split("\n") | map(select(length > 0) | split("\t"));
  # numbers compared as numbers (4 and 4.0, 0.1 and .10); text as written
  def same($a; $b): ($a | tonumber? // $a) == ($b | tonumber? // $b);
  (rows($readers) | group_by(.[0]) | map({key: .[0][0], value: (map(.[1]) | unique)}) | from_entries) as $read |
  (rows($mk) | map({name: .[0], default: .[1], range: "", where: .[3], what: .[4], kind: "mk"})) as $m |
  (rows($tools) | map({name: .[0], default: .[1], range: .[2], where: .[3], what: .[4], kind: "tool"})) as $t |
  (rows($scripts) | map({name: .[0], default: .[1], range: "", where: .[3], what: "", kind: "script"})) as $s |
  (rows($declared) | map({key: .[0], value: {what: .[1], derived: .[2]}}) | from_entries) as $dec |
  ($read | keys) as $names |
  [$names[] as $n |
    ($m | map(select(.name == $n))) as $dm | ($t | map(select(.name == $n))) as $dt | ($s | map(select(.name == $n))) as $ds |
    # a tool whose option is required, or without a default, takes the experiment default;
    # a script fallback of "" only keeps set -u quiet
    ($dt | map(select(.default != "(required)" and .default != "" and .default != "(see --help)"))) as $dtv |
    ($ds | map(select(.default != ""))) as $dsv |
    ($dec[$n].derived // "") as $derived |
    (if $derived != "" then {default: "derived: \($derived)", where: "mk/settings.tsv"}
     elif ($dm | length) > 0 then $dm[0] elif ($dtv | length) > 0 then $dtv[0] elif ($dsv | length) > 0 then $dsv[0]
     elif ($dt | length) > 0 then {default: "(unset)", where: $dt[0].where}
     elif $dec[$n] != null then {default: "(unset)", where: "mk/settings.tsv"}
     else {default: "(undeclared)", where: "–"} end) as $d |
    # a derived default is its places (each a case of the rule); else every place must agree
    (if $derived != "" then [] else [$dm[], $dtv[], $dsv[]] | map(select(same(.default; $d.default) | not))
     | map("\(.where) says \(.default)") end) as $conflicts |
    {name: $n, default: $d.default, where: $d.where,
     range: ([$dt[].range] | map(select(. != "")) | unique | join("; ") | if . == "" then "–" else . end),
     what: ([$dm[].what, $dt[].what, ($dec[$n].what // empty)] | map(select(. != "" and . != null)) | first // ""),
     read_by: ($read[$n] | map(select(. != $mkfile))),
     conflicts: $conflicts}] +
  # declared in mk/settings.tsv, read by nothing
  [$dec | keys[] | select(. as $k | $names | index($k) | not) | {name: ., default: "(read by nothing)", where: "mk/settings.tsv",
     range: "–", what: $dec[.].what, read_by: [], conflicts: ["mk/settings.tsv declares it, but no code reads it"]}]
  ' > "$tmp/table.json"

if [ "$tsv" = 1 ]; then
  jq -r '.[] | [.name, .default, .range, (.read_by | join(" ")), .where, .what] | @tsv' "$tmp/table.json"
else
  jq -r '"| setting | default | range | read by | default in | what |", "|---|---|---|---|---|---|",
    (.[] | "| `\(.name)` | \(.default | gsub("\\|"; "\\|")) | \(.range) | \(.read_by | map(split("/") | last) | join(", ")) | \(.where) | \(.what | gsub("\\|"; "\\|")) |")' "$tmp/table.json"
fi
problems=$(jq -r '.[] | if .default == "(undeclared)" then "\(.name): read by \(.read_by | join(", ")), declared nowhere (give it a default, or a line in mk/settings.tsv)"
  elif .default == "(read by nothing)" then "\(.name): \(.conflicts[0])"
  elif (.conflicts | length) > 0 then "\(.name): \(.where) says \(.default), but \(.conflicts | join(", "))" else empty end' "$tmp/table.json")
if [ -n "$problems" ]; then
  echo "settings: the table does not hold:" >&2
  echo "$problems" | sed 's/^/  /' >&2
  exit 1
fi
