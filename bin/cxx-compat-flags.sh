#!/usr/bin/env bash
# cxx-compat-flags.sh [--coz] — the C++ flags RocksDB needs from this machine's
# compiler (${CXX:-c++}, the one CMake picks), printed on one line (empty: none);
# with --coz, the debug-information flags Coz 0.2.2 can read from it instead.
#
# Probed, not read off a version number, so gcc 12 to 14 and clang all get what
# they need:
#   -include cstdint   libstdc++ 13 no longer brings <cstdint> in through <string>
#                      and <vector>; RocksDB before 8.x relied on it
#                      (table/block_based/data_block_hash_index.h: "'kCollision'
#                      was not declared in this scope" under gcc 13).
#   --coz: -gdwarf-4   Coz crashes on DWARF 5 (gcc 11+ and clang 14+ default);
#   -gno-variable-location-views
#                      gcc's line tables with location views are ignored by Coz;
#                      clang has none, and rejects the flag.
set -euo pipefail
SCRIPT='cxx-compat-flags'
# shellcheck source=bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help_requested "$0" "$@"
case $# in
  0) coz=0 ;;
  1) [ "$1" = --coz ] || usage_error "unknown option $1 (usage: cxx-compat-flags.sh [--coz])"; coz=1 ;;
  *) usage_error "usage: cxx-compat-flags.sh [--coz]" ;;
esac
cxx=${CXX:-c++}
command -v "$cxx" > /dev/null || system_error "no C++ compiler: $cxx (install g++, or set CXX)"
if [ "$coz" = 1 ]; then
  flags=(-gdwarf-4)
  ! timeout 60 "$cxx" -x c++ -fsyntax-only -gno-variable-location-views - <<<'int main() { return 0; }' > /dev/null 2>&1 \
    || flags+=(-gno-variable-location-views)
  echo "${flags[*]}"
  exit 0
fi
# What data_block_hash_index.h does: two standard headers, then uint8_t.
probe='#include <string>
#include <vector>
const uint8_t k = 1;
int main() { return k; }'
flags=()
if ! timeout 60 "$cxx" -x c++ -fsyntax-only - <<<"$probe" > /dev/null 2>&1; then
  timeout 60 "$cxx" -x c++ -fsyntax-only -include cstdint - <<<"$probe" > /dev/null 2>&1 \
    || system_error "$cxx compiles neither the probe nor the probe with -include cstdint: is it a C++ compiler?"
  flags+=(-include cstdint)
fi
echo "${flags[*]}"
