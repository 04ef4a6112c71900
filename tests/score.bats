#!/usr/bin/env bats
# score: known inputs, known scores.  Pairs are synthetic with chosen ratios;
# expected values are worked out by hand in the comments.

load helpers/common

# run_json OPS_B OPS_C P99_B P99_C STALL_B STALL_C: one parse-dbbench-like object pair
pair() {
  jq -cn --argjson ob "$1" --argjson oc "$2" --argjson pb "$3" --argjson pc "$4" --argjson sb "${5:-50}" --argjson sc "${6:-50}" '
    def run(o; p; s): {benchmark:"fillrandom", ops_per_sec:o, p99_us:p, exit_status:0,
      benchmarks:[{name:"fillrandom", operations:(o*10)}], cpu_seconds:10,
      db_stats:{stall_pct:s}, compaction:{l0_files:4}};
    {baseline: run($ob; $pb; $sb), candidate: run($oc; $pc; $sc)}'
}

record() {   # PAIR... → a candidate record that applied, built and passed
  printf '%s\n' "$@" | jq -sc '{id:"c0001-abcdef", apply:{ok:true}, build:{ok:true}, test:{ok:true}, bench:{pairs:.}}'
}

num() { jq -rc "$1" <<<"$output"; }

@test "identical 3 % gains in every pair: value 1.03, CI [1.03, 1.03], significant" {
  run score --weights throughput=1,latency=0,bcoz=0,bperf=0 <<<"$(record "$(pair 1000 1030 100 100)" "$(pair 2000 2060 100 100)" "$(pair 1500 1545 100 100)")"
  [ "$status" -eq 0 ]
  [ "$(num '.score.terms.throughput | [.value,.ci_low,.ci_high,.significant,.pairs] | map(if type=="number" then (.*10000|round/10000) else . end)')" = \
    "$(jq -c . <<<'[1.03,1.03,1.03,true,3]')" ]
  [ "$(num '.score | [.valid, (.combined_score*10000|round/10000)]' | jq -c .)" = '[true,1.03]' ]
}

@test "a 3 % gain with tight pairs is significant; with wide pairs it is not" {
  # tight: ratios 1.02, 1.03, 1.04 → t interval on logs ≈ [1.005, 1.055]
  run score <<<"$(record "$(pair 1000 1020 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1040 100 100)")"
  [ "$(num '.score.terms.throughput | [(.value*1000|round), .significant, (.ci_low > 1), (.ci_low < 1.01), (.ci_high > 1.05)]' | jq -c .)" = '[1030,true,true,true,true]' ]
  # wide: ratios 0.95, 1.03, 1.11 → same median, CI ≈ [0.84, 1.25]
  run score <<<"$(record "$(pair 1000 950 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1110 100 100)")"
  [ "$(num '.score.terms.throughput | [(.value*1000|round), .significant, (.ci_low < 0.9), (.ci_high > 1.2)]' | jq -c .)" = '[1030,false,true,true]' ]
}

@test "terms and renormalisation: throughput 1.03, latency 1.10 → (0.3·1.03 + 0.2·1.10) / 0.5 = 1.058" {
  run score <<<"$(record "$(pair 1000 1030 110 100)" "$(pair 1000 1030 110 100)")"
  [ "$(num '.score | [(.terms.latency.value*1000|round), (.combined_score*10000|round), (.comparable_score*10000|round)]' | jq -c .)" = '[1100,10580,10580]' ]
  [ "$(num '.score.terms | keys' | jq -c .)" = '["latency","stall","throughput"]' ]
}

@test "bcoz from the baseline file: 1 + (20 − 10) / 20 = 1.5, in combined but not in comparable" {
  echo '{"bcoz_max_speedup": 20}' > "$BATS_TEST_TMPDIR/baseline.json"
  rec=$(record "$(pair 1000 1030 110 100)" "$(pair 1000 1030 110 100)" | jq -c '.coz = {max_speedup_pct: 10}')
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$rec"
  # (0.3·1.03 + 0.2·1.10 + 0.3·1.5) / 0.8 = 1.22375
  [ "$(num '.score | [.terms.bcoz.value, (.combined_score*100000|round), (.comparable_score*10000|round)]' | jq -c .)" = '[1.5,122375,10580]' ]
  # the floor: pristine at 0.05 % counts as 0.1 %: 1 + (0.1 − 0.2) / 0.1 = 0
  echo '{"bcoz_max_speedup": 0.05}' > "$BATS_TEST_TMPDIR/baseline.json"
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.coz.max_speedup_pct = 0.2' <<<"$rec")"
  [ "$(num '.score.terms.bcoz.value * 1000 | round')" = 0 ]
  # without a pristine profile there is no bcoz term
  run score <<<"$rec"
  [ "$(num '.score.terms | has("bcoz")')" = false ]
}

@test "bperf: base_offcpu / cand_offcpu, capped at 5" {
  rec=$(record "$(pair 1000 1000 100 100)" | jq -c '.bperf = {off_cpu_ratio: 0.25}')
  echo '{"bperf": {"off_cpu_ratio": 0.5}}' > "$BATS_TEST_TMPDIR/baseline.json"
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$rec"
  [ "$(num '.score.terms.bperf.value')" = 2 ]
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.bperf.off_cpu_ratio = 0.01' <<<"$rec")"
  [ "$(num '.score.terms.bperf.value')" = 5 ]
}

@test "stall: time not stalled, candidate over pristine; L0 files reported beside it" {
  run score <<<"$(record "$(pair 1000 1000 100 100 80 60)")"
  # (100 − 60) / (100 − 80) = 2
  [ "$(num '.score.terms.stall | [.value, .l0_files_baseline, .weight]' | jq -c .)" = '[2,4,0]' ]
}

@test "invalid at every stage: score 0, valid false, the first failing stage as reason" {
  good=$(record "$(pair 1000 1030 100 100)")
  for case in 'del(.apply,.build,.test,.bench) | .error={stage:"apply",message:"block 1 does not match"}@@apply: block 1 does not match' \
              '.apply.ok=false@@apply failed' '.build.ok=false@@build failed' '.test.ok=false@@test failed' \
              '.bench.pairs[0].candidate.exit_status=139@@bench: the candidate run of pair 0 exited 139' \
              '.bench.pairs[0].baseline.error={message:"no db_bench result"}@@bench: the baseline run of pair 0: no db_bench result'; do
    filter=${case%%@@*} reason=${case#*@@}
    run score <<<"$(jq -c "$filter" <<<"$good")"
    [ "$status" -eq 0 ]
    [ "$(num '.score | [.combined_score, .comparable_score, .valid]' | jq -c .)" = '[0,0,false]' ]
    [ "$(num .score.reason)" = "$reason" ]
  done
}

@test "missing or contradictory input: an error naming the field, never a default" {
  good=$(record "$(pair 1000 1030 100 100)")
  for case in '.bench.pairs=[]@@missing bench.pairs' 'del(.test)@@missing test.ok' \
              '.bench.pairs[0].candidate.ops_per_sec=null@@bench.pairs[0].candidate.ops_per_sec is null or missing' \
              '.bench.pairs[0].baseline.p99_us=-3@@bench.pairs[0].baseline.p99_us is -3: not a measurement'; do
    filter=${case%%@@*} msg=${case#*@@}
    run --separate-stderr score <<<"$(jq -c "$filter" <<<"$good")"
    [ "$status" -eq 0 ]
    [[ "$(num .error.message)" == *"$msg"* ]]
    [ "$(num .error.stage)" = score ]
    [ "$(num .score.valid)" = false ]
  done
}

@test "pristine scores 1.0" {
  run score <<<'{"id":"pristine","pristine":true}'
  [ "$(num '.score | [.combined_score,.comparable_score,.valid]' | jq -c .)" = '[1,1,true]' ]
}

@test "--more: screen, minimum, target, clearly worse, budget" {
  run --separate-stderr score --more <<<"$(record "$(pair 1000 900 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"first pair is 10.0 % slower"* ]]
  run --separate-stderr score --more <<<"$(record "$(pair 1000 1000 100 100)" "$(pair 1000 1010 100 100)")"
  [ "$status" -eq 3 ]; [[ "$stderr" == *"2 of at least 3 pairs"* ]]
  run --separate-stderr score --more <<<"$(record "$(pair 1000 1030 100 100)" "$(pair 1000 1031 100 100)" "$(pair 1000 1029 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"<= target 3.0 %"* ]]
  run --separate-stderr score --more <<<"$(record "$(pair 1000 950 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1110 100 100)")"
  [ "$status" -eq 3 ]; [[ "$stderr" == *"> target 3.0 % after 3 pairs"* ]]
  run --separate-stderr score --more <<<"$(record "$(pair 1000 800 100 100)" "$(pair 1000 810 100 100)" "$(pair 1000 790 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"clearly worse"* ]]
  wide=(); for i in 1 2 3 4; do wide+=("$(pair 1000 950 100 100)" "$(pair 1000 1110 100 100)"); done
  run --separate-stderr score --more <<<"$(record "${wide[@]}")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"8 pairs, the budget"* ]]
}

@test "--explain: every term, its CI and weight" {
  run score --explain <<<"$(record "$(pair 1000 1020 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1040 100 100)")"
  [ "$status" -eq 0 ]
  [[ "$output" == *"c0001-abcdef: combined "*"(3 pairs; CI: paired t on log ratios)"* ]]
  [[ "$output" == *"throughput 1.0300  95% CI ["*"]  significant  weight 0.3"* ]]
  [[ "$output" == *"latency    1.0000  95% CI [1.0000, 1.0000]  not significant  weight 0.2"* ]]
}

@test "usage: bad weights exit 2" {
  run score --weights speed=1 </dev/null
  [ "$status" -eq 2 ]
}
