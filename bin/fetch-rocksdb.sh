#!/usr/bin/env bash
# fetch-rocksdb.sh DEST VERSION [PATCH...]
# Makes DEST a git repository whose first commit is pristine RocksDB VERSION plus
# the experiment's instrumentation PATCHes. The source comes from the user's
# checkout ($AIOPT_ROCKSDB_PATH, never modified: a git worktree or a copy) or
# from Debian's source package, found through this machine's own apt sources.
set -euo pipefail
SCRIPT=fetch-rocksdb
# shellcheck source=bin/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help_requested "$0" "$@"
[ $# -ge 2 ] || usage_error "usage: fetch-rocksdb.sh DEST VERSION [PATCH...]"
dest=$1 version=$2; shift 2
patches=(); for p in "$@"; do patches+=("$(realpath "$p")"); done
[ -e "$dest/.git" ] && { echo "fetch-rocksdb: $dest already exists"; exit 0; }
stage="$dest.partial"            # never leave a half-made DEST behind
rm -rf "$stage"; mkdir -p "$(dirname "$dest")"

if [ -n "${AIOPT_ROCKSDB_PATH:-}" ]; then
  src=$AIOPT_ROCKSDB_PATH
  [ -f "$src/db/db_impl/db_impl_write.cc" ] || usage_error "AIOPT_ROCKSDB_PATH=$src is not a RocksDB source tree"
  echo "fetch-rocksdb: copying the checkout at $src (left untouched)"
  if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    # An export of HEAD: a worktree would share the user's refs and index locks.
    mkdir -p "$stage"; git -C "$src" archive HEAD | tar -x -C "$stage"
  else
    cp -a "$src" "$stage"
  fi
else
  apt_dir=$(cd "$(dirname "$dest")" && pwd)/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources.d"
  # deb-src entries derived from the machine's own deb entries: no mirror named here.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN{RS="";ORS="\n\n"} /(^|\n)Types:[^\n]*deb/ && /URIs:[^\n]*debian/ {sub(/Types:[^\n]*/,"Types: deb-src"); print}' "$f"
  done > "$apt_dir/sources.d/aiopt-src.sources"
  grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep debian | sed 's/^deb /deb-src /' > "$apt_dir/sources.d/aiopt-src.list" || true
  apt_opts=(-q -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$apt_dir/sources.d"
            -o "Dir::State::Lists=$apt_dir/lists" -o APT::Sandbox::User=root)
  echo "fetch-rocksdb: apt-get source rocksdb=$version-* (Debian source package)"
  apt-get "${apt_opts[@]}" update >/dev/null
  deb_version=$(apt-cache "${apt_opts[@]}" showsrc rocksdb | awk -v v="$version" '$1=="Version:" && index($2, v"-")==1 {print $2; exit}')
  [ -n "$deb_version" ] || system_error "no Debian source package rocksdb $version in this machine's apt sources"
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" source --download-only "rocksdb=$deb_version" >/dev/null)
  mkdir -p "$stage"
  # The upstream tarball, without Debian's packaging patches: pristine RocksDB.
  tar -xzf "$apt_dir/rocksdb_${version}.orig.tar.gz" -C "$stage" --strip-components=1
fi

cd "$stage"
for p in ${patches[@]+"${patches[@]}"}; do patch -p1 --quiet < "$p" || input_error "instrumentation patch $p does not apply"; done
git init -q -b pristine .
git add -A
git -c user.name=aiopt -c user.email=aiopt@localhost commit -q -m "pristine RocksDB $version + aiopt instrumentation"
cd - >/dev/null
mv "$stage" "$dest"
echo "fetch-rocksdb: $dest ready ($(git -C "$dest" rev-parse --short HEAD))"
