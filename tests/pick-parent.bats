#!/usr/bin/env bats
# pick-parent: reproducible, never an invalid parent, pristine always there.

load helpers/common

archive() {   # a run's archive: valid, invalid and failed candidates
  cat <<'EOF2'
{"id":"c0001-aaaaaa","parent":"pristine","score":{"valid":true,"combined_score":1.01}}
{"id":"c0002-bbbbbb","parent":"pristine","error":{"stage":"build","message":"x"},"score":{"valid":false,"combined_score":0}}
{"id":"c0003-cccccc","parent":"c0001-aaaaaa","score":{"valid":true,"combined_score":1.08}}
{"id":"c0004-dddddd","parent":"c0001-aaaaaa","score":{"valid":false,"combined_score":0,"reason":"test failed"}}
{"id":"c0005-eeeeee","parent":"c0003-cccccc","score":{"valid":true,"combined_score":0.97}}
EOF2
}

@test "an empty archive: pristine" {
  run pick-parent --seed 1 </dev/null
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.id,.pristine,.score.combined_score]' <<<"$output")" = '["pristine",true,1]' ]
}

@test "only invalid candidates: pristine, never an invalid one" {
  run pick-parent --seed 3 < <(archive | grep -v valid\":true)
  [ "$(jq -r .id <<<"$output")" = pristine ]
  for seed in $(seq 1 60); do
    id=$(archive | pick-parent --seed "$seed" --explore 0.5 | jq -r .id)
    [[ "$id" =~ ^(pristine|c0001-aaaaaa|c0003-cccccc|c0005-eeeeee)$ ]]
  done
}

@test "same seed and archive, same choice; other seeds explore" {
  a=$(archive | pick-parent --seed 7)
  b=$(archive | pick-parent --seed 7)
  [ "$a" = "$b" ]
  distinct=$(for seed in $(seq 1 40); do archive | pick-parent --seed "$seed" | jq -r .id; done | sort -u | wc -l)
  [ "$distinct" -ge 2 ]
}

@test "best: the highest combined_score" {
  run pick-parent --seed 1 --strategy best < <(archive)
  [ "$(jq -r .id <<<"$output")" = c0003-cccccc ]
}

@test "a candidate measured again is ranked by its confirmation: a refuted screening win is not the best parent" {
  # c0003's 1.08 was screening's; fresh pairs found 0.99.  c0005's confirmation was invalid.
  refuted() {
    archive | jq -c 'if .id == "c0003-cccccc" then .confirm = {score: {valid: true, combined_score: 0.99}}
                     elif .id == "c0005-eeeeee" then .confirm = {score: {valid: false, combined_score: 0}} else . end'
  }
  run pick-parent --seed 1 --strategy best < <(refuted)
  [ "$(jq -r .id <<<"$output")" = c0001-aaaaaa ]
  for seed in $(seq 1 60); do
    id=$(refuted | pick-parent --seed "$seed" --explore 0.5 | jq -r .id)
    [ "$id" != c0005-eeeeee ]
  done
}

@test "pristine (the best-of-N control): every seed, with valid candidates there, gives pristine" {
  ids=$(for seed in $(seq 1 40); do archive | AIOPT_STRATEGY=pristine pick-parent --seed "$seed" --explore 1 | jq -r .id; done | sort -u)
  [ "$ids" = pristine ]
}

@test "tournament favours the better: over 200 seeds the best is chosen most" {
  top=$(for seed in $(seq 1 200); do archive | pick-parent --seed "$seed" --explore 0 | jq -r .id; done | sort | uniq -c | sort -rn | head -1)
  [[ "$top" == *c0003-cccccc ]]
}

@test "a torn last line (crash mid-write): warned about, the rest used" {
  { archive; printf '{"id":"c0006-ffff'; } > "$BATS_TEST_TMPDIR/torn.jsonl"
  run --separate-stderr pick-parent --seed 1 --strategy best < "$BATS_TEST_TMPDIR/torn.jsonl"
  [ "$status" -eq 0 ]
  [ "$(jq -r .id <<<"$output")" = c0003-cccccc ]
  [[ "$stderr" == *"stdin:6: unreadable last line"* ]]
}

@test "islands: the parent comes from this iteration's island and carries it" {
  # 5 records, 4 islands: this iteration's island is 5 mod 4 = 1
  arch=$(archive | jq -c '.island = (if .id == "c0003-cccccc" then 1 else 0 end)')
  for seed in $(seq 1 30); do
    out=$(pick-parent --seed "$seed" --strategy islands --explore 0 <<<"$arch")
    [ "$(jq .island <<<"$out")" = 1 ]
    [[ "$(jq -r .id <<<"$out")" =~ ^(pristine|c0003-cccccc)$ ]]
  done
}

@test "usage: --seed is required" {
  run pick-parent </dev/null
  [ "$status" -eq 2 ]
  [[ "$output" == *"--seed (or AIOPT_SEED) is required"* ]]
}
