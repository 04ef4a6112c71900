#!/usr/bin/env bash
# fetch-rocksdb.sh DEST VERSION [PATCH...]
# Makes DEST a git repository whose first commit is pristine RocksDB VERSION plus
# aiopt's Coz progress point (bin/coz-progress-point.sh, which finds its place in
# any 7.x-10.x db_bench) and any PATCHes. The source comes from the user's
# checkout ($AIOPT_ROCKSDB_PATH, never modified: a git worktree or a copy) or
# from Debian's source package, found through this machine's own apt sources
# (bookworm has 7.8.3) and, for newer versions, the same mirror's trixie (9.10.0).
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
  # Newer RocksDB: the same Debian mirror's trixie, in this private apt state only.
  mirror=$(grep -ho 'http[^ ]*/debian/\?\( \|$\)' "$apt_dir/sources.d/aiopt-src.sources" "$apt_dir/sources.d/aiopt-src.list" | head -n 1 | tr -d ' ' || true)
  [ -z "$mirror" ] || printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" > "$apt_dir/sources.d/aiopt-src-trixie.sources"
  apt_opts=(-q -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$apt_dir/sources.d"
            -o "Dir::State::Lists=$apt_dir/lists" -o APT::Sandbox::User=root)
  echo "fetch-rocksdb: apt-get source rocksdb=$version-* (Debian source package)"
  apt-get "${apt_opts[@]}" update >/dev/null
  deb_version=$(apt-cache "${apt_opts[@]}" showsrc rocksdb | awk -v v="$version" '$1=="Version:" && index($2, v"-")==1 {print $2; exit}')
  [ -n "$deb_version" ] || system_error "no Debian source package rocksdb $version in this machine's apt sources"
  # Only the upstream tarball is used (apt checks its hash on download): a packaging
  # file the mirror lacks does not matter.
  orig=rocksdb_${version}.orig.tar.gz
  (cd "$apt_dir" && apt-get "${apt_opts[@]}" source --download-only "rocksdb=$deb_version" > "$apt_dir/source.log" 2>&1) || true
  [ -f "$apt_dir/$orig" ] || system_error "apt-get source rocksdb=$deb_version did not fetch $orig: $(tail -n 2 "$apt_dir/source.log")"
  mkdir -p "$stage"
  # The upstream tarball, without Debian's packaging patches: pristine RocksDB.
  tar -xzf "$apt_dir/$orig" -C "$stage" --strip-components=1
fi

"$(dirname "${BASH_SOURCE[0]}")/coz-progress-point.sh" "$stage"
cd "$stage"
for p in ${patches[@]+"${patches[@]}"}; do patch -p1 --quiet < "$p" || input_error "patch $p does not apply"; done
git init -q -b pristine .
# Every file of the source, those its .gitignore names too (RocksDB 7.x ignores its
# own cmake/modules): a clone of pristine (a run's own tree) must build.
git add -A --force
git -c user.name=aiopt -c user.email=aiopt@localhost commit -q -m "pristine RocksDB $version + aiopt instrumentation"
cd - >/dev/null
mv "$stage" "$dest"
echo "fetch-rocksdb: $dest ready ($(git -C "$dest" rev-parse --short HEAD))"
