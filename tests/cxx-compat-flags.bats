#!/usr/bin/env bats
# bin/cxx-compat-flags.sh: the flags RocksDB's build gets are probed from the
# compiler.  No gcc 13 on this machine: the libstdc++ 13 behaviour (uint8_t not
# declared after <string> and <vector>) is played by a stand-in compiler, a
# wrapper around this machine's c++ that fails as gcc 13 does unless given
# -include cstdint.  The real gcc 12 here needs no flag; the real clang 14 (make
# deps installs it for afl++) needs none either, but rejects gcc's flag for Coz.

load helpers/common

@test "gcc 12 here: no flag, so the RocksDB builds are configured as before" {
  run --separate-stderr "$TOP/bin/cxx-compat-flags.sh"
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
}

@test "a compiler whose <string> no longer brings uint8_t (libstdc++ 13): -include cstdint" {
  cat > "$BATS_TEST_TMPDIR/cxx13" <<'SH'
#!/bin/sh
src=$(cat)
case " $* " in *" -include cstdint "*) ;; *)
  case $src in *uint8_t*) echo "<stdin>:3:7: error: 'uint8_t' does not name a type" >&2; exit 1 ;; esac ;;
esac
printf '%s\n' "$src" | exec c++ "$@"
SH
  chmod +x "$BATS_TEST_TMPDIR/cxx13"
  CXX="$BATS_TEST_TMPDIR/cxx13" run --separate-stderr "$TOP/bin/cxx-compat-flags.sh"
  [ "$status" -eq 0 ]
  [ "$output" = "-include cstdint" ]
  # and make hands it to both RocksDB configures
  run make -n -B -C "$TOP" rocksdb-release CXX="$BATS_TEST_TMPDIR/cxx13"
  [[ "$output" == *'"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gdwarf-4 -gno-variable-location-views -DNDEBUG -include cstdint"'* ]]
}

@test "Coz's debug information: DWARF 4, and no location views where the compiler has them (gcc 12; clang 14 rejects the flag)" {
  run --separate-stderr "$TOP/bin/cxx-compat-flags.sh" --coz
  [ "$output" = "-gdwarf-4 -gno-variable-location-views" ]
  CXX=clang++ run --separate-stderr "$TOP/bin/cxx-compat-flags.sh" --coz
  [ "$output" = "-gdwarf-4" ]
  ! clang++ -x c++ -fsyntax-only -gno-variable-location-views - <<<'int main() { return 0; }' 2>/dev/null || false
  CXX=clang++ run --separate-stderr "$TOP/bin/cxx-compat-flags.sh"
  [ "$status" -eq 0 ] && [ "$output" = "" ]
  run make -n -B -C "$TOP" rocksdb-release CXX=clang++
  [[ "$output" == *'"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gdwarf-4 -DNDEBUG"'* ]]
}

@test "not a C++ compiler: a system error naming it" {
  CXX=/bin/false run --separate-stderr "$TOP/bin/cxx-compat-flags.sh"
  [ "$status" -eq 4 ]
  [[ "$stderr" == *"/bin/false compiles neither the probe nor the probe with -include cstdint"* ]]
  CXX=no-such-cxx run --separate-stderr "$TOP/bin/cxx-compat-flags.sh"
  [ "$status" -eq 4 ]
  [[ "$stderr" == *"no C++ compiler: no-such-cxx"* ]]
}
