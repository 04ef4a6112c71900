#!/usr/bin/env bats
# canon-patch (src/lib/canon.c): the canonical form of an edit and its hash, on the
# patches real edits make against the fixture's db_impl_write.cc.  The variants are
# constructed here from tests/fixtures/edits/loop-per-write.md (a known-effect edit
# written by hand): the same change reformatted, commented, renamed.

load helpers/common

setup() {
  TREE="$BATS_TEST_TMPDIR/tree" W=db/db_impl/db_impl_write.cc
  mkdir -p "$TREE/db/db_impl"
  cp "$FIXTURES/rocksdb-7.8.3/$W" "$TREE/$W"
  git -C "$TREE" init -q && git -C "$TREE" add -A && git -C "$TREE" -c user.name=t -c user.email=t@t commit -qm pristine
}

# patch_of NAME < EDIT: the tree's patch against pristine once EDIT is applied, in NAME.diff
patch_of() {
  apply-diff --tree "$TREE" --allow "$W" --raw > /dev/null
  git -C "$TREE" diff > "$BATS_TEST_TMPDIR/$1.diff"
  git -C "$TREE" checkout -q -- .
}

loop_edit() {   # the REPLACE side of loop-per-write.md, as BODY (stdin) gives it
  printf 'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\nStatus DBImpl::Write(const WriteOptions& write_options, WriteBatch* my_batch) {\n  Status s;\n=======\nStatus DBImpl::Write(const WriteOptions& write_options, WriteBatch* my_batch) {\n'
  cat
  printf '  Status s;\n>>>>>>> REPLACE\n'
}

@test "the same change reformatted, commented, with blank lines and its lines broken elsewhere: one canonical hash" {
  patch_of a < "$FIXTURES/edits/loop-per-write.md"
  loop_edit > "$BATS_TEST_TMPDIR/b.md" <<'C'
	{   // the known effect: eight additions a write
		volatile uint32_t  known_effect_sum =0;

		for (uint32_t i = 0 ;
		     i < 8; i ++)   { /* not optimised away */ known_effect_sum = known_effect_sum+ i; }
	}
C
  patch_of b < "$BATS_TEST_TMPDIR/b.md"
  run canon-patch "$BATS_TEST_TMPDIR/a.diff" "$BATS_TEST_TMPDIR/b.diff"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "${lines[1]}" ]
  [ "$(jq -c '[.changed_statements, .tokens > 40]' <<<"${lines[0]}")" = '[6,true]' ]
  ! cmp -s "$BATS_TEST_TMPDIR/a.diff" "$BATS_TEST_TMPDIR/b.diff" || false
  # the form itself: the added statements, without what does not change the program
  run canon-patch --form "$BATS_TEST_TMPDIR/a.diff"
  [ "${lines[0]}" = "= db/db_impl/db_impl_write.cc" ]
  [ "${lines[3]}" = "+ for(uint32_t i=0;i<8;i++){" ]
  [ "${lines[4]}" = "+ known_effect_sum=known_effect_sum+i;" ]
}

@test "what does change the program changes the hash: a renamed variable, another constant, a string holding //, a - -b" {
  patch_of a < "$FIXTURES/edits/loop-per-write.md"
  sed 's/known_effect_sum/sum_of_known_effect/g' "$FIXTURES/edits/loop-per-write.md" | patch_of renamed
  sed 's/i < 8/i < 9/' "$FIXTURES/edits/loop-per-write.md" | patch_of nine
  printf '  const char *u = "http://x"; (void)u;\n' | loop_edit | patch_of url
  printf '  const char *u = "http:"; (void)u;\n' | loop_edit | patch_of url2
  printf '  int a = 1, b = 2; a = a - -b; (void)a;\n' | loop_edit | patch_of negate
  printf '  int a = 1, b = 2; a = a--b; (void)a;\n' | loop_edit | patch_of decrement
  run canon-patch "$BATS_TEST_TMPDIR"/{a,renamed,nine,url,url2,negate,decrement}.diff
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "${lines[@]}" | jq -r .canonical_hash | sort -u | wc -l)" -eq 7 ]
}

@test "an edit of comments, whitespace and line breaks only changes nothing: the empty form" {
  patch_of c < "$TOP/experiments/experiment_a/scripted/01-comment-only.md"
  [ -s "$BATS_TEST_TMPDIR/c.diff" ]
  run canon-patch --form "$BATS_TEST_TMPDIR/c.diff"
  [ "$status" -eq 0 ] && [ -z "$output" ]
  run canon-patch "$BATS_TEST_TMPDIR/c.diff"
  # the empty form's hash is FNV-1a 64's offset basis
  [ "$(jq -c '[.changed_statements, .tokens, .canonical_hash]' <<<"$output")" = '[0,0,"cbf29ce484222325"]' ]
  # a line of pristine's broken in two, one removed line for two added: laid out anew only
  printf 'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\nStatus DBImpl::Write(const WriteOptions& write_options, WriteBatch* my_batch) {\n=======\nStatus DBImpl::Write(const WriteOptions& write_options,\n                     WriteBatch* my_batch) {\n>>>>>>> REPLACE\n' | patch_of broken
  [ "$(grep -c '^[-+][^-+]' "$BATS_TEST_TMPDIR/broken.diff")" -eq 3 ]
  run canon-patch --form "$BATS_TEST_TMPDIR/broken.diff"
  [ "$status" -eq 0 ] && [ -z "$output" ]
}

@test "a removed line that reads like a diff header is a line of the hunk (the hunk's counts decide)" {
  # constructed: a hunk removing "-- x" and "++ y" lines, as git writes it
  printf -- '--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n a;\n--- x\n+++ y\n b;\n' > "$BATS_TEST_TMPDIR/h.diff"
  run canon-patch --form "$BATS_TEST_TMPDIR/h.diff"
  [ "$output" = "$(printf '= f.c\n- --x\n+ ++y')" ]
}

@test "--nearest: the listed edit whose form is nearest, by token edit distance; a renamed variable is near" {
  patch_of a < "$FIXTURES/edits/loop-per-write.md"
  sed 's/known_effect_sum/sum/g' "$FIXTURES/edits/loop-per-write.md" | patch_of renamed
  patch_of spin < "$FIXTURES/edits/spin-2us.md"
  printf 'c0001\t%s\nc0002\t%s\n' "$BATS_TEST_TMPDIR/spin.diff" "$BATS_TEST_TMPDIR/a.diff" > "$BATS_TEST_TMPDIR/list"
  run canon-patch --nearest "$BATS_TEST_TMPDIR/renamed.diff" < "$BATS_TEST_TMPDIR/list"
  [ "$status" -eq 0 ]
  [ "$(jq -r .nearest <<<"$output")" = c0002 ]
  jq -e '.distance > 0 and .distance < 0.1' <<<"$output"
  run canon-patch --nearest "$BATS_TEST_TMPDIR/a.diff" < /dev/null
  [ "$output" = '{"nearest":null,"distance":null}' ]
}

@test "bad input: a missing file or a list line that is not ID<TAB>DIFF, named; exit 1" {
  run canon-patch "$BATS_TEST_TMPDIR/none.diff"
  [ "$status" -eq 1 ]
  [[ "$output" == *"none.diff: No such file or directory"* ]]
  : > "$BATS_TEST_TMPDIR/e.diff"
  run canon-patch --nearest "$BATS_TEST_TMPDIR/e.diff" <<<'c0001 no tab'
  [ "$status" -eq 1 ]
  [[ "$output" == *"stdin:1: not ID<TAB>DIFF"* ]]
}
