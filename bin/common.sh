# bin/common.sh — sourced by every aiopt script: the exit codes of the C tools
# (src/lib/util.h; tests/conventions.bats checks the two agree), messages in the
# tools' form ("script: what, where"), and --help printed from the script's own
# header comment, so the usage a user reads is the one beside the code.
# The caller sets SCRIPT (its name in messages) before sourcing.
# shellcheck disable=SC2034  # the codes are for the scripts that source this
EXIT_INPUT=1 EXIT_USAGE=2 EXIT_MORE=3 EXIT_SYSTEM=4

usage_error()  { echo "$SCRIPT: $*" >&2; exit "$EXIT_USAGE"; }
input_error()  { echo "$SCRIPT: $*" >&2; exit "$EXIT_INPUT"; }
system_error() { echo "$SCRIPT: $*" >&2; exit "$EXIT_SYSTEM"; }

# The header comment of FILE, from its second line to the first line that is not
# a comment, without the "# ".
print_help() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }

# Exits 0 after printing the help when the first argument asks for it.
help_requested() {   # FILE "$@"
  local file=$1; shift
  case ${1:-} in -h|--help) print_help "$file"; exit 0 ;; esac
}
