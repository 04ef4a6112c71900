#!/usr/bin/env bats
# apply-diff on RocksDB 7.8.3's real db_impl_write.cc (and write_thread.cc).
# Every expected tree is made with sed from the pristine file, independently of
# apply-diff, and compared byte for byte.

load helpers/common

SRC="$FIXTURES/rocksdb-7.8.3"
W=db/db_impl/db_impl_write.cc
T=db/write_thread.cc

setup() {
  TREE="$BATS_TEST_TMPDIR/tree"
  mkdir -p "$TREE/db/db_impl"
  cp "$SRC/$W" "$TREE/$W"
  cp "$SRC/$T" "$TREE/$T"
  # db_impl_write.cc lines 1379-1383:
  #     for (auto& log : logs_) {
  #       io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
  #       if (!io_s.ok()) {
  #         break;
  #       }
  sed -n 1380p "$SRC/$W" | grep -q 'io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);'
  EXPECTED="$BATS_TEST_TMPDIR/expected.cc"
  sed '1380i\      // aiopt: sync each log' "$SRC/$W" > "$EXPECTED"
}

apply_raw() { apply-diff --tree "$TREE" --allow "$W" --raw "$@"; }

@test "exact SEARCH/REPLACE, fenced, with prose and the file named before it" {
  run apply_raw <<'EOF2'
I will document the sync loop.

`db/db_impl/db_impl_write.cc`
```cpp
<<<<<<< SEARCH
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
      if (!io_s.ok()) {
=======
      // aiopt: sync each log
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
      if (!io_s.ok()) {
>>>>>>> REPLACE
```
That is all.
EOF2
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ok,.files,.blocks,.fuzzy]' <<<"$output")" = '[true,["db/db_impl/db_impl_write.cc"],1,0]' ]
  cmp "$TREE/$W" "$EXPECTED"
}

@test "trailing spaces and CRLF in the edit: applied, counted as fuzzy" {
  printf '<<<<<<< SEARCH\r\n      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);   \r\n      if (!io_s.ok()) {\t\r\n=======\r\n      // aiopt: sync each log\r\n      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);\r\n      if (!io_s.ok()) {\r\n>>>>>>> REPLACE\r\n' > "$BATS_TEST_TMPDIR/edit"
  run apply_raw < "$BATS_TEST_TMPDIR/edit"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ok,.fuzzy]' <<<"$output")" = '[true,1]' ]
  cmp "$TREE/$W" "$EXPECTED"
}

@test "a CRLF file stays CRLF" {
  sed 's/$/\r/' "$SRC/$W" > "$TREE/$W"
  sed 's/$/\r/' "$EXPECTED" > "$BATS_TEST_TMPDIR/expected-crlf.cc"
  run apply_raw <<'EOF2'
<<<<<<< SEARCH
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
=======
      // aiopt: sync each log
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 0 ]
  [ "$(jq .fuzzy <<<"$output")" = 1 ]
  cmp "$TREE/$W" "$BATS_TEST_TMPDIR/expected-crlf.cc"
}

@test "tabs for spaces: matched ignoring indentation, replacement re-indented" {
  printf '<<<<<<< SEARCH\n\tio_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);\n=======\n\t// aiopt: sync each log\n\tio_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);\n>>>>>>> REPLACE\n' > "$BATS_TEST_TMPDIR/edit"
  run apply_raw < "$BATS_TEST_TMPDIR/edit"
  [ "$status" -eq 0 ]
  [ "$(jq .fuzzy <<<"$output")" = 1 ]
  cmp "$TREE/$W" "$EXPECTED"
}

@test "a block re-indented as a whole (2 spaces instead of 6): moved back by the same offset" {
  run apply_raw <<'EOF2'
<<<<<<< SEARCH
  io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
  if (!io_s.ok()) {
    break;
  }
=======
  // aiopt: sync each log
  io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
  if (!io_s.ok()) {
    break;
  }
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 0 ]
  [ "$(jq .fuzzy <<<"$output")" = 1 ]
  cmp "$TREE/$W" "$EXPECTED"
}

@test "blank lines the model left out of SEARCH" {
  # lines 1376-1379: "      log_write_mutex_.Lock();" "    }" "" "    for (auto& log : logs_) {"
  sed -e '1378d' -e '1380i\      // aiopt: sync each log' "$SRC/$W" > "$BATS_TEST_TMPDIR/expected-blank.cc"
  run apply_raw <<'EOF2'
<<<<<<< SEARCH
      log_write_mutex_.Lock();
    }
    for (auto& log : logs_) {
=======
      log_write_mutex_.Lock();
    }
    for (auto& log : logs_) {
      // aiopt: sync each log
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 0 ]
  [ "$(jq .fuzzy <<<"$output")" = 1 ]
  cmp "$TREE/$W" "$BATS_TEST_TMPDIR/expected-blank.cc"
}

@test "unified diff with wrong line numbers and counts" {
  run apply_raw <<'EOF2'
```diff
--- a/db/db_impl/db_impl_write.cc
+++ b/db/db_impl/db_impl_write.cc
@@ -12,3 +12,99 @@ IOStatus DBImpl::SyncWAL
     for (auto& log : logs_) {
+      // aiopt: sync each log
       io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
       if (!io_s.ok()) {
```
EOF2
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ok,.blocks,.fuzzy]' <<<"$output")" = '[true,1,0]' ]
  cmp "$TREE/$W" "$EXPECTED"
}

@test "several blocks in two files" {
  # write_thread.cc line 19: WriteThread::WriteThread(const ImmutableDBOptions& db_options)
  sed '19i\// aiopt: the write thread' "$SRC/$T" > "$BATS_TEST_TMPDIR/expected-t.cc"
  sed -e '1380i\      // aiopt: sync each log' -e '1386i\    // aiopt: all logs synced' "$SRC/$W" > "$BATS_TEST_TMPDIR/expected-w.cc"
  run apply-diff --tree "$TREE" --allow "$W" --allow "$T" --raw <<'EOF2'
db/db_impl/db_impl_write.cc
<<<<<<< SEARCH
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
      if (!io_s.ok()) {
=======
      // aiopt: sync each log
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);
      if (!io_s.ok()) {
>>>>>>> REPLACE

// db/write_thread.cc
<<<<<<< SEARCH
WriteThread::WriteThread(const ImmutableDBOptions& db_options)
=======
// aiopt: the write thread
WriteThread::WriteThread(const ImmutableDBOptions& db_options)
>>>>>>> REPLACE

db/db_impl/db_impl_write.cc
<<<<<<< SEARCH
    if (UNLIKELY(needs_locking)) {
      log_write_mutex_.Unlock();
=======
    // aiopt: all logs synced
    if (UNLIKELY(needs_locking)) {
      log_write_mutex_.Unlock();
>>>>>>> REPLACE
EOF2
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ok,.files,.blocks,.fuzzy]' <<<"$output")" = '[true,["db/db_impl/db_impl_write.cc","db/write_thread.cc"],3,0]' ]
  cmp "$TREE/$W" "$BATS_TEST_TMPDIR/expected-w.cc"
  cmp "$TREE/$T" "$BATS_TEST_TMPDIR/expected-t.cc"
}

@test "one failing block among good ones: no file changes; the error quotes the closest lines" {
  run --separate-stderr apply-diff --tree "$TREE" --allow "$W" --allow "$T" --raw <<'EOF2'
db/write_thread.cc
<<<<<<< SEARCH
WriteThread::WriteThread(const ImmutableDBOptions& db_options)
=======
// changed
WriteThread::WriteThread(const ImmutableDBOptions& db_options)
>>>>>>> REPLACE

db/db_impl/db_impl_write.cc
<<<<<<< SEARCH
    for (auto& log : logs_) {
      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync, true);
      if (!io_s.ok()) {
=======
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 1 ]
  cmp "$TREE/$W" "$SRC/$W"
  cmp "$TREE/$T" "$SRC/$T"
  [ "$(jq -c '[.ok,.failure.block,.failure.file,.failure.closest.first_line,.failure.closest.last_line]' <<<"$output")" = \
    '[false,2,"db/db_impl/db_impl_write.cc",1379,1381]' ]
  [ "$(jq '.failure.closest.similarity' <<<"$output")" = 0.667 ]
  [ "$(jq -r '.failure.closest.differences[0].file' <<<"$output")" = '      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);' ]
  [[ "$(jq -r .message <<<"$output")" == *'block 2 (SEARCH starting "for (auto& log : logs_) {") does not match db/db_impl/db_impl_write.cc; closest: lines 1379-1381, 67% of lines equal'* ]]
}

@test "a block that matches several places fails as ambiguous" {
  run --separate-stderr apply_raw <<'EOF2'
<<<<<<< SEARCH
  return status;
}
=======
  return Status::OK();
}
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"matches "*" places in db/db_impl/db_impl_write.cc (first at line 645)"* ]]
  cmp "$TREE/$W" "$SRC/$W"
}

edit_for() {   # FILE: a one-block edit naming FILE
  printf '%s\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n' "$1"
}

@test "outside the fence: absolute path, ../, a file not allowed, a symlink out of the tree" {
  run --separate-stderr apply_raw < <(edit_for /etc/passwd)
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"absolute path /etc/passwd refused"* ]]
  run --separate-stderr apply_raw < <(edit_for ../outside.cc)
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"../outside.cc refused: it leaves the tree"* ]]
  run --separate-stderr apply_raw < <(edit_for db/db_impl/db_impl.cc)
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"db/db_impl/db_impl.cc is not a file this edit may change (allowed: db/db_impl/db_impl_write.cc)"* ]]
  echo x > "$BATS_TEST_TMPDIR/outside.cc"
  ln -s "$BATS_TEST_TMPDIR/outside.cc" "$TREE/db/evil.cc"
  run --separate-stderr apply-diff --tree "$TREE" --allow db/evil.cc --raw < <(edit_for db/evil.cc)
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"outside the tree (symlink)"* ]]
  [ "$(cat "$BATS_TEST_TMPDIR/outside.cc")" = x ]
}

@test "no blocks, or binary junk: a clear error" {
  run --separate-stderr apply_raw <<<"I think the code is fine as it is."
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"no edit found"* ]]
  head -c 20000 /dev/urandom > "$BATS_TEST_TMPDIR/junk"
  run --separate-stderr apply_raw < "$BATS_TEST_TMPDIR/junk"
  [ "$status" -eq 1 ]
  jq -e '.ok == false' <<<"$output"
  cmp "$TREE/$W" "$SRC/$W"
}

@test "an empty SEARCH creates a new allowed file, and is refused for an existing one" {
  run apply-diff --tree "$TREE" --allow db/db_impl/new_helper.h --raw <<'EOF2'
db/db_impl/new_helper.h
<<<<<<< SEARCH
=======
#pragma once
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 0 ]
  [ "$(cat "$TREE/db/db_impl/new_helper.h")" = "#pragma once" ]
  run --separate-stderr apply_raw <<'EOF2'
<<<<<<< SEARCH
=======
int x;
>>>>>>> REPLACE
EOF2
  [ "$status" -eq 1 ]
  [[ "$(jq -r .message <<<"$output")" == *"empty SEARCH for db/db_impl/db_impl_write.cc, which exists"* ]]
}

@test "records: apply added, patch.diff in the record's dir; failed records passed on untouched" {
  mkdir -p "$BATS_TEST_TMPDIR/c1"
  edit=$'<<<<<<< SEARCH\n      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);\n=======\n      // aiopt: sync each log\n      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);\n>>>>>>> REPLACE\n'
  {
    jq -cn --arg d "$edit" --arg dir "$BATS_TEST_TMPDIR/c1" '{id:"c1", dir:$dir, diff:$d}'
    jq -cn '{id:"c0", error:{stage:"llm", message:"no edit in reply"}}'
  } > "$BATS_TEST_TMPDIR/in.jsonl"
  run apply-diff --tree "$TREE" --allow "$W" < "$BATS_TEST_TMPDIR/in.jsonl"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [ "$(jq -c '.apply' <<<"${lines[0]}")" = '{"ok":true,"files":["db/db_impl/db_impl_write.cc"],"blocks":1,"fuzzy":0,"patch":"patch.diff"}' ]
  [ "${lines[1]}" = '{"id":"c0","error":{"stage":"llm","message":"no edit in reply"}}' ]
  cmp "$TREE/$W" "$EXPECTED"
  # patch.diff is exactly what changed: it takes the pristine file to the new one.
  cp "$SRC/$W" "$BATS_TEST_TMPDIR/check.cc"
  patch -s "$BATS_TEST_TMPDIR/check.cc" < "$BATS_TEST_TMPDIR/c1/patch.diff"
  cmp "$BATS_TEST_TMPDIR/check.cc" "$EXPECTED"
  head -2 "$BATS_TEST_TMPDIR/c1/patch.diff" | grep -qx -- "--- a/$W"
}

@test "records: a failed apply sets error with the message; --dry-run changes nothing" {
  jq -cn '{id:"c2", diff:"<<<<<<< SEARCH\nno such line\n=======\nx\n>>>>>>> REPLACE\n"}' > "$BATS_TEST_TMPDIR/bad.jsonl"
  run apply-diff --tree "$TREE" --allow "$W" < "$BATS_TEST_TMPDIR/bad.jsonl"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.apply.ok,.error.stage]' <<<"$output")" = '[false,"apply"]' ]
  [[ "$(jq -r .error.message <<<"$output")" == *"block 1 (SEARCH starting \"no such line\") does not match"* ]]
  edit=$'<<<<<<< SEARCH\n      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);\n=======\n      // x\n>>>>>>> REPLACE\n'
  run apply-diff --tree "$TREE" --allow "$W" --dry-run --raw <<<"$edit"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.ok,.patch]' <<<"$output")" = '[true,null]' ]
  cmp "$TREE/$W" "$SRC/$W"
}

@test "usage: --tree and --allow are required; records that are not JSON exit 1" {
  run apply-diff --allow "$W" --raw </dev/null
  [ "$status" -eq 2 ]
  run apply-diff --tree "$TREE" --raw </dev/null
  [ "$status" -eq 2 ]
  run --separate-stderr apply-diff --tree "$TREE" --allow "$W" <<<"not json"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"stdin:1:1: not JSON"* ]]
}
