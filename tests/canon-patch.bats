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
  # and with a comment line written above the function, in the same run of changed lines
  awk '/^=======$/ { r = 1 } r && /^Status DBImpl::Write\(/ && !done { print "// Write: the known effect"; done = 1 } { print }' \
    "$FIXTURES/edits/loop-per-write.md" | patch_of c
  grep -q '^+// Write: the known effect$' "$BATS_TEST_TMPDIR/c.diff"
  run canon-patch "$BATS_TEST_TMPDIR/a.diff" "$BATS_TEST_TMPDIR/b.diff" "$BATS_TEST_TMPDIR/c.diff"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "${lines[1]}" ] && [ "${lines[0]}" = "${lines[2]}" ]
  [ "$(jq -c '[.changed_statements, .tokens > 40]' <<<"${lines[0]}")" = '[6,true]' ]
  ! cmp -s "$BATS_TEST_TMPDIR/a.diff" "$BATS_TEST_TMPDIR/b.diff" || false
  # the form itself: the added statements, without what does not change the program
  run canon-patch --form "$BATS_TEST_TMPDIR/a.diff"
  [ "${lines[0]}" = "= db/db_impl/db_impl_write.cc" ]
  [ "${lines[1]}" = "@ 131" ]   # where: pristine's line the change starts at
  [ "${lines[4]}" = "+ for(uint32_t i=0;i<8;i++){" ]
  [ "${lines[5]}" = "+ known_effect_sum=known_effect_sum+i;" ]
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

@test "what the compiler reads otherwise is a change: the place, code commented out or in, a // comment spliced on, a directive's layout and end" {
  # the same statement added in two functions: two places, two hashes
  printf '  int where = 1; (void)where;\n' | loop_edit | patch_of in_write
  printf 'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\nStatus DBImpl::WriteImpl(const WriteOptions& write_options,\n=======\nstatic int where_else = [] { int where = 1; (void)where; return 0; }();\nStatus DBImpl::WriteImpl(const WriteOptions& write_options,\n>>>>>>> REPLACE\n' | patch_of elsewhere
  printf '  int where = 1; (void)where;\n  int where2 = 2; (void)where2;\n' | loop_edit | patch_of two
  printf '  int where2 = 2; (void)where2;\n  int where = 1; (void)where;\n' | loop_edit | patch_of swapped
  run canon-patch "$BATS_TEST_TMPDIR"/{in_write,elsewhere,two,swapped}.diff
  [ "$(printf '%s\n' "${lines[@]}" | jq -r .canonical_hash | sort -u | wc -l)" -eq 4 ]
  # pristine's "  Status s;" (a context line) commented out by /* */ lines around it, or by a
  # // comment spliced on by a backslash: the statement is removed
  printf '  /*\n  Status s;\n  */\n  Status s;\n' | loop_edit | patch_of block
  run canon-patch --form "$BATS_TEST_TMPDIR/block.diff"
  [[ "$output" == *"- Status s;"* ]] || [[ "$output" == *"+ Status s;"* ]]
  printf '  // a note \\\n  int spliced = 1;\n' | loop_edit | patch_of spliced
  printf '  int spliced = 1;\n' | loop_edit | patch_of plain
  run canon-patch --form "$BATS_TEST_TMPDIR/spliced.diff"
  [[ "$output" != *"spliced"* ]]
  run canon-patch --form "$BATS_TEST_TMPDIR/plain.diff"
  [[ "$output" == *"+ int spliced=1;"* ]]
  # a directive: function-like or not, ended or continued onto the next line
  printf '#define SQ(a) ((a) * (a))\n' | loop_edit | patch_of fn
  printf '#define SQ (a) ((a) * (a))\n' | loop_edit | patch_of obj
  printf '#define SQ(a) ((a) * (a)) \\\n  int joined = 1;\n' | loop_edit | patch_of joined
  printf '#define SQ(a) ((a) * (a))\n  int joined = 1;\n' | loop_edit | patch_of apart
  run canon-patch "$BATS_TEST_TMPDIR"/{fn,obj,joined,apart}.diff
  [ "$(printf '%s\n' "${lines[@]}" | jq -r .canonical_hash | sort -u | wc -l)" -eq 4 ]
  # a raw string's text is no comment and no quote, on one line or across lines
  printf '  const char *raw = R"x(a "// b)x"; (void)raw;\n' | loop_edit | patch_of raw1
  printf '  const char *raw = R"x(a "// c)x"; (void)raw;\n' | loop_edit | patch_of raw2
  printf '  const char *raw = R"(a\n  // b)"; (void)raw;\n' | loop_edit | patch_of raw3
  printf '  const char *raw = R"(a\n  // c)"; (void)raw;\n' | loop_edit | patch_of raw4
  run canon-patch "$BATS_TEST_TMPDIR"/raw{1,2,3,4}.diff
  [ "$(printf '%s\n' "${lines[@]}" | jq -r .canonical_hash | sort -u | wc -l)" -eq 4 ]
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
  [ "$output" = "$(printf '= f.c\n@ 2\n- --x\n+ ++y')" ]
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
  # two children of one parent: compared on what each adds to what they share (the
  # parent's ~100 tokens), not on the whole patch, where the shared part would dilute it
  printf '  int shared_a = 1; (void)shared_a;\n  int shared_b = 2; (void)shared_b;\n  int shared_c = 3; (void)shared_c;\n' \
    | loop_edit > "$BATS_TEST_TMPDIR/parent.md"
  at() {   # ANCHOR LINE: a block adding LINE before ANCHOR
    printf 'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\n%s\n=======\n%s\n%s\n>>>>>>> REPLACE\n\n' "$1" "$2" "$1"
  }
  { cat "$BATS_TEST_TMPDIR/parent.md"; echo; at 'Status DBImpl::WriteImpl(const WriteOptions& write_options,' 'static const int stall_bypass = 7;'; } | patch_of child1
  { cat "$BATS_TEST_TMPDIR/parent.md"; echo; at 'Status DBImpl::PutEntity(const WriteOptions& options,' 'static bool skip_group_sync() { return true; }'; } | patch_of child2
  printf 'c1\t%s\n' "$BATS_TEST_TMPDIR/child1.diff" > "$BATS_TEST_TMPDIR/list1"
  run canon-patch --nearest "$BATS_TEST_TMPDIR/child2.diff" < "$BATS_TEST_TMPDIR/list1"
  jq -e '.distance > 0.5' <<<"$output"
  # past the bound: not compared, never near
  { for i in $(seq 1200); do printf '  int v%d = %d; (void)v%d;\n' "$i" "$i" "$i"; done; } | loop_edit | patch_of long1
  { for i in $(seq 1200); do printf '  int v%d = %d; (void)v%d;\n' "$i" "$((i + 1))" "$i"; done; } | loop_edit | patch_of long2
  printf 'long1\t%s\n' "$BATS_TEST_TMPDIR/long1.diff" > "$BATS_TEST_TMPDIR/list2"
  run canon-patch --nearest "$BATS_TEST_TMPDIR/long2.diff" < "$BATS_TEST_TMPDIR/list2"
  [ "$output" = '{"nearest":null,"distance":null,"not_compared":1}' ]
  run canon-patch --nearest "$BATS_TEST_TMPDIR/a.diff" < /dev/null
  [ "$output" = '{"nearest":null,"distance":null,"not_compared":0}' ]
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

# repeat_check RUN CAND: the apply stage's check of CAND (a candidate directory with
# its apply.json and cumulative.diff) against RUN's archive, as bin/stage.sh runs it
repeat_check() {
  bash -c 'TOP=$1 SCRIPT=stage; eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"; BIN=$AIOPT_BIN
    . "$TOP/bin/common.sh"; . "$TOP/bin/stage/lib.sh"; . "$TOP/bin/stage/apply.sh"; repeat_check "$2" "$2/apply.json"' \
    check "$TOP" "$1/$2"
}
# candidate RUN ID PARENT DIFF [ARCHIVED-OUTCOME]: a candidate of RUN, applied, with
# DIFF as its patch against pristine; archived (as score.valid true) when a fifth
# argument is given
candidate() {
  mkdir -p "$1/$2" && cp "$4" "$1/$2/cumulative.diff"
  jq -cn --arg id "$2" --arg p "$3" --argjson c "$(canon-patch "$4")" \
    '{id: $id, parent: $p, iteration: ($id[1:5] | tonumber), apply: {ok: true, canonical_hash: $c.canonical_hash}}' > "$1/$2/apply.json"
  [ -z "${5:-}" ] || jq -c '.score = {valid: true, comparable_score: 1.01}' "$1/$2/apply.json" >> "$1/archive.jsonl"
}

@test "the apply stage's repeat check: a duplicate of an archived candidate, one too near, an ancestor's refinement, and a hostile archive's lines skipped" {
  r="$BATS_TEST_TMPDIR/run"
  patch_of a < "$FIXTURES/edits/loop-per-write.md"
  sed 's/known_effect_sum/sum/g' "$FIXTURES/edits/loop-per-write.md" | patch_of renamed
  sed 's/i < 8/i < 9/' "$FIXTURES/edits/loop-per-write.md" | patch_of nine
  printf '# reformatted\n' | cat - "$BATS_TEST_TMPDIR/a.diff" > "$BATS_TEST_TMPDIR/a2.diff"
  sed -i 's/known_effect_sum = 0;/known_effect_sum =   0 ;  \/\/ again/' "$BATS_TEST_TMPDIR/a2.diff"
  candidate "$r" c0001-aaaaaa pristine "$BATS_TEST_TMPDIR/a.diff" archived
  # the same change: its duplicate, with the original's verdict
  candidate "$r" c0002-bbbbbb pristine "$BATS_TEST_TMPDIR/a2.diff"
  repeat_check "$r" c0002-bbbbbb
  [ "$(jq -c '[.error.stage, .duplicate_of]' "$r/c0002-bbbbbb/apply.json")" = '["duplicate",{"id":"c0001-aaaaaa","outcome":"valid 1.01"}]' ]
  # a name renamed: too near
  candidate "$r" c0003-cccccc pristine "$BATS_TEST_TMPDIR/renamed.diff"
  repeat_check "$r" c0003-cccccc
  jq -e '.error.stage == "novelty" and .apply.nearest.id == "c0001-aaaaaa" and .apply.nearest.distance < 0.1' "$r/c0003-cccccc/apply.json"
  # another constant in the child of c0001: near its ancestor, and not refused for it
  candidate "$r" c0004-dddddd c0001-aaaaaa "$BATS_TEST_TMPDIR/nine.diff"
  repeat_check "$r" c0004-dddddd
  [ "$(jq -c '[.error, .apply.nearest]' "$r/c0004-dddddd/apply.json")" = '[null,null]' ]
  # a hostile archive: an id that is no candidate's, a patch that is a link out, a
  # line that is not JSON: none is read as a path or an original
  r2="$BATS_TEST_TMPDIR/hostile"
  mkdir -p "$r2/c0009-eeeeee"
  printf 'not json\n' > "$r2/archive.jsonl"
  jq -c '.id = "../../etc"' "$r/c0001-aaaaaa/apply.json" >> "$r2/archive.jsonl"
  jq -c '.id = "c0009-eeeeee" | .apply.canonical_hash = "0"' "$r/c0001-aaaaaa/apply.json" >> "$r2/archive.jsonl"
  ln -s "$BATS_TEST_TMPDIR/a.diff" "$r2/c0009-eeeeee/cumulative.diff"
  # and a parent that is no id (a number), on the candidate's own line of ancestors: its
  # line skipped and named, the walk ends there (it once stopped the stage at every resume)
  jq -c '.id = "c0008-abcdef" | .parent = 7 | .apply.canonical_hash = "1"' "$r/c0001-aaaaaa/apply.json" >> "$r2/archive.jsonl"
  candidate "$r2" c0010-ffffff c0008-abcdef "$BATS_TEST_TMPDIR/a.diff"
  run --separate-stderr repeat_check "$r2" c0010-ffffff
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"apply: $r2/archive.jsonl:4: parent 7 is not an id: not compared"* ]]
  [ "$(jq -c '[.error, .duplicate_of, .apply.nearest]' "$r2/c0010-ffffff/apply.json")" = '[null,null,null]' ]
  # AIOPT_DEDUP=0: nothing checked
  candidate "$r" c0011-abcdef pristine "$BATS_TEST_TMPDIR/a2.diff"
  AIOPT_DEDUP=0 repeat_check "$r" c0011-abcdef
  [ "$(jq -c .error "$r/c0011-abcdef/apply.json")" = null ]
}
