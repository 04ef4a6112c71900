#!/usr/bin/env bats
# score: known inputs, known scores.  Pairs are synthetic with chosen ratios;
# expected values are worked out by hand in the comments.

load helpers/common

# pair OPS_B OPS_C P99_B P99_C [STALL_B STALL_C]: one pair of bench-stage runs as
# stage.sh writes them: the saturation run (parse-dbbench; 10 s of OPS writes), the
# kernel's account of it (1,000 bytes written per write, 2 writes and a write call per
# sync), its
# database read back (every key found), its reads, the fixed-load run (P99 is its
# p99) and the database's options (L0 triggers 2/4/6, 2 memtables).
pair() {
  jq -cn --argjson ob "$1" --argjson oc "$2" --argjson pb "$3" --argjson pc "$4" --argjson sb "${5:-50}" --argjson sc "${6:-50}" '
    def run(o; p; s): {benchmark:"fillrandom", ops_per_sec:o, p99_us:(p*10), exit_status:0,
      benchmarks:[{name:"fillrandom", operations:(o*10)}], cpu_seconds:10,
      db_stats:{stall_pct:s}, compaction:{l0_files:4},
      options:{level0_file_num_compaction_trigger:2, level0_slowdown_writes_trigger:4,
               level0_stop_writes_trigger:6, max_write_buffer_number:2},
      kernel:{durable_sync_calls:(o*5), write_calls:(o*5), write_bytes:(o*10000)},
      readback:{keys_found:(o*10), exit_status:0},
      read:{ops_per_sec:50000, exit_status:0},
      fixed_load:{offered_bytes_per_sec:1e7, ops_per_sec:(o*0.7), p99_us:p, l0_files:3, exit_status:0}};
    {baseline: run($ob; $pb; $sb), candidate: run($oc; $pc; $sc)}'
}

# The L0 workload's flags, as the bench stage records them (bench.workload).
WORKLOAD="--benchmarks=fillrandom,stats --num=100000000 --key_size=16 --value_size=400 --seed=1 --duration=10"

record() {   # PAIR... → a candidate record that applied, built and passed
  printf '%s\n' "$@" | jq -sc --arg w "$WORKLOAD" '{id:"c0001-abcdef", apply:{ok:true}, build:{ok:true}, test:{ok:true},
    bench:{workload:$w, pairs:.}}'
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
  [ "$(num '.score.terms | with_entries(select(.value != null)) | keys' | jq -c .)" = '["latency","read","stall","throughput"]' ]
  [ "$(num '.score | [.better_than_pristine, .worse_terms]' | jq -c .)" = '[true,[]]' ]
}

@test "latency is p99 at the fixed offered load, not at saturation" {
  # saturation p99 2x better for the candidate, fixed-load p99 10 % worse: latency 100/110
  rec=$(record "$(pair 1000 1000 100 110)" "$(pair 1000 1000 100 110)" | jq -c '.bench.pairs[].candidate.p99_us /= 2')
  run score <<<"$rec"
  [ "$(num '.score.terms.latency.value * 1000 | round')" = 909 ]
  # without fixed-load runs (a custom bench command) latency is unknown, not saturation's
  run score <<<"$(jq -c 'del(.bench.pairs[][].fixed_load)' <<<"$rec")"
  [ "$(num '.score.terms.latency')" = null ]
  [ "$(num '.score.comparable_score')" = 1 ]
}

@test "one rule for better: a term significantly worse caps the score below 1" {
  # throughput 0.983 [0.98, 0.986] (significantly worse), fixed-load p99 2x better
  rec=$(record "$(pair 1000 982 100 50)" "$(pair 1000 983 100 50)" "$(pair 1000 984 100 50)")
  run score <<<"$rec"
  [ "$(num '.score | [.valid, .better_than_pristine, .worse_terms]' | jq -c .)" = '[true,false,["throughput"]]' ]
  [ "$(num '.score | (.comparable_score * 1000 | round), (.combined_score * 1000 | round)' | paste -sd, -)" = 983,983 ]
  # the same with fixed-load p99 significantly worse and throughput better
  run score <<<"$(record "$(pair 1000 1100 100 130)" "$(pair 1000 1100 100 131)" "$(pair 1000 1100 100 129)")"
  [ "$(num '.score | [.better_than_pristine, .worse_terms, (.comparable_score < 1)]' | jq -c .)" = '[false,["latency"],true]' ]
  run score --explain <<<"$rec"
  [[ "$output" == *"not better: significantly worse on throughput, so the score is capped"* ]]
  [[ "$output" == *"rule: better = no measured term significantly worse"* ]]
}

@test "the read guard: reads significantly slower by more than 10 % make a candidate worse" {
  reads() { record "$(pair 1000 1100 100 100)" "$(pair 1000 1100 100 100)" "$(pair 1000 1100 100 100)" \
    | jq -c --argjson r "[$1]" '.bench.pairs |= [range(length) as $i | .[$i] | .candidate.read.ops_per_sec = 50000 * $r[$i]]'; }
  run score <<<"$(reads 0.80,0.79,0.81)"
  [ "$(num '.score | [.worse_terms, .better_than_pristine, (.comparable_score * 100 | round)]' | jq -c .)" = '[["read"],false,80]' ]
  # 5 % slower reads, significant but within the guard: still better
  run score <<<"$(reads 0.95,0.949,0.951)"
  [ "$(num '.score | [.worse_terms, .better_than_pristine, (.terms.read.significant)]' | jq -c .)" = '[[],true,true]' ]
  run score --read-guard 0.01 <<<"$(reads 0.95,0.949,0.951)"
  [ "$(num '.score.worse_terms' | jq -c .)" = '["read"]' ]
}

@test "contract: L0 past the stop trigger plus the memtables in flight is invalid, naming the figure" {
  rec=$(record "$(pair 1000 3400 100 10)" "$(pair 1000 3400 100 10)" | jq -c '.bench.pairs[1].candidate.compaction.l0_files = 66')
  run --separate-stderr score <<<"$rec"
  [ "$status" -eq 0 ]
  [ "$(num '[.score.valid, .score.combined_score, .error.stage, .score.contract.ok] | tostring')" = '[false,0,"contract",false]' ]
  [ "$(num .error.message)" = "L0 held 66 files at the end of the saturation run of pair 2; writes stop at level0_stop_writes_trigger=6, and at most max_write_buffer_number=2 memtables can flush after that" ]
  [[ "$(num .score.reason)" == "contract: L0 held 66 files"* ]]
  # 8 files (6 + 2 in flight) is within the contract
  run score <<<"$(jq -c '.bench.pairs[1].candidate.compaction.l0_files = 8' <<<"$rec")"
  [ "$(num '[.score.valid, .score.contract.ok, .error] | tostring')" = '[true,true,null]' ]
  # the fixed-load run counts too
  run score <<<"$(jq -c '.bench.pairs[0].candidate.fixed_load.l0_files = 12' <<<"$rec" | jq -c '.bench.pairs[1].candidate.compaction.l0_files = 4')"
  [[ "$(num .error.message)" == "L0 held 12 files at the end of the fixed-load run of pair 1;"* ]]
}

@test "contract: limits come from pristine's database; changing them, or pristine breaking them, is named" {
  rec=$(record "$(pair 1000 1000 100 100)")
  run score <<<"$(jq -c '.bench.pairs[0].candidate.options.level0_stop_writes_trigger = 1000' <<<"$rec")"
  [ "$(num .error.message)" = "the candidate changed level0_stop_writes_trigger from 6 to 1000 at run time (pair 1)" ]
  # pristine's limits of 36: 20 L0 files are fine
  run score <<<"$(jq -c '.bench.pairs[0][].options.level0_stop_writes_trigger = 36 | .bench.pairs[0].candidate.compaction.l0_files = 20' <<<"$rec")"
  [ "$(num '.score.valid')" = true ]
  # pristine itself past its limits: the contract does not fit the workload, an input error
  run --separate-stderr score <<<"$(jq -c '.bench.pairs[0].baseline.compaction.l0_files = 40' <<<"$rec")"
  [ "$(num .error.stage)" = score ]
  [[ "$(num .error.message)" == "pristine broke the write-stall contract (L0 held 40 files at the end of pristine's saturation run of pair 1;"* ]]
}

@test "durability: a synchronous write not synced, counted by the kernel, is invalid; pristine's own runs are checked too" {
  sync="--benchmarks=fillrandom,stats --num=100000000 --sync=1 --threads=4 --seed=1 --duration=10"
  rec=$(record "$(pair 1000 1400 100 100)" "$(pair 1000 1400 100 100)" | jq -c --arg w "$sync" '.bench.workload = $w')
  # 2 writes per sync on both sides: within the 4 writer threads' bound
  run score <<<"$rec"
  [ "$(num '[.score.valid, .score.contract.durability.ok, .score.contract.durability.writes_per_sync_max_candidate] | tostring')" = '[true,true,2]' ]
  # the candidate's second pair: 14,000 writes with 2,000 syncs (7 a sync, more than 4 threads can share)
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel.durable_sync_calls = 2000' <<<"$rec")"
  [ "$(num '[.score.valid, .error.stage, .score.contract.ok, .score.contract.durability.ok] | tostring')" = '[false,"contract",false,false]' ]
  [ "$(num .error.message)" = "the candidate's run of pair 2 acknowledged 14000 synchronous writes with 2000 syncs counted by the kernel (7.00 writes per sync): with --sync=1 and 4 writer threads one sync covers at most 4 writes, so not every write was synced" ]
  # exactly 4 a sync is the bound, not past it; without --sync=1 the rule does not apply
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel |= (.durable_sync_calls = 3500 | .write_calls = 3500)' <<<"$rec")"
  [ "$(num .score.valid)" = true ]
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel.durable_sync_calls = 2000 | .bench.workload = "--num=100000000 --threads=4"' <<<"$rec")"
  [ "$(num '[.score.valid, .score.contract.durability.syncs_every_write] | tostring')" = '[true,false]' ]
  # --sync as db_bench's gflags reads it: every spelling of true keeps the rule, a word it would misread is refused
  for spelling in -sync --sync --sync=True --sync=yes --sync=Y --sync=t "--nosync --sync" "-sync=0 --sync=1"; do
    run score <<<"$(jq -c --arg s "$spelling" '.bench.pairs[1].candidate.kernel.durable_sync_calls = 2000
      | .bench.workload = "--num=100000000 \($s) --threads=4 --duration=10"' <<<"$rec")"
    [ "$(num '[.score.valid, .error.stage] | tostring')" = '[false,"contract"]' ] || { echo "$spelling"; false; }
  done
  for spelling in --nosync --sync=No -sync=f; do
    run score <<<"$(jq -c --arg s "$spelling" '.bench.pairs[1].candidate.kernel.durable_sync_calls = 2000
      | .bench.workload = "--num=100000000 \($s) --threads=4"' <<<"$rec")"
    [ "$(num .score.contract.durability.syncs_every_write)" = false ] || { echo "$spelling"; false; }
  done
  run --separate-stderr score <<<"$(jq -c '.bench.workload = "--num=100000000 --sync=maybe --threads 4"' <<<"$rec")"
  [ "$status" -eq 1 ]
  [ "$(num .error.message)" = "bench.workload: --sync=maybe: db_bench would read this word otherwise than the durability rules, so they cannot be checked (--num=100000000 --sync=maybe --threads 4)" ]
  # within the bound, but a write call for every 2 syncs more: groups acknowledged unsynced
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel.durable_sync_calls = 3500 | .bench.pairs[1].candidate.kernel.write_calls = 7000' <<<"$rec")"
  [ "$(num '[.score.valid, .error.stage, .score.contract.durability.write_calls_per_sync_max_candidate] | tostring')" = '[false,"contract",2]' ]
  [ "$(num .error.message)" = "the candidate's run of pair 2 made 7000 write calls and 3500 syncs (kernel-counted, 2.00 write calls per sync): with --sync=1 each write group's WAL append is synced before the next, at most 1.25 write calls per sync with the database's other files, so some groups were acknowledged unsynced" ]
  # pristine past the bound: the rule does not fit this machine, nothing is scored
  run --separate-stderr score <<<"$(jq -c '.bench.pairs[0].baseline.kernel.durable_sync_calls = 1000' <<<"$rec")"
  [ "$status" -eq 1 ]
  [[ "$(num .error.message)" == "pristine broke a durability rule (pristine's run of pair 1 acknowledged 10000 synchronous writes with 1000 syncs"* ]]
  # no sync count (perf could not count them): unknown, never passed
  run --separate-stderr score <<<"$(jq -c '.bench.pairs[0].candidate.kernel.durable_sync_calls = null' <<<"$rec")"
  [ "$status" -eq 1 ]
  [[ "$(num .error.message)" == *"the candidate's run's kernel account has no sync count (perf could not count system calls), and the workload syncs every write" ]]
}

@test "durability: acknowledged writes missing when pristine reads the database back, beyond repeated keys, are invalid" {
  # 10 s at 100,000 writes/s: 1,000,000 random keys of 10^8 repeat about 4,983
  # (1e6 − 1e8·(1 − e^−0.01)); allowed ⌊4,983.4 + 6·√4,983.4 + 1⌋ = 5,407
  rec=$(record "$(pair 100000 100000 100 100)" | jq -c '.bench.pairs[0].candidate.readback.keys_found = 1000000 - 5407')
  run score <<<"$rec"
  [ "$(num '[.score.valid, .score.contract.durability.keys_missing_candidate, .score.contract.durability.keys_missing_allowed_candidate] | tostring')" = '[true,5407,5407]' ]
  run score <<<"$(jq -c '.bench.pairs[0].candidate.readback.keys_found = 990000' <<<"$rec")"
  [ "$(num '[.score.valid, .error.stage] | tostring')" = '[false,"contract"]' ]
  [ "$(num .error.message)" = "the candidate's run of pair 1 acknowledged 1000000 writes, but pristine's db_bench found 990000 keys in its database after a reopen: 10000 missing, where repeated random keys explain at most 5407 (key space 100000000)" ]
  # a database pristine's db_bench cannot read back at all
  run score <<<"$(jq -c '.bench.pairs[0].candidate.readback = {keys_found: null, exit_status: 1}' <<<"$rec")"
  [ "$(num .score.reason)" = "bench: the candidate readback run of pair 0 exited non-zero" ]
}

@test "durability: fewer bytes written per write than pristine's floor (the WAL skipped) is invalid; a user's own benchmark is unchecked, said so" {
  # the rule holds where the WAL is most of what is written: every write synced
  sync="--benchmarks=fillrandom,stats --num=100000000 --sync=1 --threads=1 --seed=1 --duration=10"
  rec=$(record "$(pair 1000 1000 100 100)" "$(pair 1000 1000 100 100)" | jq -c --arg w "$sync" '.bench.workload = $w
        | .bench.pairs[][].kernel.durable_sync_calls = 100000')
  # on the L0 workload (flushes and compactions write ~91 % of the bytes) it does not apply: the read-back does
  l0=$(jq -c '.bench.workload = "--benchmarks=fillrandom,stats --num=100000000 --seed=1" | .bench.pairs[1].candidate.kernel.write_bytes = 8000000' <<<"$rec")
  run score <<<"$l0"
  [ "$(num '[.score.valid, (.score.contract.durability | has("write_bytes_per_op_floor"))] | tostring')" = '[true,false]' ]
  floor=$(score <<<"$rec" | jq .score.contract.durability.write_bytes_per_op_floor)
  [ "$(jq -n "$floor > 0.5 and $floor < 1")" = true ]
  # 80 % of pristine's bytes per write in pair 2
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel.write_bytes = 8000000' <<<"$rec")"
  [ "$(num '[.score.valid, .error.stage, .score.contract.durability.write_bytes_per_op_ratio_min] | tostring')" = '[false,"contract",0.8]' ]
  [[ "$(num .error.message)" == "the candidate's run of pair 2 wrote 800 bytes per acknowledged write (kernel-counted), pristine's 1000: 80.0 % of pristine's, below the "*" % that pristine's own runs never fall under, so not every write's WAL record reached the WAL file" ]]
  # more bytes (larger records, say) are no violation; with the WAL disabled the rule does not apply
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel.write_bytes = 20000000' <<<"$rec")"
  [ "$(num .score.valid)" = true ]
  run score <<<"$(jq -c '.bench.pairs[1].candidate.kernel.write_bytes = 8000000 | .bench.workload += " --disable_wal=1"' <<<"$rec")"
  [ "$(num '[.score.valid, (.score.contract.durability | has("write_bytes_per_op_floor"))] | tostring')" = '[true,false]' ]
  # db_bench runs without a kernel account cannot be checked: an error, never a pass
  run --separate-stderr score <<<"$(jq -c 'del(.bench.pairs[][].kernel)' <<<"$rec")"
  [ "$status" -eq 1 ]
  [ "$(num .error.message)" = "bench.pairs carry no kernel account (kernel): the durability rules cannot be checked" ]
  # a user's own benchmark (no database options, no kernel account): unchecked, and the report says so
  run score <<<"$(jq -c 'del(.bench.pairs[][].kernel, .bench.pairs[][].options, .bench.pairs[][].readback)' <<<"$rec")"
  [ "$(num '[.score.valid, .score.contract.durability.checked] | tostring')" = '[true,false]' ]
}

@test "contract: stall time collapsing while L0 grows is a bypassed stall" {
  # pristine stalls 70 %, the candidate 2 %, with L0 at 8 against pristine's 4
  rec=$(record "$(pair 1000 3000 100 100 70 2)" "$(pair 1000 3000 100 100 72 1)" | jq -c '.bench.pairs[].candidate.compaction.l0_files = 8')
  run score <<<"$rec"
  [ "$(num .error.message)" = "stall time fell from 71.0 % to 1.5 % (median) while L0 grew from at most 4 files (pristine) to 8: the write stall was bypassed, not earned" ]
  # fewer stalls with L0 no larger than pristine's: earned (faster compaction), valid
  run score <<<"$(jq -c '.bench.pairs[].candidate.compaction.l0_files = 3' <<<"$rec")"
  [ "$(num '.score.valid')" = true ]
}

@test "bcoz: Coz's headroom ratio, counted only when the two profiles' intervals do not overlap" {
  rec=$(record "$(pair 1000 1030 110 100)" "$(pair 1000 1030 110 100)")
  # pristine 30 % [25, 35], candidate 10 % [8, 12]: 1.3 / 1.1 = 1.1818, CI [1.25/1.12, 1.35/1.08]
  echo '{"coz": {"max_speedup_pct": 30, "max_speedup_pct_ci": {"low": 25, "high": 35}}}' > "$BATS_TEST_TMPDIR/baseline.json"
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.coz = {max_speedup_pct: 10, max_speedup_pct_ci: {low: 8, high: 12}}' <<<"$rec")"
  [ "$(num '.score.terms.bcoz | [(.value*10000|round), (.ci_low*10000|round), (.ci_high*10000|round), .significant, .counted]' | jq -c .)" = '[11818,11161,12500,true,true]' ]
  # (0.3·1.03 + 0.2·1.10 + 0.3·1.1818) / 0.8 = 1.1044; comparable stays 1.058
  [ "$(num '.score | [(.combined_score*10000|round), (.comparable_score*10000|round)]' | jq -c .)" = '[11044,10580]' ]
  # overlapping intervals (the same program profiled twice: 76.8 % and 30.1 %): not counted
  echo '{"coz": {"max_speedup_pct": 76.8, "max_speedup_pct_ci": {"low": 20, "high": 90}}}' > "$BATS_TEST_TMPDIR/baseline.json"
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.coz = {max_speedup_pct: 30.1, max_speedup_pct_ci: {low: 15, high: 85}}' <<<"$rec")"
  [ "$(num '.score | [.terms.bcoz.significant, .terms.bcoz.counted, (.combined_score == .comparable_score)]' | jq -c .)" = '[false,false,true]' ]
  # bounded: 0 % against 200 % is 0.5, not −198
  echo '{"coz": {"max_speedup_pct": 0, "max_speedup_pct_ci": {"low": 0, "high": 0}}}' > "$BATS_TEST_TMPDIR/baseline.json"
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.coz = {max_speedup_pct: 200, max_speedup_pct_ci: {low: 190, high: 210}}' <<<"$rec")"
  [ "$(num '.score.terms.bcoz.value')" = 0.5 ]
}

@test "AIOPT_PROFILE_IN_FITNESS=0 (the ablation's fitness switch): the same score but for the profile terms" {
  rec=$(record "$(pair 1000 1030 110 100)" "$(pair 1000 1030 110 100)")
  echo '{"coz": {"max_speedup_pct": 30, "max_speedup_pct_ci": {"low": 25, "high": 35}}}' > "$BATS_TEST_TMPDIR/baseline.json"
  rec=$(jq -c '.coz = {max_speedup_pct: 10, max_speedup_pct_ci: {low: 8, high: 12}}' <<<"$rec")
  on=$(score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$rec")
  off=$(AIOPT_PROFILE_IN_FITNESS=0 score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$rec")
  # the profile counted: combined 1.1044; left out: combined = comparable = 1.058
  [ "$(jq -c '.score | [(.combined_score*10000|round), .terms.bcoz.counted]' <<<"$on")" = '[11044,true]' ]
  [ "$(jq -c '.score | [(.combined_score*10000|round), (.comparable_score*10000|round), .terms.bcoz]' <<<"$off")" = '[10580,10580,null]' ]
  # everything else is the same
  [ "$(jq -cS '.score | del(.combined_score, .terms.bcoz)' <<<"$on")" = "$(jq -cS '.score | del(.combined_score, .terms.bcoz)' <<<"$off")" ]
  run --separate-stderr score --profile-in-fitness 2 <<<"$rec"
  [ "$status" -eq 2 ]
}

@test "bperf: the writers' off-CPU share, pristine over candidate, bounded, only with intervals" {
  rec=$(record "$(pair 1000 1000 100 100)")
  echo '{"bperf": {"off_cpu_ratio": 0.5, "off_cpu_ratio_ci": {"low": 0.45, "high": 0.55}}}' > "$BATS_TEST_TMPDIR/baseline.json"
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.bperf = {off_cpu_ratio: 0.25, off_cpu_ratio_ci: {low: 0.2, high: 0.3}}' <<<"$rec")"
  [ "$(num '.score.terms.bperf | [.value, .significant]' | jq -c .)" = '[2,true]' ]
  # a candidate ratio of 0 is bounded at 2, not 5 or infinite
  run score --baseline "$BATS_TEST_TMPDIR/baseline.json" <<<"$(jq -c '.bperf = {off_cpu_ratio: 0, off_cpu_ratio_ci: {low: 0, high: 0}}' <<<"$rec")"
  [ "$(num '.score.terms.bperf.value')" = 2 ]
}

@test "an unknown off-CPU or Coz figure can never raise a score" {
  # For candidates better, equal and worse than pristine, and every profile state:
  # unknown (null ratio, no interval, no profile) scores exactly as "no difference"
  # and never above any known state's score.
  for cand in 1100 1000 950; do
    rec=$(record "$(pair 1000 "$cand" 100 100)" "$(pair 1000 "$((cand + 5))" 100 100)" "$(pair 1000 "$((cand - 5))" 100 100)")
    echo '{"bperf": {"off_cpu_ratio": 0.5, "off_cpu_ratio_ci": {"low": 0.45, "high": 0.55}},
           "coz": {"max_speedup_pct": 30, "max_speedup_pct_ci": {"low": 25, "high": 35}}}' > "$BATS_TEST_TMPDIR/b.json"
    scores=()
    for state in '.bperf = {off_cpu_ratio: null, off_cpu_ratio_ci: null}' '.bperf = {off_cpu_ratio: 0, off_cpu_ratio_ci: null}' \
                 '.coz = {max_speedup_pct: null}' '.coz = {max_speedup_pct: 0, max_speedup_pct_ci: null}' 'del(.coz, .bperf)'; do
      run score --baseline "$BATS_TEST_TMPDIR/b.json" <<<"$(jq -c "$state" <<<"$rec")"
      scores+=("$(num .score.combined_score)")
    done
    run score <<<"$rec"; known_equal=$(num .score.combined_score)
    for sc in "${scores[@]}"; do [ "$sc" = "$known_equal" ]; done
    run score --baseline "$BATS_TEST_TMPDIR/b.json" <<<"$(jq -c '.bperf = {off_cpu_ratio: 0.9, off_cpu_ratio_ci: {low: 0.85, high: 0.95}}' <<<"$rec")"
    known_worse=$(num .score.combined_score)
    run score --baseline "$BATS_TEST_TMPDIR/b.json" <<<"$(jq -c '.bperf = {off_cpu_ratio: 0.2, off_cpu_ratio_ci: {low: 0.15, high: 0.25}}' <<<"$rec")"
    known_better=$(num .score.combined_score)
    # (a candidate significantly slower is capped at its throughput whatever the profile says)
    jq -en --argjson u "$known_equal" --argjson w "$known_worse" --argjson b "$known_better" --argjson c "$cand" \
      '$w <= $u and $u <= $b and ($c < 1000 or ($w < $u and $u < $b))'
  done
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
    [ "$status" -eq 1 ]
    [[ "$(num .error.message)" == *"$msg"* ]]
    [[ "$stderr" == *"$msg"* ]]
    [ "$(num .error.stage)" = score ]
    [ "$(num '.score | [.valid, .combined_score, .comparable_score]' | jq -c .)" = '[false,null,null]' ]
  done
}

@test "pristine scores 1.0" {
  run score <<<'{"id":"pristine","pristine":true}'
  [ "$(num '.score | [.combined_score,.comparable_score,.valid]' | jq -c .)" = '[1,1,true]' ]
}

@test "--more: screen, minimum, target, clearly worse, budget" {
  # (--min-pairs 3 here: the racing is what is tested; the default is the experiment's, 4)
  run --separate-stderr score --more --min-pairs 3 <<<"$(record "$(pair 1000 900 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"first pair is 10.0 % slower"* ]]
  run --separate-stderr score --more --min-pairs 3 <<<"$(record "$(pair 1000 1000 100 100)" "$(pair 1000 1010 100 100)")"
  [ "$status" -eq 3 ]; [[ "$stderr" == *"2 of at least 3 pairs"* ]]
  run --separate-stderr score --more --min-pairs 3 <<<"$(record "$(pair 1000 1030 100 100)" "$(pair 1000 1031 100 100)" "$(pair 1000 1029 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"<= target 3.0 %"* ]]
  run --separate-stderr score --more --min-pairs 3 <<<"$(record "$(pair 1000 950 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1110 100 100)")"
  [ "$status" -eq 3 ]; [[ "$stderr" == *"> target 3.0 % after 3 pairs"* ]]
  run --separate-stderr score --more --min-pairs 3 <<<"$(record "$(pair 1000 800 100 100)" "$(pair 1000 810 100 100)" "$(pair 1000 790 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"clearly worse"* ]]
  wide=(); for i in 1 2 3 4; do wide+=("$(pair 1000 950 100 100)" "$(pair 1000 1110 100 100)"); done
  run --separate-stderr score --more --min-pairs 3 <<<"$(record "${wide[@]}")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"8 pairs, the budget"* ]]
}

@test "--more --calibration: on a noisy machine one slow pair does not drop a candidate" {
  # the run's A/A pairs swing 3 % (sd of the log ratio 0.03): 2.5 sd is a 7.2 %
  # screen, so a first pair 6 % slower runs on; 8 % slower still stops
  echo '{"log_ratio_sd": 0.03}' > "$BATS_TEST_TMPDIR/noise.json"
  run --separate-stderr score --more <<<"$(record "$(pair 1000 940 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"first pair is 6.0 % slower than pristine (screen 5.0 %)"* ]]
  run --separate-stderr score --more --calibration "$BATS_TEST_TMPDIR/noise.json" <<<"$(record "$(pair 1000 940 100 100)")"
  [ "$status" -eq 3 ]
  run --separate-stderr score --more --calibration "$BATS_TEST_TMPDIR/noise.json" <<<"$(record "$(pair 1000 920 100 100)")"
  [ "$status" -eq 0 ]; [[ "$stderr" == *"first pair is 8.0 % slower than pristine (screen 7.2 %)"* ]]
}

@test "--calibrate: the spread of A/A pairs; one pair, or a failed run, is an error naming it" {
  # ratios 1.02 and 0.98: sd of the logs 0.0283; 8 pairs detect
  # exp((2.365 + 0.896) × 0.0283 / √8) − 1 = 3.32 %
  run --separate-stderr score --calibrate <<<"$(record "$(pair 1000 1020 100 100)" "$(pair 1000 980 100 100)")"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[(.log_ratio_sd * 10000 | round), .detectable_change.pairs, (.detectable_change.pct * 100 | round), .throughput.significant]' <<<"$output")" = '[283,8,332,false]' ]
  run --separate-stderr score --calibrate --max-pairs 4 <<<"$(record "$(pair 1000 1020 100 100)" "$(pair 1000 980 100 100)")"
  # 4 pairs: exp((3.182 + 0.978) × 0.0283 / 2) − 1 = 6.1 %
  [ "$(jq -c '.detectable_change | [.pairs, (.pct * 10 | round)]' <<<"$output")" = '[4,61]' ]
  run --separate-stderr score --calibrate <<<"$(record "$(pair 1000 1020 100 100)")"
  [ "$status" -eq 1 ]; [[ "$stderr" == *"record 1: 1 A/A pair: a spread needs at least 2"* ]]
  run --separate-stderr score --calibrate <<<"$(record "$(pair 1000 1020 100 100)" "$(pair 1000 980 100 100 | jq -c '.candidate.exit_status = 1')")"
  [ "$status" -eq 1 ]; [[ "$stderr" == *"an A/A run failed"* ]]
}

@test "--explain: every term, its CI and weight" {
  run score --explain <<<"$(record "$(pair 1000 1020 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1040 100 100)")"
  [ "$status" -eq 0 ]
  [[ "$output" == *"c0001-abcdef: combined "*"(3 pairs; CI: paired t on log ratios)"* ]]
  [[ "$output" == *"throughput 1.0300  95% CI ["*"]  significant  weight 0.3"* ]]
  [[ "$output" == *"latency    1.0000  95% CI [1.0000, 1.0000]  not significant  weight 0.2"* ]]
  [[ "$output" == *"bcoz       unknown (not measured or no interval): counts for nothing"* ]]
}

@test "usage: bad weights exit 2" {
  run score --weights speed=1 </dev/null
  [ "$status" -eq 2 ]
}

@test "identical code profiled again and again: the profile terms call a difference in at most 5 % of comparisons" {
  # tests/fixtures/profile-noise: real Coz profiles and parsed perf recordings of the
  # same pristine db_bench (tests/bench/profile-noise.sh); every ordered pair is scored.
  d="$FIXTURES/profile-noise"
  n=0
  for coz in "$d"/pristine-*.coz; do
    i=${coz##*pristine-}; i=${i%.coz}
    parse-coz --min-points 3 "$coz" > "$BATS_TEST_TMPDIR/coz-$i.json"
    jq -n --slurpfile c "$BATS_TEST_TMPDIR/coz-$i.json" --slurpfile o "$d/pristine-$i.offcpu.json" \
      '{coz: $c[0], bperf: $o[0]}' > "$BATS_TEST_TMPDIR/b$i.json"
    n=$((n + 1))
  done
  [ "$n" -ge 6 ]
  run bash "$TESTS_DIR/helpers/profile-pairs.sh" "$BATS_TEST_TMPDIR"/b*.json
  echo "$output"
  [ "$status" -eq 0 ]
  read -r comparisons coz coz_known off off_known < <(sed -E 's/^profile-pairs: ([0-9]+) comparisons.*bcoz called a difference ([0-9]+) times \(of ([0-9]+) with intervals\), bperf ([0-9]+) times \(of ([0-9]+) with intervals\)$/\1 \2 \3 \4 \5/' <<<"$output")
  [ "$comparisons" -eq $((n * (n - 1))) ]
  # the terms had intervals to judge by, and rarely called a difference
  [ "$coz_known" -gt 0 ] && [ "$off_known" -gt 0 ]
  [ $((coz * 100)) -le $((5 * comparisons)) ]
  [ $((off * 100)) -le $((5 * comparisons)) ]
}

@test "a gain within noise never raises the score; a loss counts as measured" {
  # throughput ratios 0.95, 1.03, 1.11: median 1.03, CI ≈ [0.84, 1.25]: not significant → counts as 1
  run score <<<"$(record "$(pair 1000 950 100 100)" "$(pair 1000 1030 100 100)" "$(pair 1000 1110 100 100)")"
  [ "$(num '.score | [(.terms.throughput.value * 100 | round), .terms.throughput.significant, .comparable_score, .combined_score]' | jq -c .)" = '[103,false,1,1]' ]
  # 1.05, 0.97, 0.89: median 0.97, not significant, but a loss: (0.3 · 0.97 + 0.2 · 1) / 0.5 = 0.982
  run score <<<"$(record "$(pair 1000 1050 100 100)" "$(pair 1000 970 100 100)" "$(pair 1000 890 100 100)")"
  [ "$(num '.score.comparable_score * 1000 | round')" = 982 ]
}

@test "score owns the medians: an even count averages the middle two (the bench stage computes none)" {
  # candidate ops 1000, 1200, 1100, 1300 → median (1100 + 1200) / 2 = 1150; p99 8, 9, 10, 11 → 9.5
  run score <<<"$(record "$(pair 1000 1000 100 8)" "$(pair 1000 1200 100 9)" "$(pair 1000 1100 100 10)" "$(pair 1000 1300 100 11)")"
  [ "$status" -eq 0 ]
  [ "$(num '.score.medians | [.ops_per_sec, .fixed_load_p99_us, .read_ops_per_sec]')" = '[1150,9.5,50000]' ]
  # pristine's runs: the same median (score --summarize writes baseline.json's figures)
  run score --summarize <<<"$(for o in 1000 1200 1100 1300; do pair $o $o 100 100 | jq -c .baseline; done)"
  [ "$status" -eq 0 ]
  [ "$(num '[.runs, .ops_per_sec, .stall_pct, .l0_files, .read_ops_per_sec]')" = '[4,1150,50,4,50000]' ]
  # a figure no run has is null, not 0
  run score --summarize <<<'{"ops_per_sec":10}'
  [ "$(num '[.ops_per_sec, .p99_us, .stall_pct]')" = '[10,null,null]' ]
}

@test "better than the parent is score's: the interval's lower end above the parent's ratio" {
  # throughput ratios 1.04–1.06 → CI ≈ [1.025, 1.075]
  cand=$(record "$(pair 1000 1040 100 100)" "$(pair 1000 1050 100 100)" "$(pair 1000 1060 100 100)")
  echo '{"score":{"terms":{"throughput":{"value":1.01},"latency":{"value":1.0}}}}' > "$BATS_TEST_TMPDIR/low.json"
  echo '{"score":{"terms":{"throughput":{"value":1.05},"latency":{"value":1.0}}}}' > "$BATS_TEST_TMPDIR/high.json"
  run score --parent "$BATS_TEST_TMPDIR/low.json" <<<"$cand"
  [ "$(num '[.score.better_than_pristine, .score.better_than_parent]')" = '[true,true]' ]
  run score --parent "$BATS_TEST_TMPDIR/high.json" <<<"$cand"
  [ "$(num '[.score.better_than_pristine, .score.better_than_parent]')" = '[true,false]' ]
  # no parent record: the parent is pristine
  run score <<<"$cand"
  [ "$(num '.score.better_than_parent')" = true ]
  run --separate-stderr score --parent "$BATS_TEST_TMPDIR/missing.json" <<<"$cand"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"--parent $BATS_TEST_TMPDIR/missing.json: No such file"* ]]
}

# with_cost B C: the record on stdin with bench.cost's instructions per write, pristine B, candidate C.
with_cost() { jq -c --argjson b "$1" --argjson c "$2" '.bench.cost = {args: "--num=20000",
  baseline: {counter: "callgrind", instructions_per_op: $b}, candidate: {counter: "callgrind", instructions_per_op: $c}}'; }

@test "cpu: instructions per write break a wall-clock tie, beyond the tolerance only, and are never weighted" {
  # throughput and p99 within noise: ratios 0.99–1.01 around 1
  tie=$(record "$(pair 1000 990 100 100)" "$(pair 1000 1010 100 100)" "$(pair 1000 1000 100 101)" "$(pair 1000 1005 100 99)")
  run score <<<"$tie"
  [ "$(num '[.score.better_than_pristine, .score.decided_by, .score.terms.cpu]')" = '[false,null,null]' ]
  combined=$(num .score.combined_score)
  # 0.35 % fewer instructions (9,157.4 → 9,125.4): better, decided by instructions; the scores unchanged
  run score <<<"$(with_cost 9157.4 9125.4 <<<"$tie")"
  [ "$(num '[.score.better_than_pristine, .score.decided_by, .score.terms.cpu.significant, .score.terms.cpu.weight, .score.terms.cpu.counted]')" = '[true,"instructions",true,0,false]' ]
  [ "$(num .score.combined_score)" = "$combined" ]
  [ "$(num '.score.terms.cpu | [.value, .instructions_per_op_baseline, .instructions_per_op_candidate, .tolerance] | map(. * 10000 | round / 10000)')" = '[1.0035,9157.4,9125.4,0.001]' ]
  # 0.35 % more: a difference the channel sees, worse; not better, and no score is lowered by it
  run score <<<"$(with_cost 9157.4 9189.4 <<<"$tie")"
  [ "$(num '[.score.better_than_pristine, .score.terms.cpu.significant, (.score.terms.cpu.value < 1), .score.worse_terms]')" = '[false,true,true,[]]' ]
  [ "$(num .score.combined_score)" = "$combined" ]
  # within the tolerance (0.05 %): no difference
  run score <<<"$(with_cost 9157.4 9152.8 <<<"$tie")"
  [ "$(num '[.score.better_than_pristine, .score.terms.cpu.significant]')" = '[false,false]' ]
  # a wider tolerance (AIOPT_CPU_TOLERANCE) calls the 0.35 % a tie too
  AIOPT_CPU_TOLERANCE=0.005 run score <<<"$(with_cost 9157.4 9125.4 <<<"$tie")"
  [ "$(num '[.score.better_than_pristine, .score.terms.cpu.significant]')" = '[false,false]' ]
  run --separate-stderr score --cpu-tolerance 2 <<<"$tie"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--cpu-tolerance"*"2"* ]]
  # unknown counts (an edit naming Valgrind, a user's own benchmark): null, nothing decided
  run score <<<"$(with_cost 9157.4 null <<<"$tie")"
  [ "$(num '[.score.better_than_pristine, .score.terms.cpu]')" = '[false,null]' ]
  run score --explain <<<"$(with_cost 9157.4 9125.4 <<<"$tie")"
  [[ "$output" == *"cpu        1.0035  (instructions/op 9157.4 pristine, 9125.4 candidate; a difference beyond the 0.10 % tolerance; breaks ties only)"* ]]
  [[ "$output" == *"better than pristine, by instructions (the wall clock within noise)"* ]]
}

@test "cpu: fewer instructions never outweigh a measured wall-clock loss" {
  # 20 % fewer instructions, throughput 10 % lower in every pair (an edit that skips work and sleeps)
  slower=$(record "$(pair 1000 900 100 100)" "$(pair 1000 905 100 100)" "$(pair 1000 895 100 100)")
  run score <<<"$(with_cost 9157.4 7300 <<<"$slower")"
  [ "$(num '[.score.better_than_pristine, .score.decided_by, .score.worse_terms, .score.terms.cpu.significant]')" = '[false,null,["throughput"],true]' ]
  [ "$(num '.score.combined_score < 1')" = true ]
  # one pair, 8 % slower (the screen dropped it): no interval, no tie, so the count decides nothing
  run score <<<"$(with_cost 9157.4 7300 <<<"$(record "$(pair 1000 920 100 100)")")"
  [ "$(num '[.score.better_than_pristine, .score.decided_by, .score.terms.throughput.ci_low, .score.terms.cpu.significant]')" = '[false,null,null,true]' ]
  # a significant wall-clock gain decides by itself, whatever the count says
  faster=$(record "$(pair 1000 1040 100 100)" "$(pair 1000 1050 100 100)" "$(pair 1000 1060 100 100)")
  run score <<<"$(with_cost 9157.4 9300 <<<"$faster")"
  [ "$(num '[.score.better_than_pristine, .score.decided_by]')" = '[true,"throughput"]' ]
}

@test "cpu: better than the parent by instructions only when the wall clock ties with the parent's" {
  tie=$(record "$(pair 1000 990 100 100)" "$(pair 1000 1010 100 100)" "$(pair 1000 1000 100 101)" "$(pair 1000 1005 100 99)")
  echo '{"score":{"terms":{"throughput":{"value":1.0},"latency":{"value":1.0},"cpu":{"value":1.002}}}}' > "$BATS_TEST_TMPDIR/p.json"
  run score --parent "$BATS_TEST_TMPDIR/p.json" <<<"$(with_cost 9157.4 9125.4 <<<"$tie")"   # 1.0035 > 1.002 · 1.001
  [ "$(num '[.score.better_than_pristine, .score.better_than_parent]')" = '[true,true]' ]
  echo '{"score":{"terms":{"throughput":{"value":1.0},"latency":{"value":1.0},"cpu":{"value":1.003}}}}' > "$BATS_TEST_TMPDIR/p.json"
  run score --parent "$BATS_TEST_TMPDIR/p.json" <<<"$(with_cost 9157.4 9125.4 <<<"$tie")"   # within the tolerance of the parent's
  [ "$(num .score.better_than_parent)" = false ]
  # a parent measurably faster on the wall clock: fewer instructions do not make up for it
  echo '{"score":{"terms":{"throughput":{"value":1.05},"latency":{"value":1.0},"cpu":{"value":0.99}}}}' > "$BATS_TEST_TMPDIR/p.json"
  run score --parent "$BATS_TEST_TMPDIR/p.json" <<<"$(with_cost 9157.4 9125.4 <<<"$tie")"
  [ "$(num .score.better_than_parent)" = false ]
}

@test "the sync workload's decomposition: writes per sync and device-normalised throughput, signals beside the terms, never weighted" {
  sync="--benchmarks=fillrandom,stats --num=100000000 --sync=1 --threads=4 --seed=1 --duration=10"
  # pristine 1,000 ops/s, 2 writes a sync (5,000 syncs, 0.5 ms each); the candidate 1,400 ops/s and
  # 2.8 writes a sync (5,000 syncs of 14,000 writes), each sync 0.6 ms: a slower device in its run
  rec=$(record "$(pair 1000 1400 100 100)" "$(pair 1000 1400 100 100)" | jq -c --arg w "$sync" '.bench.workload = $w
    | .bench.pairs[] |= (.baseline.kernel += {sync_seconds: 2.5, traced_sync_calls: 5000}
                         | .candidate.kernel += {durable_sync_calls: 5000, write_calls: 5000, sync_seconds: 3.0, traced_sync_calls: 5000})')
  run score <<<"$rec"
  [ "$(num '.score.signals | [.writes_per_sync.value, .device_normalised_throughput.value] | map(. * 1000 | round / 1000)')" = '[1.4,1.68]' ]
  # signals only: the terms and the verdict come from the wall clock
  [ "$(num '[.score.terms.throughput.value, (.score.terms | has("writes_per_sync"))] | map(tostring) | join(" ")')" = "1.4 false" ]
  run score --explain <<<"$rec"
  [[ "$output" == *"writes/sync 1.4000"*"(kernel-counted writes per durable sync, candidate over pristine; a signal, not weighted)"* ]]
  # without --sync=1 the decomposition means nothing: left out
  run score <<<"$(jq -c '.bench.workload = "--num=100000000 --threads=4"' <<<"$rec")"
  [ "$(num '.score.signals | has("writes_per_sync") or has("device_normalised_throughput")')" = false ]
  # a run without the trace: the normalised figure unknown, not 0
  run score <<<"$(jq -c '.bench.pairs[0].candidate.kernel.sync_seconds = null | .bench.pairs[0].candidate.kernel.traced_sync_calls = null' <<<"$rec")"
  [ "$(num '.score.signals | [has("writes_per_sync"), has("device_normalised_throughput")]')" = '[true,false]' ]
}

@test "the summary against the harness's clock: longer than the run, shorter than --duration, a rate that is not its count over its time, or a form pristine's lacks: invalid" {
  # both sides' summaries as db_bench ≥ 7.3 prints them: 10 s (--duration=10) inside an 11.4 s run
  timed='.bench.workload = "--benchmarks=fillrandom,stats --duration=10"
    | .bench.pairs[].baseline |= (.benchmarks[0] += {seconds: 10.004, operations: 10004} | .ops_per_sec = 1000 | .harness_seconds = 11.4)
    | .bench.pairs[].candidate |= (.benchmarks[0] += {seconds: 10.003, operations: 10303} | .ops_per_sec = 1030 | .harness_seconds = 11.2)'
  rec=$(record "$(pair 1000 1030 100 100)" | jq -c "$timed")
  run score <<<"$rec"
  [ "$(num .score.valid)" = true ]
  for case in '.candidate.harness_seconds = 5@@its summary reports 10.003 s, longer than the whole run took by the harness'"'"'s clock (5.000 s)' \
              '.candidate.benchmarks[0].seconds = 5.0 | .candidate.ops_per_sec = 2060.6@@its summary reports 5.000 s, shorter than the --duration=10 it ran for' \
              '.candidate.ops_per_sec = 99999@@its summary'"'"'s 99999 ops/sec are not its 10303 operations over 10.003 s' \
              '.candidate.benchmarks[0] |= del(.seconds, .operations)@@its summary has no seconds and operations, where pristine'"'"'s from the same db_bench has: it is not db_bench'"'"'s'; do
    run score <<<"$(jq -c ".bench.pairs[0] |= (${case%%@@*})" <<<"$rec")"
    [ "$status" -eq 0 ]
    [ "$(num '[.score.valid, .score.reason]' | jq -c .)" = "$(jq -cn --arg r "bench: the candidate run of pair 0: ${case#*@@}" '[false, $r]')" ] \
      || { echo "$case: $output"; false; }
  done
  # pristine's own summary outside the clock: the rule does not fit, an input error
  run --separate-stderr score <<<"$(jq -c '.bench.pairs[0].baseline.harness_seconds = 5' <<<"$rec")"
  [ "$status" -eq 1 ]
  [[ "$(num .error.message)" == "bench: the baseline run of pair 0: its summary reports 10.004 s, longer than"*"(pristine's own run: the rule does not fit, nothing is scored)" ]]
}
