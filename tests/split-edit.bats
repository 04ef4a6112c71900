#!/usr/bin/env bats
# split-edit on RocksDB 7.8.3's real db_impl_write.cc: the diff git writes of a
# two-hunk edit, split into hunks that apply-diff applies alone or together.

load helpers/common

SRC="$FIXTURES/rocksdb-7.8.3"
W=db/db_impl/db_impl_write.cc

# A git repository holding pristine's file; TREE.
setup() {
  TREE="$BATS_TEST_TMPDIR/tree"
  mkdir -p "$TREE/db/db_impl"
  cp "$SRC/$W" "$TREE/$W"
  git -C "$TREE" init -q
  git -C "$TREE" add -A
  git -C "$TREE" -c user.email=t@t -c user.name=t commit -qm pristine
  # git's diff of the two-hunk edit: what the apply stage writes as cumulative.diff
  apply-diff --tree "$TREE" --allow "$W" --raw < "$FIXTURES/edits/spin-2us-marked.md" > /dev/null
  git -C "$TREE" diff > "$BATS_TEST_TMPDIR/full.diff"
  git -C "$TREE" checkout -q -- .
}

@test "a git diff splits into its hunks, each with its file, lines (old_line, old_lines: the old file's lines it spans) and size" {
  run split-edit "$BATS_TEST_TMPDIR/full.diff"
  [ "$status" -eq 0 ]
  [ "$(jq -sc 'map(del(.edit))' <<<"$output")" = \
    '[{"block":1,"file":"db/db_impl/db_impl_write.cc","old_line":18,"old_lines":6,"added":2,"removed":0},{"block":2,"file":"db/db_impl/db_impl_write.cc","old_line":128,"old_lines":6,"added":6,"removed":0}]' ]
}

@test "each hunk applies alone, and the hunks together make the whole diff again" {
  split-edit < "$BATS_TEST_TMPDIR/full.diff" > "$BATS_TEST_TMPDIR/hunks.jsonl"
  jq -r 'select(.block == 2) | .edit' "$BATS_TEST_TMPDIR/hunks.jsonl" | apply-diff --tree "$TREE" --allow "$W" --raw > /dev/null
  git -C "$TREE" diff > "$BATS_TEST_TMPDIR/two.diff"
  grep -q '^+.*spin_until' "$BATS_TEST_TMPDIR/two.diff"
  ! grep -q 'aiopt-test-marker' "$BATS_TEST_TMPDIR/two.diff" || false
  git -C "$TREE" checkout -q -- .
  jq -r '.edit' "$BATS_TEST_TMPDIR/hunks.jsonl" | apply-diff --tree "$TREE" --allow "$W" --raw > /dev/null
  git -C "$TREE" diff | cmp - "$BATS_TEST_TMPDIR/full.diff"
}

@test "SEARCH/REPLACE blocks split too; the hunk's line is unknown there (null)" {
  run split-edit "$FIXTURES/edits/spin-2us-marked.md"
  [ "$status" -eq 0 ]
  [ "$(jq -sc 'map([.block, .file, .old_line, .added, .removed])' <<<"$output")" = \
    '[[1,"db/db_impl/db_impl_write.cc",null,3,1],[2,"db/db_impl/db_impl_write.cc",null,8,2]]' ]
  jq -r 'select(.block == 1) | .edit' <<<"$output" | apply-diff --tree "$TREE" --allow "$W" --raw > /dev/null
  [ "$(git -C "$TREE" diff | grep -c '^+[^+]')" -eq 2 ]
}

@test "no edit, or no file: exit 1 and a message naming the input" {
  echo 'just prose, no edit' > "$BATS_TEST_TMPDIR/prose.md"
  run --separate-stderr split-edit "$BATS_TEST_TMPDIR/prose.md"
  [ "$status" -eq 1 ]
  [[ "$(jq -r .error.message <<<"$output")" == *"prose.md: no edit found"* ]]   # the error record, as every filter's
  [[ "$stderr" == *"prose.md: no edit found"* ]]
  run --separate-stderr split-edit "$BATS_TEST_TMPDIR/missing.diff"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"missing.diff: No such file or directory"* ]]
}
