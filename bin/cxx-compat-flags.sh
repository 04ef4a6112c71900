#!/usr/bin/env bash
# cxx-compat-flags.sh — the C++ flags RocksDB needs from this machine's compiler
# (${CXX:-c++}, the one CMake picks), printed on one line (empty: none).
#
# Probed, not read off a version number, so gcc 12 to 14 and clang all get what
# they need:
#   -include cstdint   libstdc++ 13 no longer brings <cstdint> in through <string>
#                      and <vector>; RocksDB before 8.x relied on it
#                      (table/block_based/data_block_hash_index.h: "'kCollision'
#                      was not declared in this scope" under gcc 13).
set -euo pipefail
SCRIPT=cxx-compat-flags
# shellcheck source=bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help_requested "$0" "$@"
cxx=${CXX:-c++}
command -v "$cxx" > /dev/null || system_error "no C++ compiler: $cxx (install g++, or set CXX)"
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
